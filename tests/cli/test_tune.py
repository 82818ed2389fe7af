"""`sumchain tune` on a tiny scale: report written, a rerun continues to the new trial count reusing every
run; bad options are one line, exit 2, and create nothing."""

from __future__ import annotations

import pandas as pd
import pytest

import sumchain.cli as cli
from sumchain.experiments.store import read_results

TINY = ["--set", "num_words=60", "--set", "max_train=200", "--set", "max_test=150", "--seeds", "1",
        "--heldout", "2", "--adversaries", "flipper,model_pusher", "--workers", "1", "--quiet"]


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
