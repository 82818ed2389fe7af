"""The tune's report on made-up tables: files written, the plain answer names what beats Table I and by how much."""

from __future__ import annotations

import math

import pandas as pd

from sumchain.report.tune import answer, front_text_table, write_tune_report

TRIALS = pd.DataFrame([
    {"trial": 0, "state": "complete", "table_one": True, "pareto": False, "feasible": True,
     "param.incentive": "stakeable", "param.cost_weight": 1, "gap": 5.0, "honest_return": 1.0,
     "malicious_balance": 90.0, "binding": "timing"},
    {"trial": 1, "state": "complete", "table_one": False, "pareto": True, "feasible": True,
     "param.incentive": "quality_priced", "param.cost_weight": 7, "gap": 2.0, "honest_return": 3.0,
     "malicious_balance": 40.0, "binding": "model_pusher"},
])


def front_row(design, verdict, **values):
    row = {"design": design, "param.incentive": "quality_priced" if design != "Table I" else "stakeable",
           "heldout.gap": 2.5, "heldout.honest_return": 2.0, "heldout.malicious_balance": 45.0,
           "search.gap": 2.0, "search.honest_return": 3.0, "search.malicious_balance": 40.0,
           "binding": "model_pusher", "verdict": verdict}
    row.update(values)
    return row


FRONT = pd.DataFrame([
    front_row("Table I", "", **{"heldout.gap": 5.2, "search.gap": math.nan, "binding": "timing"}),
    front_row("trial 1", "beats", **{"diff.gap": -2.7, "diff.gap.low": -3.1, "diff.gap.high": -2.2,
                                     "diff.honest_return": 1.0, "diff.honest_return.low": -0.5,
                                     "diff.honest_return.high": 2.5, "diff.malicious_balance": -45.0,
                                     "diff.malicious_balance.low": -50.0, "diff.malicious_balance.high": -40.0,
                                     "moved.gap": 0.5}),
])


def test_the_answer_names_the_dominating_design_its_differences_and_binding_adversary():
    text = answer(FRONT, TRIALS, {"adversaries": "flipper, model_pusher", "dataset": "synthetic"})
    assert text.startswith("Against flipper, model_pusher on synthetic, 1 design of the front dominates Table I")
    assert "trial 1 (incentive=quality_priced)" in text
    assert "worst-case accuracy gap (points) -2.70 [-3.10, -2.20]" in text
    assert "binding adversary: model_pusher" in text
    assert "Table I on held-out seeds: gap 5.20 points" in text and "binding adversary: timing" in text


def test_no_design_beating_table_one_is_said_plainly():
    front = FRONT.assign(verdict=["", "trades"])
    text = answer(front, TRIALS, {"adversaries": "flipper", "dataset": "synthetic"})
    assert "no design of the front beats Table I" in text and "trial 1 (incentive=quality_priced) trades" in text


def test_the_report_writes_figures_tables_and_both_pages(tmp_path):
    importance = pd.DataFrame([{"objective": "gap", "parameter": "cost_weight", "importance": 0.7},
                               {"objective": "gap", "parameter": "refund_wait_s", "importance": 0.3}])
    text = write_tune_report(tmp_path, TRIALS, FRONT, importance, {"dataset": "synthetic"})
    for name in ("figures/pareto.png", "figures/importance.png", "stats/trials.csv", "stats/front.csv",
                 "stats/importance.csv", "report.md", "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    report = (tmp_path / "report.md").read_text()
    assert text in report and "![importance](figures/importance.png)" in report
    assert "data:image/png;base64," in (tmp_path / "report.html").read_text()
    table = front_text_table(FRONT)
    assert table.loc[1, "gap vs Table I"] == "-2.70 [-3.10, -2.20]" and table.loc[0, "gap vs Table I"] == ""
    assert table.loc[1, "gap moved"] == "+0.50"
