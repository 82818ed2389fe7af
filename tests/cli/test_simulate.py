"""`sumchain simulate` and `sumchain verify` end to end, in a real subprocess, on a small corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sumchain import Config
from sumchain.cli import main

SMALL = ["--set", "num_words=100", "--set", "max_train=1500", "--set", "max_test=500"]


def sumchain(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sumchain", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    result = sumchain("simulate", *SMALL, "--seed", "2", "--out", str(out / "run"), "--ledger",
                      str(out / "run.sqlite"))
    assert result.returncode == 0, result.stderr
    return out, result


def test_run_folder_has_everything(run_folder):
    out, result = run_folder
    folder = out / "run"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "config.toml", "metrics.json", "plot.png", "timeseries.parquet"]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["counts"]["adds"] > 0
    config = Config.from_toml(folder / "config.toml")
    assert (config.seed, config.num_words, config.max_train) == (2, 100, 1500)
    series = pd.read_parquet(folder / "timeseries.parquet")
    assert {"time_s", "day", "accuracy", "balance.Good", "balance_pct.Bad"} <= set(series.columns)
    assert (folder / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "accuracy: initial" in result.stdout and "sumchain verify" in result.stdout


def test_json_output_matches_the_api(run_folder, tmp_path):
    result = sumchain("simulate", *SMALL, "--seed", "2", "--json", "--quiet", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    stored = json.loads((run_folder[0] / "run" / "metrics.json").read_text())
    assert metrics == stored      # same seed and config: identical metrics


def test_verify_intact_then_tampered(run_folder):
    import sqlite3
    out, _ = run_folder
    ledger = out / "run.sqlite"
    ok = sumchain("verify", str(ledger))
    assert ok.returncode == 0 and ok.stdout.startswith("chain intact:"), ok.stdout + ok.stderr
    forged = out / "forged.sqlite"
    forged.write_bytes(ledger.read_bytes())
    with sqlite3.connect(forged) as db:
        (value,) = db.execute("SELECT value FROM transactions WHERE block = 10 AND position = 0").fetchone()
        db.execute("UPDATE transactions SET value = ? WHERE block = 10 AND position = 0", (str(int(value) + 1),))
    db.close()
    bad = sumchain("verify", str(forged))
    assert bad.returncode == 1 and bad.stdout.startswith("block 10 differs:"), bad.stdout + bad.stderr


@pytest.mark.parametrize("args, message", [
    (["--set", "nmu_words=5"], "unknown config key 'nmu_words'"),
    (["--set", "train_size=1.5"], "'train_size' = 1.5 is not allowed; must be strictly between 0 and 1"),
    (["--set", "agents.Good.start_balance=-3"], "agents.Good.start_balance"),
    (["--set", "num_words"], "--set expects key=value"),
    (["--set", "model.smoothing=2"], "unknown config key 'model.smoothing'; allowed with model.name = perceptron: "
                                     "name, learning_rate"),
    (["--set", "model.name=naive_bayes", "--set", "model.smoothing=0"], "'naive_bayes.smoothing' = 0.0 is not allowed"),
    (["--config", "/nonexistent/x.toml"], "config file '/nonexistent/x.toml' does not exist"),
])
def test_bad_input_exits_2_with_one_line(args, message, capsys, tmp_path):
    code = main(["simulate", *args, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("sumchain: error: ") and message in err
    assert not (tmp_path / "r").exists()


def _strict(text: str):
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is not strict JSON"))


@pytest.mark.parametrize("make_args, message", [
    (lambda t: ["--config", str(t)], "is a folder; give a TOML file"),
    (lambda t: ["--config", str(_binary(t))], "is not text"),
    (lambda t: ["--out", str(_file(t))], "is a file; give a folder"),
    (lambda t: ["--out", str(_file(t) / "sub")], "cannot be created"),
    (lambda t: ["--ledger", str(t)], "is a folder; give a file name"),
    (lambda t: ["--ledger", str(_file(t) / "x.sqlite")], "cannot be created"),
    (lambda t: ["--set", "num_words=1000000000"], "must be a whole number from 1 to 10,000,000"),
    (lambda t: ["--set", "num_words=5", "--set", "num_words=6"], "--set num_words is given twice"),
    (lambda t: ["--set", "seed=1", "--seed", "2"], "--set seed is given twice"),
])
def test_bad_paths_and_values_exit_2_before_any_work(make_args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sumchain.sim.simulate", lambda *a, **k: pytest.fail("simulated before checking"))
    args = make_args(tmp_path)
    if "--out" not in args:
        args += ["--out", str(tmp_path / "r")]
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def _file(t):
    (t / "a_file").write_text("x")
    return t / "a_file"


def _binary(t):
    (t / "b.toml").write_bytes(b"\x00\xff\xfe\x00binary")
    return t / "b.toml"


def test_version_and_verify_of_a_folder(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("sumchain ")
    assert main(["verify", str(tmp_path)]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_json_is_strict_and_rounded(run_folder):
    text = (run_folder[0] / "run" / "metrics.json").read_text()
    metrics = _strict(text)
    floats = [v for v in metrics.values() if isinstance(v, float)]
    assert floats and all(len(repr(v)) <= 16 for v in floats)


def test_a_text_dataset_ledger_verifies_from_elsewhere_and_data_changes_are_named(tmp_path, monkeypatch):
    from tests.data.test_text import reviews_frame
    home = tmp_path / "home"
    home.mkdir()
    reviews_frame(200).to_csv(home / "reviews.csv", index=False)
    monkeypatch.chdir(home)
    assert main(["simulate", "--set", "dataset=text", "--set", "data_path=reviews.csv", "--set", "num_words=50",
                 "--quiet", "--out", "run", "--ledger", "run.sqlite"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["verify", str(home / "run.sqlite")]) == 0
    moved = tmp_path / "moved"            # ledger and data moved together: found beside the ledger
    (home).rename(moved)
    assert main(["verify", str(moved / "run.sqlite")]) == 0
    with open(moved / "reviews.csv", "a") as handle:
        handle.write("an extra review,positive\n")
    result = sumchain("verify", str(moved / "run.sqlite"), cwd=elsewhere)
    assert result.returncode == 2 and "data differs" in result.stderr and "block" not in result.stderr
    (moved / "reviews.csv").unlink()
    result = sumchain("verify", str(moved / "run.sqlite"), cwd=elsewhere)
    assert result.returncode == 2 and "data missing" in result.stderr


def test_a_run_cut_by_the_simulated_time_limit_says_so(tmp_path, monkeypatch, capsys):
    import sumchain.sim.loop as loop

    monkeypatch.setattr(loop, "MAX_SIMULATED_S", 2 * 86_400)      # the 20-year limit, shortened
    assert main(["simulate", "--set", "num_words=50", "--set", "max_train=300", "--set", "max_test=50",
                 "--quiet", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["sumchain: the run ended early: reached the simulated-time limit of 20 years; shorten the "
                   "agents' waits or give fewer samples (max_train)"]
    assert (tmp_path / "run" / "metrics.json").exists()


# -- nothing stored is destroyed -------------------------------------------------------------------

TINY = ["--set", "num_words=100", "--set", "max_train=400", "--set", "max_test=100", "--quiet"]


def _sweep_folder(t):
    """A folder a sweep claimed, with a results table in it."""
    from sumchain.files import claim_folder
    folder = t / "sweep"
    claim_folder(folder, "sweep").release()
    pd.DataFrame({"config_hash": ["abc"], "status": ["ok"]}).to_parquet(folder / "results.parquet")
    pd.DataFrame({"config_hash": ["abc"], "day": [0.0]}).to_parquet(folder / "timeseries.parquet")
    return folder


def _ledger(t):
    from sumchain.ledger.store import SCHEMA
    import sqlite3
    path = t / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
    db.close()
    return path


def _notes(t):
    (t / "mine").mkdir()
    (t / "mine" / "notes.txt").write_text("mine")
    return t / "mine"


@pytest.mark.parametrize("make_args, message", [
    (lambda t: ["--out", ""], "--out is empty; give a folder"),
    (lambda t: ["--ledger", ""], "--ledger is empty; give a file name"),
    (lambda t: ["--out", str(_sweep_folder(t))], "holds a sweep's results (written by sumchain sweep), not a simulate"),
    (lambda t: ["--out", str(_notes(t))], "already holds files sumchain did not write there (notes.txt)"),
    (lambda t: ["--ledger", str(_file(t))], "exists and is not a sumchain ledger"),
    (lambda t: ["--ledger", str(_sweep_folder(t) / "results.parquet")], "is not a sumchain ledger"),
    (lambda t: ["--ledger", str(t / "r" / "metrics.json")], "is one of --out's own files"),
    (lambda t: ["--ledger", str(t / "r")], "is one of --out's own files"),
    (lambda t: ["--ledger", str(_ledger(t))], "already holds a ledger; add --force to replace it"),
])
def test_outputs_that_would_destroy_results_are_refused_before_any_work(make_args, message, capsys, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr("sumchain.sim.simulate", lambda *a, **k: pytest.fail("simulated before checking"))
    args = make_args(tmp_path)
    if "--out" not in args:
        args += ["--out", str(tmp_path / "r")]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["simulate", *TINY, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "r").exists() and not (Path.cwd() / ".sumchain-output").exists()


def test_a_run_replaces_the_files_of_the_run_before_and_an_old_ledger_only_with_force(tmp_path, capsys):
    out, ledger = tmp_path / "run", tmp_path / "run.sqlite"
    assert main(["simulate", *TINY, "--set", "engine=evm", "--out", str(out)]) == 0
    assert "(config.toml, metrics.json, timeseries.parquet, plot.png, gas.csv)" in capsys.readouterr().out
    assert (out / "gas.csv").exists()
    assert main(["simulate", *TINY, "--out", str(out), "--ledger", str(ledger)]) == 0
    assert "(config.toml, metrics.json, timeseries.parquet, plot.png) in" in capsys.readouterr().out
    assert not (out / "gas.csv").exists(), "an evm run's gas.csv stayed beside a python run"
    assert Config.from_toml(out / "config.toml").engine == "python"
    assert main(["simulate", *TINY, "--seed", "3", "--out", str(out), "--ledger", str(ledger)]) == 2
    assert "add --force" in capsys.readouterr().err
    assert main(["simulate", *TINY, "--seed", "3", "--out", str(out), "--ledger", str(ledger), "--force"]) == 0
    assert sumchain("verify", str(ledger)).returncode == 0


def test_a_second_simulate_into_a_folder_in_use_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from sumchain.files import claim_folder; "
                               f"lock = claim_folder({str(out)!r}, 'run'); print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["simulate", *TINY, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "is in use by another sumchain command" in err and err.count("\n") == 1
        assert not (out / "metrics.json").exists()
    finally:
        holder.communicate("", timeout=60)
    assert main(["simulate", *TINY, "--out", str(out)]) == 0       # free again once the holder is gone
