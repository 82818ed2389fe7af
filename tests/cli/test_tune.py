"""`sumchain tune` on a tiny scale: report written, a rerun continues to the new trial count reusing every
run; on a Dask cluster it finds and runs what the local executor does; interrupted by Ctrl-C or SIGTERM,
the rerun keeps every finished trial and run; bad options are one line, exit 2, and create nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import sumchain.cli as cli
from sumchain.experiments.store import read_results

TINY = ["--set", "num_words=60", "--set", "max_train=200", "--set", "max_test=150", "--seeds", "1",
        "--heldout", "2", "--adversaries", "flipper,model_pusher", "--workers", "1", "--quiet"]
STANDALONE = "import sys, sumchain.cli as cli; sys.exit(cli.main(sys.argv[1:]))"


@pytest.fixture
def sumchain():
    return lambda *args: cli.main(list(args))


def test_a_tiny_tune_reports_and_resumes_to_more_trials(sumchain, tmp_path, capsys):
    out = tmp_path / "tune"
    assert sumchain("tune", "--trials", "2", *TINY, "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "on synthetic" in printed and "Table I on held-out seeds: gap" in printed
    for name in ("report.md", "report.html", "figures/pareto.png", "stats/trials.csv", "stats/front.csv",
                 "tune.journal"):
        assert (out / name).exists(), name
    trials = pd.read_csv(out / "stats/trials.csv")
    assert list(trials["trial"]) == [0, 1] and trials["table_one"].tolist() == [True, False]
    front = pd.read_csv(out / "stats/front.csv")
    assert front["design"].iloc[0] == "Table I"
    runs = len(read_results(out))
    held = set(read_results(out)["seed"]) - {0}
    assert held and min(held) >= 1_000_000                    # held-out seeds: never a search seed

    assert sumchain("tune", "--trials", "3", *TINY, "--out", str(out)) == 0
    assert "3 trials, " in capsys.readouterr().out
    assert len(pd.read_csv(out / "stats/trials.csv")) == 3
    assert len(read_results(out)) <= runs + 2 + 2 * 2          # one new design, perhaps on the front too
    report = (out / "report.md").read_text()
    assert "## Answer" in report and "![pareto](figures/pareto.png)" in report


@pytest.mark.parametrize("options, message", [
    (["--param", "colour=1:2"], "unknown tune parameter 'colour'; choose from: incentive, cost_weight"),
    (["--param", "cost_weight=5:1"], "--param cost_weight=5:1 is an empty range"),
    (["--param", "incentive=points"], "--param incentive=points: choose one or more of stakeable, quality_priced"),
    (["--max-honest-cost", "-1"], "--max-honest-cost -1 cannot be met"),
    (["--min-accuracy", "1.5"], "--min-accuracy 1.5 cannot be met"),
    (["--param", "refund_wait_s=3600:900000"], "makes invalid contracts"),
    (["--adversaries", "dragon"], "unknown adversary 'dragon'; choose from: flipper"),
    (["--trials", "0"], "--trials must be from 1"),
    (["--set", "seed=3"], "--set seed=3 is not used by tune"),
    (["--set", "cost_weight=2", "--param", "cost_weight=1:4"], "--set cost_weight fixes a parameter"),
])
def test_bad_options_exit_2_with_one_line_and_create_nothing(sumchain, tmp_path, capsys, options, message):
    assert sumchain("tune", *options, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("sumchain: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_command_is_refused(sumchain, tmp_path, capsys):
    assert sumchain("sweep", "--set", "max_train=200", "--set", "num_words=60", "--workers", "1", "--quiet",
                    "--out", str(tmp_path)) == 0
    capsys.readouterr()
    assert sumchain("tune", *TINY, "--out", str(tmp_path)) == 2
    assert "holds a sweep's results" in capsys.readouterr().err


def comparable(out) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What a tune found and ran, without what depends on the machine (wall time, the order runs finished
    in, which also orders the columns a kind of run adds)."""
    runs = read_results(out).drop(columns="wall_s").sort_values("config_hash").sort_index(axis=1).reset_index(drop=True)
    return pd.read_csv(out / "stats/trials.csv"), pd.read_csv(out / "stats/front.csv"), runs


@pytest.mark.slow
def test_a_tune_on_dask_finds_and_runs_what_the_local_executor_does(sumchain, tmp_path, capsys):
    import logging

    import distributed

    options = TINY[:TINY.index("--workers")]
    assert sumchain("tune", "--trials", "3", *options, "--workers", "2", "--out", str(tmp_path / "local")) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        assert sumchain("tune", "--trials", "3", *options, "--workers", "2", "--executor", "dask",
                        "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "dask")) == 0
        ran_on_dask = cluster.scheduler.task_prefixes["run_one"].state_counts["memory"]
    printed = capsys.readouterr().out
    assert printed.count("3 trials, ") == 2
    local, dask = comparable(tmp_path / "local"), comparable(tmp_path / "dask")
    assert len(local[0]) == 3 and local[2]["status"].eq("ok").all()
    assert ran_on_dask >= len(dask[2])          # every run of the Dask tune ran on the cluster
    for ours, theirs in zip(local, dask):
        pd.testing.assert_frame_equal(ours, theirs)


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_tune_command_resumes_without_losing_a_finished_trial(tmp_path, sig, code):
    out = tmp_path / "tune"
    held = TINY.index("--heldout") + 1
    options = [*TINY[:held], "1", *TINY[held + 1:]]         # one held-out seed: the resume's report is quick
    command = [sys.executable, "-c", STANDALONE, "tune", *options, "--out", str(out)]
    # Far more trials than can finish before the signal, however fast the runs are. SIGINT as a
    # terminal sends it: a test before this one may have left it ignored, and a child inherits that.
    process = subprocess.Popen([*command, "--trials", "1000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300       # generous: on two busy cores a tiny run can take seconds
    while time.monotonic() < deadline and process.poll() is None:
        if (out / "results.parquet").exists() and len(read_results(out)) >= 5:     # two trials and a run
            break
        time.sleep(0.02)
    process.send_signal(sig)
    _, err = process.communicate(timeout=300)
    assert process.returncode == code, err
    assert "rerun the same command to resume" in err

    before = finished(out)
    runs = read_results(out)
    assert len(before) >= 2 and set(runs["status"]) == {"ok"}
    total = max(before) + 2         # the trial cut short (if one was) and one new trial
    result = subprocess.run([*command, "--trials", str(total)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"{total} trials, " in result.stdout
    after = finished(out)
    assert sorted(after) == list(range(total))
    assert {number: after[number] for number in before} == before          # no finished trial lost or redone
    rerun = read_results(out).set_index("config_hash").loc[runs["config_hash"], "wall_s"]
    assert list(rerun) == list(runs["wall_s"])                              # no stored run ran again
    assert len(pd.read_csv(out / "stats/trials.csv")) == total


def finished(out) -> dict[int, tuple]:
    """The finished trials in a tune folder's journal: number -> (design, objectives)."""
    from sumchain.experiments import tune

    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=tune.STUDY_NAME,
                              storage=JournalStorage(JournalFileBackend(str(out / tune.JOURNAL))))
    return {t.number: (tuple(sorted(t.params.items())), tuple(t.values or ())) for t in tune.finished_trials(study)}
