"""`sumchain sweep` end to end: grid and OFAT runs, resume after Ctrl-C, one-line errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import sumchain.cli as cli
from sumchain.experiments.store import read_results

SMALL = ["--set", "num_words=100", "--set", "max_train=1500", "--set", "max_test=500"]
STANDALONE = "import sys, sumchain.cli as cli; sys.exit(cli.main(sys.argv[1:]))"


@pytest.fixture
def sumchain():
    """`sumchain ARGS` in this process."""
    return lambda *args: cli.main(list(args))


def test_grid_sweep_writes_one_row_per_run_and_resumes(sumchain, tmp_path, capsys):
    args = ["sweep", *SMALL, "--set", "cost_weight=1,2", "--set", "train_size=0.05,0.1", "--seeds", "2",
            "--workers", "1", "--quiet", "--out", str(tmp_path)]
    assert sumchain(*args) == 0
    assert "8 runs: 8 ran now (0 failed), 0 already stored" in capsys.readouterr().out
    table = read_results(tmp_path)
    assert len(table) == 8 and table["config_hash"].is_unique and set(table["status"]) == {"ok"}
    assert set(zip(table["cost_weight"], table["train_size"], table["seed"])) == {
        (c, t, s) for c in (1, 2) for t in (0.05, 0.1) for s in (0, 1)}
    assert {"wall_s", "final_accuracy", "balance_pct.Good", "agents.Good.mean_deposit"} <= set(table.columns)
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert set(series["config_hash"]) == set(table["config_hash"])
    assert len(pd.read_csv(tmp_path / "results.csv")) == 8
    assert sumchain(*args) == 0
    assert "8 runs: 0 ran now (0 failed), 8 already stored" in capsys.readouterr().out


def test_ofat_varies_each_key_alone(sumchain, tmp_path, capsys):
    assert sumchain("sweep", *SMALL, "--set", "cost_weight=1,3", "--set", "train_size=0.08,0.1", "--ofat",
                    "--workers", "1", "--quiet", "--out", str(tmp_path)) == 0
    table = read_results(tmp_path)
    # (cost 1, train 0.08) is the base and appears in both sweeps: it runs once
    assert sorted(zip(table["cost_weight"], table["train_size"])) == [(1, 0.08), (1, 0.1), (3, 0.08)]


@pytest.mark.parametrize("bad, words", [
    ("num_words=100,-5", "num_words"),
    ("nope=1,2", "unknown config key 'nope'"),
])
def test_bad_values_exit_2_with_one_line(sumchain, tmp_path, capsys, bad, words):
    assert sumchain("sweep", "--set", bad, "--out", str(tmp_path / "x")) == 2
    error = capsys.readouterr().err
    assert words in error and error.count("\n") == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_interrupted_sweep_keeps_its_rows_and_the_rerun_runs_only_the_rest(sumchain, tmp_path, capsys):
    # Enough runs that the sweep is still going when two rows are stored (the poll reads the table every
    # 20 ms, a tiny run takes a few hundred): the rerun runs the rest in this process, so the runs are tiny.
    total = 4 * 4
    args = ["sweep", "--set", "num_words=50", "--set", "max_train=100", "--set", "max_test=100",
            "--set", "cost_weight=1,2,3,4", "--seeds", "4", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    # The sweep must see Ctrl-C as a user's terminal sends it: an earlier test in this worker may have
    # left SIGINT ignored, and a child inherits that (in a clean-clone CI run the sweep then ran to the end).
    process = subprocess.Popen([sys.executable, "-c", STANDALONE, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Generous bounds: in the full suite on two busy cores (two test workers and a Hardhat node) a
    # small run can take many seconds, and one timed out at 60 s in CI.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if (tmp_path / "results.parquet").exists() and len(read_results(tmp_path)) >= 2:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert "rerun the same command to resume" in err
    before = read_results(tmp_path)           # readable after the interrupt
    done = len(before)
    assert 2 <= done < total and set(before["status"]) == {"ok"}
    assert sumchain(*args) == 0
    assert f"{total} runs: {total - done} ran now (0 failed), {done} already stored" in capsys.readouterr().out
    after = read_results(tmp_path)
    assert len(after) == total and after["config_hash"].is_unique
    kept = after.set_index("config_hash").loc[before["config_hash"], "wall_s"]
    assert list(kept) == list(before["wall_s"])   # the stored runs were not run again
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert set(series["config_hash"]) == set(after["config_hash"])


def test_missing_data_stops_the_sweep_before_any_run(sumchain, tmp_path, capsys):
    args = ["sweep", "--set", "dataset=text", "--set", f"data_path={tmp_path / 'nope.csv'}", "--set", "seed=0,1",
            "--workers", "1", "--quiet", "--out", str(tmp_path / "out")]
    assert sumchain(*args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.csv does not exist" in err[0]
    assert read_results(tmp_path / "out").empty


def test_progress_bar_only_on_a_terminal_and_no_folder_when_data_is_missing(tmp_path):
    result = subprocess.run([sys.executable, "-c", STANDALONE, "sweep", *SMALL, "--set", "max_train=300",
                             "--workers", "1", "--out", str(tmp_path / "a")], capture_output=True, text=True)
    assert result.returncode == 2 and "--set max_train is given twice" in result.stderr
    result = subprocess.run([sys.executable, "-c", STANDALONE, "sweep", "--set", "num_words=100", "--set",
                             "max_train=300", "--set", "max_test=100", "--workers", "1", "--out", str(tmp_path / "a")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr      # not a terminal: no bar
    result = subprocess.run([sys.executable, "-c", STANDALONE, "reproduce", "--dataset", "text", "--set",
                             f"data_path={tmp_path / 'nope.csv'}", "--out", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and not (tmp_path / "r").exists(), result.stderr


def test_only_empty_is_an_error(sumchain, tmp_path, capsys):
    assert sumchain("reproduce", "--only", "", "--out", str(tmp_path / "r")) == 2
    assert "--only needs at least one sweep name" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
    assert sumchain("sweep", "--set", "x=1", "--out", str(tmp_path / "f"), "--set", "x=2") == 2
    (tmp_path / "file").write_text("")
    assert sumchain("sweep", "--set", "num_words=100", "--out", str(tmp_path / "file")) == 2
    assert "is a file; give a folder" in capsys.readouterr().err


def test_a_reader_never_sees_a_half_written_table(tmp_path):
    """The flake 'results.parquet is not readable Parquet (OSError)': pyarrow reading by path took the
    size of one file and the bytes of its replacement; reading from one handle sees one file whole."""
    import threading
    from sumchain.experiments.store import RESULTS
    from sumchain.files import write_atomically
    stop = threading.Event()
    pd.DataFrame({"config_hash": ["a"]}).to_parquet(tmp_path / RESULTS)

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            frame = pd.DataFrame({"config_hash": [str(k) for k in range(i % 300 + 1)], "b": ["x" * (i % 40)] * (i % 300 + 1)})
            write_atomically(tmp_path / RESULTS, lambda temp: frame.to_parquet(temp, index=False))
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(1500):
            read_results(tmp_path)
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("args, message", [
    (["--seeds", "1000000000"], "--seeds must be from 1 to 10,000, got 1000000000"),
    (["--set", "seed=1,2", "--seeds", "2"], "--set seed=1,2 and --seeds 2 both choose the seeds; give one"),
    (["--set", "seed+num_words=1,2"], "sweeps seed with other keys"),
    (["--set", "cost_weight=1,2,3,4,5,6,7,8,9,10", "--set", "num_words=" + ",".join(map(str, range(10, 120, 10))),
      "--seeds", "1000"], "this sweep lists 110,000 runs (110 points x 1,000 seeds); at most 100,000"),
])
def test_a_sweep_too_large_or_with_two_seed_choices_is_refused_at_once(sumchain, tmp_path, capsys, args, message):
    assert sumchain("sweep", *args, "--workers", "1", "--quiet", "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "out").exists()


def test_listed_seeds_are_the_seeds_run(sumchain, tmp_path):
    out = tmp_path / "out"
    assert sumchain("sweep", *SMALL, "--set", "seed=3,7", "--workers", "1", "--quiet", "--out", str(out)) == 0
    assert sorted(read_results(out)["seed"]) == [3, 7]
    # the same seeds in the section form are the same sweep: both stored already
    assert sumchain("sweep", *SMALL, "--set", "data.seed=3,7", "--workers", "1", "--quiet", "--out", str(out)) == 0
    assert sorted(read_results(out)["seed"]) == [3, 7]


def test_a_key_and_its_section_form_are_one_key(sumchain, tmp_path, capsys):
    assert sumchain("simulate", "--set", "seed=1", "--set", "data.seed=2", "--out", str(tmp_path / "r")) == 2
    assert "--set seed is given twice; give each key once" in capsys.readouterr().err


def test_a_sweep_prints_what_ran_and_writes_rounded_csv(sumchain, tmp_path, capsys):
    assert sumchain("sweep", *SMALL, "--set", "cost_weight=1,3", "--workers", "1", "--quiet",
                    "--out", str(tmp_path)) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "2 runs: 2 ran now (0 failed), 0 already stored"
    header = printed[2].split()
    assert header[:3] == ["cost_weight", "runs", "failed"] and "acc." in header and "Good" in header
    rows = [line.split() for line in printed[3:5]]
    assert [row[:3] for row in rows] == [["1", "1", "0"], ["3", "1", "0"]]
    assert all(len(cell.partition(".")[2]) <= 2 for row in rows for cell in row)      # rounded
    assert printed[-1] == f"results in {tmp_path}/results.parquet (and .csv), time series in {tmp_path}/timeseries.parquet"
    text = (tmp_path / "results.csv").read_text()
    numbers = [cell for cell in text.replace("\n", ",").split(",") if cell.replace(".", "", 1).isdigit()]
    assert numbers and max(len(n.replace(".", "").lstrip("0")) for n in numbers) <= 12
    table = read_results(tmp_path)
    csv = pd.read_csv(tmp_path / "results.csv")
    assert csv["final_accuracy"].tolist() == pytest.approx(table["final_accuracy"].tolist(), rel=1e-11)
    assert sumchain("sweep", *SMALL, "--workers", "1", "--quiet", "--out", str(tmp_path / "one")) == 0
    assert capsys.readouterr().out.startswith("1 run: 1 ran now")
