"""The reproduction report: findings with verdicts, statistics tables, and a self-contained HTML."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sumchain.experiments.study import analyse, study_points
from sumchain.report.study_report import markdown_table, write_study_report
from tests.experiments.test_study import fake_results


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    points = study_points(seeds=range(2), only=["num_words", "cost_weight"])
    analysis = analyse(fake_results(points), points)
    return out, analysis, write_study_report(analysis, out, {"dataset": "synthetic", "seeds": "2"})


def test_markdown_lists_every_finding_with_its_verdict_and_the_figures(report):
    out, analysis, paths = report
    text = paths["report.md"].read_text()
    for finding in analysis.findings:
        assert f"### {finding.number}. {finding.claim}" in text
    assert text.count("**Verdict: ") == 8
    assert "![num_words](figures/num_words.png)" in text and (out / "figures/num_words.png").exists()
    assert "- dataset: synthetic" in text and "never exhausted" in text


def test_html_is_self_contained(report):
    out, _, paths = report
    page = paths["report.html"].read_text()
    sources = re.findall(r"src='([^']*)'", page)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<table" in page and "Verdict" in page and "http" not in page


def test_statistics_tables_are_written(report):
    out, analysis, _ = report
    summary = pd.read_csv(out / "stats/num_words_summary.csv")
    assert {"value", "metric", "n", "mean", "ci_low", "ci_high", "n_never"} <= set(summary.columns)
    assert set(pd.read_csv(out / "stats/effect_sizes.csv")["sweep"]) == {"num_words", "cost_weight"}
    assert len(pd.read_csv(out / "stats/findings.csv")) == 8
    assert "rho" in pd.read_csv(out / "stats/cost_weight_spearman.csv").columns


def test_markdown_table_escapes_cells():
    table = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [0.5]}))
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 0.5 |"]
