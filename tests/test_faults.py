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

import sumchain.cli as cli
from sumchain.experiments.store import PARTS, RESULTS, RESULTS_CSV, TIMESERIES, read_results

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
