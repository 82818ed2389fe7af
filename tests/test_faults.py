"""Fault injection: kill a sweep (SIGTERM, SIGKILL) and one of its workers, run two sweeps into one
store, damage each store file, tamper with a ledger's tail and head. In every case no finished run
is lost or counted twice, and no tampering goes unnoticed.

Bounded in time and load-tolerant: every wait polls with a deadline, nothing sleeps a fixed time.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sumchain.cli as cli
from sumchain import Config
from sumchain.experiments.store import PARTS, RESULTS, RESULTS_CSV, TIMESERIES, read_results

pytestmark = pytest.mark.slow     # starts and kills real processes

SMALL = ["--set", "num_words=100", "--set", "max_train=800", "--set", "max_test=200"]
STANDALONE = "import sys, sumchain.cli as cli; sys.exit(cli.main(sys.argv[1:]))"
DEADLINE_S = 600
"""Generous: the suite runs on a shared 2-core machine; a healthy run takes a few seconds."""


def sweep_args(out: Path, seeds: int = 6, workers: int = 2) -> list[str]:
    return ["sweep", *SMALL, "--set", "cost_weight=1,2", "--seeds", str(seeds), "--workers", str(workers),
            "--out", str(out)]


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", STANDALONE, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def poll(condition, what: str, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def stored_rows(out: Path) -> int:
    try:
        return len(read_results(out))
    except Exception:
        return 0


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def check_store_whole(out: Path, total: int) -> pd.DataFrame:
    table = read_results(out)
    assert table["config_hash"].is_unique and len(table) == total and set(table["status"]) == {"ok"}
    series = pd.read_parquet(out / TIMESERIES)
    assert set(series["config_hash"]) == set(table["config_hash"])
    assert not series.duplicated(["config_hash", "time_s"]).any()
    return table


linux_only = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_the_sweep_ends_its_workers_and_the_rerun_completes(tmp_path, sig):
    args = sweep_args(tmp_path)
    process = start(args)
    poll(lambda: stored_rows(tmp_path) >= 1 or process.poll() is not None, "a first stored run")
    workers = children_of(process.pid)
    process.send_signal(sig)
    _, err = process.communicate(timeout=DEADLINE_S)
    if sig == signal.SIGTERM:
        assert process.returncode == 143 and "rerun the same command to resume" in err, err
    poll(lambda: not any(alive(w) for w in workers), "the workers to die with their parent", timeout=30)
    before = read_results(tmp_path)
    assert before["config_hash"].is_unique
    assert cli.main(args + ["--quiet"]) == 0
    after = check_store_whole(tmp_path, 12)
    kept = after.set_index("config_hash").loc[before["config_hash"], "wall_s"]
    assert list(kept) == list(before["wall_s"])      # finished runs were neither lost nor rerun


@linux_only
def test_a_killed_worker_loses_only_its_runs_in_flight(tmp_path):
    args = sweep_args(tmp_path)
    process = start(args)
    poll(lambda: stored_rows(tmp_path) >= 1 or process.poll() is not None, "a first stored run")
    poll(lambda: children_of(process.pid) or process.poll() is not None, "a worker")
    victims = [pid for pid in children_of(process.pid) if alive(pid)][:1]
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    _, err = process.communicate(timeout=DEADLINE_S)
    table = read_results(tmp_path)
    assert table["config_hash"].is_unique and len(table) == 12, err
    failed = table[table["status"] == "error"]
    assert len(failed) <= 2       # at most the runs in flight (2 workers)
    assert failed["error"].str.contains("worker process running it died").all()
    assert process.returncode == (1 if len(failed) else 0)
    assert cli.main(args + ["--quiet"]) == 0           # the rerun retries only those
    check_store_whole(tmp_path, 12)


def test_a_second_sweep_into_a_busy_store_is_refused_and_no_row_is_lost(tmp_path):
    first = start(sweep_args(tmp_path, workers=1))
    poll(lambda: (tmp_path / ".lock").exists() and stored_rows(tmp_path) >= 1 or first.poll() is not None,
         "the first sweep to start storing")
    second = subprocess.run([sys.executable, "-c", STANDALONE, *sweep_args(tmp_path, seeds=3, workers=1)],
                            capture_output=True, text=True, timeout=DEADLINE_S)
    _, err = first.communicate(timeout=DEADLINE_S)
    assert first.returncode == 0, err
    if first.returncode == 0 and second.returncode == 2:
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "is in use by another sumchain command" in lines[0]
    else:       # the first had finished before the second started: both ran, in turn
        assert second.returncode == 0, second.stderr
    check_store_whole(tmp_path, 12)


def _finished_store(tmp_path: Path) -> tuple[list[str], pd.DataFrame]:
    args = sweep_args(tmp_path, seeds=2, workers=1) + ["--quiet"]
    assert cli.main(args) == 0
    return args, read_results(tmp_path)


@pytest.mark.parametrize("name", [RESULTS, RESULTS_CSV, TIMESERIES, "part"])
@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_each_damaged_store_file_is_named_or_healed(tmp_path, capsys, name, damage):
    args, before = _finished_store(tmp_path)
    if name == "part":      # as a killed sweep leaves it: one series not yet folded
        series = pd.read_parquet(tmp_path / TIMESERIES)
        digest = before["config_hash"].iloc[0]
        (tmp_path / PARTS).mkdir()
        series[series["config_hash"] == digest].to_parquet(tmp_path / PARTS / f"{digest}.parquet")
        series[series["config_hash"] != digest].to_parquet(tmp_path / TIMESERIES)
        target = tmp_path / PARTS / f"{digest}.parquet"
    else:
        target = tmp_path / name
    if damage == "delete":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    capsys.readouterr()
    code = cli.main(args)
    err = capsys.readouterr().err
    if damage == "truncate" and name != RESULTS_CSV:
        assert code == 2 and err.count("\n") == 1 and "is not readable Parquet" in err and target.name in err
        return
    if damage == "delete" and name == RESULTS:
        # the table of runs is gone: every run is run again, nothing is duplicated
        assert code == 0
    else:
        assert code == 0, err
    after = check_store_whole(tmp_path, 4)
    assert len(pd.read_csv(tmp_path / RESULTS_CSV)) == 4
    if name in (RESULTS_CSV,):
        assert list(after["wall_s"]) == list(before["wall_s"])    # nothing rerun


@pytest.mark.parametrize("name, columns, words", [
    (RESULTS, {"status": ["ok"]}, f"results table '{{path}}' has no 'config_hash' column"),
    (TIMESERIES, {"day": [0.0], "accuracy": [0.5]}, f"time series table '{{path}}' has no 'config_hash' column"),
])
def test_a_store_table_without_its_key_column_is_named_as_such(tmp_path, capsys, name, columns, words):
    """A table another command wrote (a run folder's time series has no config_hash) is not 'unreadable'."""
    args, _ = _finished_store(tmp_path)
    pd.DataFrame(columns).to_parquet(tmp_path / name)
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words.format(path=tmp_path / name) in err and "not readable" not in err, err


def test_simulate_into_a_sweep_folder_is_refused_and_the_sweep_keeps_every_series(tmp_path, capsys):
    args, before = _finished_store(tmp_path)
    series = (tmp_path / TIMESERIES).read_bytes()
    capsys.readouterr()
    assert cli.main(["simulate", *SMALL, "--quiet", "--out", str(tmp_path)]) == 2
    assert "holds a sweep's results" in capsys.readouterr().err
    assert (tmp_path / TIMESERIES).read_bytes() == series
    assert cli.main(args) == 0 and "0 ran now (0 failed), 4 already stored" in capsys.readouterr().out


@pytest.mark.parametrize("first, second", [("simulate", "sweep"), ("sweep", "study"), ("sweep", "reproduce")])
def test_no_command_writes_into_another_commands_folder(tmp_path, capsys, first, second):
    from sumchain.files import claim_folder
    claim_folder(tmp_path, "run" if first == "simulate" else first).release()
    marker = (tmp_path / ".sumchain-output").read_bytes()
    command = {"sweep": ["sweep", *SMALL], "study": ["study", "--only", "pairs", "--models", "perceptron", *SMALL],
               "reproduce": ["reproduce", "--only", "num_words", *SMALL]}[second]
    assert cli.main([*command, "--seeds", "1", "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {tmp_path} holds" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", ".sumchain-output"]
    assert (tmp_path / ".sumchain-output").read_bytes() == marker


def test_the_test_command_runs_without_xdist_and_ci_runs_the_readmes():
    """`pytest -p no:xdist` works (no -n in addopts); .ci/run is the README's test command."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q",
                           "tests/test_files.py"], cwd=root, capture_output=True, text=True, timeout=DEADLINE_S)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    readme = (root / "README.md").read_text()
    command = readme.split("Set up and run the tests")[1].split("```sh\n")[1].split("\n")[0]
    assert command in (root / ".ci" / "run").read_text().splitlines()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    out = tmp_path_factory.mktemp("ledger")
    path = out / "run.sqlite"
    assert cli.main(["simulate", "--set", "num_words=100", "--set", "max_train=600", "--set", "max_test=300", "--quiet", "--out", str(out / "run"),
                     "--ledger", str(path)]) == 0
    return path


@pytest.mark.parametrize("tamper, words", [
    ("DELETE FROM blocks WHERE number = (SELECT MAX(number) FROM blocks)", "blocks missing"),
    ("DELETE FROM blocks", "blocks missing: the ledger holds 0"),
    ("UPDATE blocks SET hash = 'ff' || substr(hash, 3) WHERE number = (SELECT MAX(number) FROM blocks)",
     "differs"),
    ("UPDATE meta SET value = '\"' || replace(substr(value, 2, 64), substr(value, 2, 1), 'x') || '\"' "
     "WHERE key = 'head_hash'", "head differs"),
    ("UPDATE transactions SET value = '1' WHERE block = 0", "block 0 differs"),
])
def test_tampering_with_a_ledgers_tail_or_head_is_found(ledger, tmp_path, capsys, tamper, words):
    copy = tmp_path / "tampered.sqlite"
    copy.write_bytes(ledger.read_bytes())
    with sqlite3.connect(copy) as db:
        db.execute(tamper)
    db.close()
    capsys.readouterr()
    assert cli.main(["verify", str(copy)]) == 1
    assert words in capsys.readouterr().out
    assert cli.main(["verify", str(ledger)]) == 0


# -- every numeric value: refused in one line, or run to the end on every engine that accepts it ----------

def _numeric_bounds() -> dict[str, tuple[list, dict]]:
    """Per numeric key: values at and beyond its bounds (from the config's own constants), and the
    other keys its values need (a mechanism, a model, a kind). Valid values that only make a run long
    (a 1-second wait, 10,000 agents) are left out: they are work, not faults."""
    from sumchain.config import DAY_S, TX_GAS_CAP, MAX_INT64, MAX_MONEY_COINS, MAX_MONEY_UNITS, MAX_WAIT_S, WEI_PER_COIN
    words = TINY_RUN["num_words"]
    wait = [MAX_WAIT_S, MAX_WAIT_S + 1, 10**12, -1, 2**64]
    money = [MAX_MONEY_COINS / 2, MAX_MONEY_COINS * 1.01, 1e60, float("inf"), float("nan"), -1.0]
    nasty = [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 0.0]
    qp, pm = {"incentive": "quality_priced"}, {"incentive": "prediction_market"}
    cost_limit = MAX_MONEY_UNITS // (60 * WEI_PER_COIN)
    coins = MAX_MONEY_UNITS // WEI_PER_COIN          # the most whole coins a run holds
    return {
        "learning_rate": ([0.001, 0.0009, MAX_INT64 // (words + 1) / 1000, MAX_INT64 // (words + 1) / 1000 * 1.01,
                           1e70, 1e300, *nasty], {}),
        "naive_bayes.smoothing": ([0.001, 2**61 / (1000 * words), 2**61 / (1000 * words) * 1.01, 1e18, *nasty],
                                  {"model": "naive_bayes"}),
        "logistic_regression.eta0": ([1e-6, MAX_INT64 // (words + 1) / 1e6, 1e300, *nasty],
                                     {"model": "logistic_regression"}),
        "logistic_regression.t0": ([1, MAX_INT64, MAX_INT64 + 1, 0], {"model": "logistic_regression"}),
        "gas_price_gwei": ([MAX_MONEY_UNITS // TX_GAS_CAP / 1e9, MAX_MONEY_UNITS // TX_GAS_CAP / 1e9 * 1.01,
                            1e300, *nasty], {}),
        "cost_weight": ([cost_limit, cost_limit + 1, 10**21, -1], {}),
        "quality_priced.weight": ([cost_limit - 1, cost_limit, 10**56, -1], qp),
        "quality_priced.margin_scale": ([1, 2**256 - 2**63, 2**256, 0], qp),
        "refund_wait_s": ([MAX_WAIT_S - 7 * DAY_S, *wait], {"any_address_claim_wait_s": MAX_WAIT_S}),
        "any_address_claim_wait_s": (wait, {}),
        "owner_claim_wait_s": (wait, {}),
        "accuracy_interval_s": ([3_600, 3_599, *wait], {}),
        "first_accuracy_s": (wait, {}),
        "agents.Good.start_balance": ([coins - 10_000, coins - 9_999, 10**60, -1], {}),
        "agents.Good.mean_deposit": ([MAX_MONEY_COINS, *money], {}),
        "agents.Good.stdev_deposit": (money, {}),
        "agents.Good.mean_update_wait_s": ([float(MAX_WAIT_S), MAX_WAIT_S * 1.01, *nasty], {}),
        "agents.Good.stdev_update_wait_s": ([float(MAX_WAIT_S), MAX_WAIT_S * 1.01, *nasty], {}),
        "agents.Good.prob_mistake": ([0.0, 1.0, 1.01, *nasty], {}),
        "agents.Good.phase_s": (wait, {}),
        "agents.Good.count": ([0, 10_001, 10**30], {}),
        "agents.Bad.lead_s": ([1, *wait, 0], {"agents.Bad.kind": "timing"}),
        "agents.Bad.honest_days": ([1e300, *nasty], {"agents.Bad.kind": "sleeper"}),
        "agents.Bad.unsure_fraction": ([1e-300, 1.0, 1.01, *nasty], {"agents.Bad.kind": "unsure_flipper"}),
        "agents.Pay.fee": ([1e-18, MAX_MONEY_COINS, MAX_MONEY_COINS * 1.01, *nasty],
                           {"agents.Pay.kind": "caller", "agents.Pay.mean_update_wait_s": 2 * 86_400}),
        "bad_share": ([1e-300, 1e-6, 0.99, 1.0, *nasty], {}),
        "depleted_pct": ([0.0, 100.0, 100.01, *nasty], {}),
        "train_size": ([1e-300, 1 - 1e-16, *nasty], {}),
        "test_fraction": ([1e-300, 1 - 1e-16, *nasty], {}),
        "seed": ([MAX_INT64, MAX_INT64 + 1, -1], {}),
        "max_features": ([1, 1024, 1025, 0], {}),
        "prediction_market.bounty": ([1, coins - 20_000, 0, 10**60], {**pm, "prediction_market.provider_balance": coins - 20_000}),
        "prediction_market.provider_balance": ([coins - 20_000, coins - 19_999, 10**60], pm),
        "prediction_market.min_stake": ([1, coins, coins + 1, 0], pm),
        "prediction_market.num_portions": ([2, 50, 51, 10**30, 1], pm),
        "prediction_market.min_length_s": (wait, pm),
        "prediction_market.min_num_contributions": ([1, 138, 139, 10**6, 0], pm),
    }


TINY_RUN = {"num_words": 50, "max_train": 150, "max_test": 50, "agents.Good.mean_update_wait_s": 2 * 86_400,
            "agents.Bad.mean_update_wait_s": 2 * 86_400}
"""A run of a few seconds at most on either engine, even when a key holds its contributions for 5 years."""
NUMERIC_BOUNDS = _numeric_bounds()


@st.composite
def _numeric_case(draw):
    key = draw(st.sampled_from(sorted(NUMERIC_BOUNDS)))
    values, needs = NUMERIC_BOUNDS[key]
    python_only = needs.get("model") == "logistic_regression" or needs.get("incentive") == "prediction_market"
    return key, draw(st.sampled_from(values)), needs, draw(st.sampled_from(["python"] if python_only else
                                                                           ["python", "evm"]))


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_numeric_case())
def test_every_numeric_value_is_refused_in_one_line_or_runs_to_the_end(case):
    """A value at or beyond a numeric key's bounds is refused by validation (or, for what depends on the
    data, at deployment) in one line naming the key, or the run ends normally on the engine given."""
    from sumchain import ConfigError, simulate
    from sumchain.errors import SumchainError

    key, value, needs, engine = case
    overrides = {**TINY_RUN, **needs, key: value, "engine": engine}
    try:
        config = Config.from_overrides(overrides)
    except ConfigError as refusal:
        message = str(refusal)
        assert "\n" not in message and "is not allowed" in message and key.rsplit(".", 1)[-1] in message, message
        return
    try:
        run = simulate(config)
    except SumchainError as refusal:     # refused once the data is known: also one line, exit 2
        message = str(refusal)
        assert isinstance(refusal, ConfigError) and "\n" not in message and key.rsplit(".", 1)[-1] in message, message
        return
    assert run.end_reason and run.metrics["counts"]["turns"] >= 0 and len(run.timeseries) >= 2
