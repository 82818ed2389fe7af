"""`sumchain study` on a tiny scale: outputs written, answers printed, reruns reuse runs, bad names exit 2."""

from __future__ import annotations

import pandas as pd
import pytest

import sumchain.cli as cli
from sumchain.experiments.store import read_results

TINY = ["--set", "num_words=100", "--set", "max_train=1200", "--set", "max_test=400", "--seeds", "2",
        "--workers", "1", "--quiet"]


@pytest.fixture
def sumchain():
    return lambda *args: cli.main(list(args))


def test_a_tiny_study_writes_its_report_and_reuses_runs(sumchain, tmp_path, capsys):
    args = ["study", "--only", "pairs", "--incentives", "stakeable,quality_priced", "--models", "perceptron",
            *TINY, "--out", str(tmp_path)]
    assert sumchain(*args) == 0
    out = capsys.readouterr().out
    assert "Does quality pricing protect better than a constant cost?" in out
    assert "quality pricing minus the constant cost changes" in out
    table = read_results(tmp_path)
    assert len(table) == 4 and set(table["incentive"]) == {"stakeable", "quality_priced"}
    for name in ("report.md", "figures/pairs.png", "stats/scenarios.csv", "stats/runs.csv", "stats/answers.csv"):
        assert (tmp_path / name).exists(), name
    scenarios = pd.read_csv(tmp_path / "stats/scenarios.csv")
    assert list(scenarios["incentive"]) == ["stakeable", "quality_priced"] and set(scenarios["runs"]) == {2}
    assert "## Every (mechanism, model) pair" in (tmp_path / "report.md").read_text()
    assert sumchain(*args) == 0
    assert "0 runs in" in capsys.readouterr().out


@pytest.mark.parametrize("option, value, named", [("--only", "pairs,colour", "section 'colour'"),
                                                  ("--models", "tree", "model 'tree'"),
                                                  ("--incentives", ",", "incentive ''")])
def test_unknown_names_exit_2_with_one_line(sumchain, tmp_path, capsys, option, value, named):
    assert sumchain("study", option, value, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sumchain: error: unknown {named}; choose from") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, named", [
    (["--incentives", "points", "--only", "bad_share"], "section 'bad_share' has nothing to run under incentive points"),
    (["--incentives", "prediction_market", "--only", "bad_share"], "section 'bad_share' has nothing to run"),
    (["--incentives", "prediction_market", "--only", "adversaries"], "section 'adversaries' has nothing to run"),
    (["--incentives", "prediction_market", "--only", "pairs,adversaries"], "section 'adversaries' has nothing"),
])
def test_a_section_left_empty_by_the_chosen_mechanisms_exits_2_with_one_line(sumchain, tmp_path, capsys, args, named):
    assert sumchain("study", *args, *TINY, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sumchain: error: {named}") and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()
