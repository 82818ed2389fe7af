"""`sumchain reproduce` on a tiny scale: every output written, verdicts printed, reruns reuse runs."""

from __future__ import annotations

import pandas as pd
import pytest

import sumchain.cli as cli
from sumchain.experiments.store import read_results

TINY = ["--set", "num_words=100", "--set", "max_train=300", "--set", "max_test=200", "--seeds", "2",
        "--workers", "1", "--quiet"]


@pytest.fixture
def sumchain():
    return lambda *args: cli.main(list(args))


@pytest.mark.slow
def test_tiny_reproduction_writes_the_report_and_reuses_runs(sumchain, tmp_path, capsys):
    args = ["reproduce", "--only", "cost_weight,stdev_deposit", *TINY, "--out", str(tmp_path)]
    assert sumchain(*args) == 0
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("finding")] == \
        [f"{n}:" for n in range(1, 9)]
    table = read_results(tmp_path)
    # 9 cost values + 5 stdev values, sharing the default point, times 2 seeds
    assert len(table) == 2 * 13 and set(table["num_words"]) == {100} and set(table["max_train"]) == {300}
    for name in ("report.md", "report.html", "figures/cost_weight.png", "figures/stdev_deposit.png",
                 "stats/cost_weight_summary.csv", "stats/effect_sizes.csv", "timeseries.parquet"):
        assert (tmp_path / name).exists(), name
    assert "### 6. stdev_deposit and prob_mistake" in (tmp_path / "report.md").read_text()
    summary = pd.read_csv(tmp_path / "stats/cost_weight_summary.csv")
    assert sorted(summary["value"].unique()) == [1, 2, 3, 4, 5, 10, 15, 20, 25]
    assert sumchain(*args) == 0
    assert "0 runs in" in capsys.readouterr().out and "26 reused" in (tmp_path / "report.md").read_text()


def test_unknown_sweep_exits_2(sumchain, tmp_path, capsys):
    assert sumchain("reproduce", "--only", "num_words,colour", "--out", str(tmp_path)) == 2
    assert "unknown sweep 'colour'" in capsys.readouterr().err


@pytest.mark.parametrize("how", ["--dataset", "--set", "--config", "none"])
def test_each_way_of_choosing_the_dataset_is_honoured(tmp_path, how):
    from sumchain.cli import build_parser
    from sumchain.cli.reproduce import base_from

    config = tmp_path / "base.toml"
    config.write_text('dataset = "text"\nnum_words = 50\n')
    extra = {"--dataset": ["--dataset", "text"], "--set": ["--set", "dataset=text"],
             "--config": ["--config", str(config)], "none": []}[how]
    args = build_parser().parse_args(["reproduce", *extra])
    base = base_from(args)
    assert base.dataset == ("synthetic" if how == "none" else "text")
    assert base.num_words == (50 if how == "--config" else 1000)


def test_a_dataset_chosen_twice_differently_exits_2(sumchain, tmp_path, capsys):
    assert sumchain("reproduce", "--dataset", "imdb", "--set", "dataset=text", "--out", str(tmp_path)) == 2
    assert "choose the dataset once" in capsys.readouterr().err


@pytest.mark.slow
def test_the_phase_section_runs_both_roundings_and_reports_finding_8(sumchain, tmp_path, capsys):
    assert sumchain("reproduce", "--only", "phase", *TINY, "--out", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "finding 8:" in out
    table = read_results(tmp_path)
    assert set(table["wait_rounding"]) == {"round", "truncate"}
    assert not [c for c in table.columns if c.startswith("counts.rejections")]     # nothing sent was refused
    report = (tmp_path / "report.md").read_text()
    assert "## The malicious agent's phase (ours)" in report and "For a contract designer" in report
    assert (tmp_path / "figures/phase.png").exists() and (tmp_path / "stats/phase_summary.csv").exists()
    summary = pd.read_csv(tmp_path / "stats/phase_summary.csv")
    assert sorted(summary["phase_s"].unique()) == [30, 150, 300, 450, 570]
