"""`sumchain study` on a tiny scale: outputs written, answers printed, reruns reuse runs, bad names exit 2."""

from __future__ import annotations

import numpy as np
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
    assert "\n  undecided: only 2 seeds pair the runs, and an answer needs at least 3; measured: " in out
    table = read_results(tmp_path)
    assert len(table) == 4 and set(table["incentive"]) == {"stakeable", "quality_priced"}
    for name in ("report.md", "figures/pairs.png", "stats/scenarios.csv", "stats/runs.csv", "stats/answers.csv"):
        assert (tmp_path / name).exists(), name
    scenarios = pd.read_csv(tmp_path / "stats/scenarios.csv")
    assert list(scenarios["incentive"]) == ["stakeable", "quality_priced"] and set(scenarios["runs"]) == {2}
    report = (tmp_path / "report.md").read_text()
    assert "## Every (mechanism, model) pair" in report
    assert "**Does quality pricing protect better than a constant cost?** **undecided**: only 2 seeds" in report
    assert set(pd.read_csv(tmp_path / "stats/answers.csv")["status"]) == {"undecided"}
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


def test_runs_too_short_to_exhaust_any_balance_do_not_say_the_flipper_beats_anything(sumchain, tmp_path, capsys):
    small = [a.replace("max_train=1200", "max_train=600") for a in TINY]
    assert sumchain("study", "--only", "adversaries", "--incentives", "stakeable", *small, "--out", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "beats stakeable" not in out
    assert "\n  undecided for flipper vs stakeable, unsure_flipper vs stakeable" in out
    assert "no malicious balance was exhausted in any run of the section" in out
    report = (tmp_path / "report.md").read_text()
    assert "**Which adversary beats which mechanism?** **undecided** for flipper vs stakeable" in report
    matrix = pd.read_csv(tmp_path / "stats/adversary_matrix.csv")
    assert matrix["stakeable"].str.startswith("undecided: ").all()


def test_the_dense_twins_are_reached_as_documented(sumchain, tmp_path):
    """`--models` may name a dense twin, and `--set csv_encoding=standardised` runs the pairs on a table
    (dense families on values, sparse ones thermometer-binarised) with the dense perceptron as base."""
    small = ["--set", "num_words=100", "--set", "max_train=300", "--set", "max_test=100", "--seeds", "1",
             "--workers", "1", "--quiet"]
    assert sumchain("study", "--only", "pairs", "--incentives", "points", "--models", "dense_perceptron", *small,
                    "--out", str(tmp_path / "named")) == 0
    assert set(read_results(tmp_path / "named")["model"]) == {"dense_perceptron"}
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400) * 100})
    table["label"] = np.where(table["a"] + table["b"] / 100 > 0, "yes", "no")
    path = tmp_path / "table.csv"
    table.to_csv(path, index=False)
    csv = ["--set", "dataset=csv", "--set", f"data_path={path}", "--set", "label_column=label",
           "--set", "csv_encoding=standardised"]
    assert sumchain("study", "--only", "pairs", "--incentives", "points",
                    "--models", "perceptron,dense_perceptron", *csv, *small, "--out", str(tmp_path / "csv")) == 0
    runs = read_results(tmp_path / "csv")
    encodings = dict(zip(runs["model"], runs["csv_encoding"]))
    assert encodings == {"perceptron": "thermometer", "dense_perceptron": "standardised"}
    assert set(runs["status"]) == {"ok"}


@pytest.mark.parametrize("command", ["study", "reproduce"])
def test_a_seed_that_every_scenario_would_override_is_refused(sumchain, tmp_path, capsys, command):
    assert sumchain(command, "--set", "seed=3", "--seeds", "2", "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sumchain: error: --set seed=3 is not used by {command}: every scenario runs seeds 0..N-1; "
                   f"give --seeds N"]


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
