"""The design study's report.md and answers.csv say which answers the runs cannot decide, and why."""

from __future__ import annotations

import pandas as pd

from sumchain.experiments import design_space as ds
from sumchain.report.design_report import write_design_report
from tests.experiments.test_design_space import ADVERSARY, QUALITY, _adversaries, _pairs


def test_undecided_answers_are_marked_in_the_report_and_the_table(tmp_path):
    write_design_report(ds.analyse(*_pairs([30.0, 40.0], [140.0, 150.0])), tmp_path / "pairs", {"seeds": "2"})
    report = (tmp_path / "pairs" / "report.md").read_text()
    assert f"**{QUALITY}** **undecided**: only 2 seeds" in report
    assert "An answer the runs cannot decide is marked *undecided*, with the reason: fewer than 3 seeds" in report
    analysis = ds.analyse(*_adversaries({("flipper", "stakeable"): ([None] * 3, [5.0, 5.1, 5.2])}))
    write_design_report(analysis, tmp_path / "adversaries", {"seeds": "3"})
    report = (tmp_path / "adversaries" / "report.md").read_text()
    assert f"**{ADVERSARY}** **undecided** for flipper vs stakeable: no malicious balance was exhausted" in report
    answers = pd.read_csv(tmp_path / "adversaries" / "stats/answers.csv").set_index("question")
    assert answers.loc[ADVERSARY, "status"] == "undecided"
