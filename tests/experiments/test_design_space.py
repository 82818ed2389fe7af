"""The design-space study: its scenarios as data, paired comparisons, and answers from known results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sumchain.config import INCENTIVES, MODELS, Config
from sumchain.errors import ConfigError
from sumchain.experiments import design_space as ds


def test_the_sections_cover_every_pair_adversary_and_share():
    assert len(ds.scenarios(["pairs"])) == len(INCENTIVES) * (len(MODELS) - 2)
    assert len(ds.scenarios(["pairs"], dense_values=True)) == len(INCENTIVES) * len(MODELS)
    assert {s.overrides["model"] for s in ds.scenarios(["pairs"])} == set(MODELS) - {"dense_perceptron",
                                                                                      "dense_nearest_centroid"}
    assert len(ds.scenarios(["adversaries"])) == len(ds.ADVERSARY_KINDS) * len(ds.LOOP_MECHANISMS)
    assert len(ds.scenarios(["bad_share"])) == 5 * len(ds.BAD_SHARE_MECHANISMS)
    assert ds.BAD_SHARES == (0.1, 0.3, 0.5, 0.7, 0.9)


def test_narrowing_by_model_and_mechanism():
    chosen = ds.scenarios(["pairs", "bad_share"], models=["naive_bayes"], mechanisms=["quality_priced"])
    assert [s.label for s in chosen][:1] == ["quality_priced / naive_bayes"]
    assert {s.section for s in chosen} == {"pairs", "bad_share"} and len(chosen) == 1 + 5


@pytest.mark.parametrize("kwargs, named", [({"only": ["pairs", "colour"]}, "section 'colour'"),
                                           ({"models": ["tree"]}, "model 'tree'"),
                                           ({"mechanisms": []}, "incentive ''")])
def test_unknown_names_are_refused_with_the_allowed_ones(kwargs, named):
    with pytest.raises(ConfigError, match=f"unknown {named}; choose from"):
        ds.scenarios(**kwargs)


def test_points_put_each_scenario_on_the_base_with_every_seed():
    base = Config.from_overrides({"max_train": 500})
    points = ds.study_points(base, range(3), ds.scenarios(["pairs"], models=["perceptron"]))
    assert len(points) == 3 * len(INCENTIVES)
    assert {p.config.max_train for p in points} == {500}
    assert len({p.config.digest() for p in points}) == len(points)
    assert points[0].values == (("incentive", "stakeable"), ("model", "perceptron"))


def _runs(section: str, cells: dict[tuple, list[dict]]) -> tuple[pd.DataFrame, list]:
    """A results table and its points for made-up runs: cells map factor values to one row per seed."""
    from sumchain.experiments.grid import Point

    rows, points = [], []
    for factors, per_seed in cells.items():
        for seed, metrics in enumerate(per_seed):
            config = Config(seed=seed, cost_weight=len(points) + 1)      # distinct digests
            points.append(Point(section, factors, config))
            rows.append({"config_hash": config.digest(), "status": "ok", "seed": seed, "days": 150.0,
                         "bad_min_pct": 0.5, **metrics})
    return pd.DataFrame(rows), points


def test_a_paired_difference_uses_the_same_seeds_and_counts_never_as_the_run_length():
    quality = [{"bad_depleted_day": d, "final_accuracy": a} for d, a in ((30.0, 0.75), (40.0, 0.76), (None, 0.74))]
    constant = [{"bad_depleted_day": d, "final_accuracy": a} for d, a in ((140.0, 0.73), (150.0, 0.73), (145.0, 0.72))]
    results, points = _runs("pairs", {(("incentive", "quality_priced"), ("model", "perceptron")): quality,
                                      (("incentive", "stakeable"), ("model", "perceptron")): constant})
    runs = ds.scenario_runs(results, points)
    d = ds.paired(runs, "bad_depleted_day", {"incentive": "quality_priced"}, {"incentive": "stakeable"}, "pairs",
                  never=ds.RUN_LENGTH)
    assert d.n == 3 and d.mean == pytest.approx(np.mean([30 - 140, 40 - 150, 150 - 145]))
    accuracy = ds.paired(runs, "final_accuracy", {"incentive": "quality_priced"}, {"incentive": "stakeable"},
                         "pairs", scale=100)
    assert accuracy.mean == pytest.approx(100 * np.mean([0.02, 0.03, 0.02]))
    assert accuracy.significant and accuracy.low > 0
    answer = ds.analyse(results, points).answers["Does quality pricing protect better than a constant cost?"]
    assert "-71.7 days" in answer and "+2.33 points" in answer


def test_the_most_robust_model_is_the_smallest_gap_and_says_whether_it_is_clear():
    cells = {(("incentive", "stakeable"), ("model", "naive_bayes")): [{"gap": g} for g in (0.2, 0.3, 0.25, 0.3)],
             (("incentive", "stakeable"), ("model", "perceptron")): [{"gap": g} for g in (5.5, 5.9, 5.6, 5.8)],
             (("incentive", "stakeable"), ("model", "nearest_centroid")): [{"gap": g} for g in (1.0, 0.1, 2.0, 0.0)]}
    results, points = _runs("pairs", cells)
    answer = ds.analyse(results, points).answers["Which model is most robust?"]
    assert answer.startswith("under stakeable, naive_bayes has the smallest gap, 0.26")
    assert "not clearly" in answer and "ahead of nearest_centroid" in answer and "largest: perceptron (5.70)" in answer


def test_the_gap_against_the_bad_share_is_a_slope_and_a_rank_correlation():
    rng = np.random.default_rng(0)
    cells = {(("bad_share", s), ("incentive", "stakeable")):
             [{"gap": 10 * s + rng.normal(0, 0.01), "bad_share_submitted": s + 0.02} for _ in range(3)]
             for s in ds.BAD_SHARES}
    results, points = _runs("bad_share", cells)
    answer = ds.analyse(results, points).answers["How does the gap grow with the bad share?"]
    assert "grows by +1.00 points per 0.1" in answer and "rho +0.9" in answer
    assert "within 0.02 of the set share" in answer


def test_an_adversary_beats_a_mechanism_when_it_survives_or_hurts_more_than_the_flipper():
    def runs(days, gaps):
        return [{"bad_depleted_day": d, "gap": g, "malicious_balance_pct": 1.0 if d else 80.0} for d, g in zip(days, gaps)]
    cells = {(("adversary", "flipper"), ("incentive", "stakeable")): runs([140, 141, 142], [5.0, 5.1, 5.2]),
             (("adversary", "sleeper"), ("incentive", "stakeable")): runs([None, None, 150], [5.0, 5.2, 5.1]),
             (("adversary", "timing"), ("incentive", "stakeable")): runs([100, 101, 102], [6.0, 6.2, 6.1]),
             (("adversary", "unsure_flipper"), ("incentive", "stakeable")): runs([90, 91, 92], [5.1, 5.0, 5.2]),
             (("adversary", "flipper"), ("incentive", "points")): runs([None] * 3, [5.0, 5.1, 5.2]),
             (("adversary", "sleeper"), ("incentive", "points")): runs([None] * 3, [5.1, 5.0, 5.2])}
    results, points = _runs("adversaries", cells)
    analysis = ds.analyse(results, points)
    answer = analysis.answers["Which adversary beats which mechanism?"]
    assert answer.startswith("sleeper beats stakeable; timing beats stakeable. Beats:")
    matrix = ds.adversary_matrix(analysis.runs, analysis.table).set_index("adversary")
    assert matrix.loc["unsure_flipper", "stakeable"].startswith("contained")
    assert "not exhausted in 2/3" in matrix.loc["sleeper", "stakeable"]
    assert matrix.loc["sleeper", "points"].startswith("contained") and "gap only" in matrix.loc["sleeper", "points"]
    sleeper = analysis.table.set_index(["adversary", "incentive"]).loc[("sleeper", "stakeable")]
    assert math.isclose(sleeper["malicious_balance_pct"], (80 + 80 + 1) / 3)


# -- answers the runs cannot decide are marked undecided, with the reason -----------------------------

QUALITY = "Does quality pricing protect better than a constant cost?"
ROBUST = "Which model is most robust?"
SHARE = "How does the gap grow with the bad share?"
ADVERSARY = "Which adversary beats which mechanism?"


def _pairs(days_quality, days_constant, accuracy_quality=0.75, accuracy_constant=0.73):
    def cell(days, accuracy):
        return [{"bad_depleted_day": d, "final_accuracy": accuracy + 0.001 * i, "bad_min_pct": 0.5 if d else 60.0}
                for i, d in enumerate(days)]
    return _runs("pairs", {(("incentive", "quality_priced"), ("model", "perceptron")): cell(days_quality, accuracy_quality),
                           (("incentive", "stakeable"), ("model", "perceptron")): cell(days_constant, accuracy_constant)})


def test_two_seeds_leave_every_answer_undecided_and_say_why():
    analysis = ds.analyse(*_pairs([30.0, 40.0], [140.0, 150.0]))
    answer = analysis.answers[QUALITY]
    assert answer.startswith("undecided: only 2 seeds pair the runs, and an answer needs at least 3; measured: "
                             "against the flipper (perceptron), quality pricing minus the constant cost changes")
    assert "-110.0 days" in answer and analysis.status(QUALITY) == "undecided"
    cells = {(("incentive", "stakeable"), ("model", m)): [{"gap": g} for g in gaps]
             for m, gaps in (("naive_bayes", (0.2, 0.3)), ("perceptron", (5.5, 5.9)))}
    robust = ds.analyse(*_runs("pairs", cells)).answers[ROBUST]
    assert robust.startswith("undecided: only 2 seeds") and "clearly" not in robust
    assert "naive_bayes has the smallest gap" in robust
    shares = {(("bad_share", s), ("incentive", "stakeable")): [{"gap": 10 * s + 0.01 * k} for k in range(2)]
              for s in ds.BAD_SHARES}
    assert ds.analyse(*_runs("bad_share", shares)).answers[SHARE].startswith("undecided: only 2 seeds")


def test_days_to_exhaust_are_undecided_when_neither_arm_exhausted_the_balance():
    analysis = ds.analyse(*_pairs([None] * 3, [None] * 3))
    answer = analysis.answers[QUALITY]
    assert "the days until the malicious balance is exhausted: undecided (never exhausted in either arm)" in answer
    assert "final accuracy by +2.00 points" in answer          # decided: it needs no exhausted balance
    assert analysis.status(QUALITY) == "partly undecided"
    decided = ds.analyse(*_pairs([30.0, None, 40.0], [None] * 3)).answers[QUALITY]
    assert "undecided" not in decided and "days until the malicious balance is exhausted by" in decided


def test_a_bad_share_without_a_significant_rank_correlation_is_undecided():
    rng = np.random.default_rng(1)
    flat = {(("bad_share", s), ("incentive", "stakeable")): [{"gap": 5 + rng.normal(0, 1)} for _ in range(3)]
            for s in ds.BAD_SHARES}
    answer = ds.analyse(*_runs("bad_share", flat)).answers[SHARE]
    assert answer.startswith("under stakeable, undecided (the rank correlation is not significant): the gap grows by")


def _adversaries(cells):
    def runs(days, gaps):
        return [{"bad_depleted_day": d, "gap": g, "malicious_balance_pct": 1.0 if d else 80.0, "bad_min_pct": 0.5 if d else 70.0}
                for d, g in zip(days, gaps)]
    return _runs("adversaries", {((("adversary", kind), ("incentive", m))): runs(*values)
                                 for (kind, m), values in cells.items()})


def test_short_runs_where_no_balance_runs_out_leave_who_beats_whom_undecided():
    # the reported case: no run long enough for any malicious balance to run out, and 2 seeds
    cells = {("flipper", "stakeable"): ([None, None], [5.0, 5.1]), ("flipper", "quality_priced"): ([None, None], [4.0, 4.2])}
    analysis = ds.analyse(*_adversaries(cells))
    answer = analysis.answers[ADVERSARY]
    assert answer.startswith("undecided for flipper vs stakeable, flipper vs quality_priced: only 2 seeds pair the "
                             "runs, and an answer needs at least 3; and no malicious balance was exhausted in any run "
                             "of the section")
    assert "flipper beats" not in answer and analysis.status(ADVERSARY) == "undecided"
    matrix = ds.adversary_matrix(analysis.runs, analysis.table).set_index("adversary")
    assert matrix.loc["flipper", "stakeable"].startswith("undecided: malicious 80% left, not exhausted in 2/2")
    # three seeds, still nothing exhausted: survival cannot decide, the seeds no longer matter
    cells = {key: ([None] * 3, gaps + [gaps[0]]) for key, (_, gaps) in cells.items()}
    answer = ds.analyse(*_adversaries(cells)).answers[ADVERSARY]
    assert answer.startswith("undecided for flipper vs stakeable, flipper vs quality_priced: no malicious balance")
    assert "only 3 seeds" not in answer


def test_once_a_balance_runs_out_somewhere_survival_decides_and_points_is_judged_by_the_gap():
    cells = {("flipper", "stakeable"): ([140, 141, 142], [5.0, 5.1, 5.2]),
             ("flipper", "quality_priced"): ([None] * 3, [4.0, 4.1, 4.2]),
             ("flipper", "points"): ([None] * 3, [5.0, 5.2, 5.1])}
    analysis = ds.analyse(*_adversaries(cells))
    assert analysis.answers[ADVERSARY].startswith("flipper beats quality_priced. Beats:")
    assert analysis.status(ADVERSARY) == "decided"
    points_only = {("flipper", "points"): ([None] * 3, [5.0, 5.2, 5.1]), ("sleeper", "points"): ([None] * 3, [5.1, 5.0, 5.2])}
    assert ds.analyse(*_adversaries(points_only)).answers[ADVERSARY].startswith("no adversary beats any mechanism")


def test_a_share_interval_stays_within_0_and_1():
    cells = {(("bad_share", 0.1), ("incentive", "stakeable")):
             [{"gap": 1.0, "bad_share_submitted": s, "final_accuracy": a} for s, a in ((0.0, 1.0), (0.0, 0.99), (0.1, 1.0))]}
    results, points = _runs("bad_share", cells)
    row = ds.summary(ds.scenario_runs(results, points)).iloc[0]
    assert row["bad_share_submitted.ci_low"] == 0.0 and 0 < row["bad_share_submitted.ci_high"] < 1
    assert row["final_accuracy.ci_high"] == 1.0 and row["final_accuracy.ci_low"] < 1


@pytest.mark.parametrize("difference, text", [
    (ds.Difference(-0.01, math.nan, math.nan, 1), "+0.0 days (1 seed)"),
    (ds.Difference(-0.04, -0.04, 0.0, 2), "+0.0 days [+0.0, +0.0] (2 seeds)"),
    (ds.Difference(-1.26, -2.0, -0.5, 3), "-1.3 days [-2.0, -0.5] (3 seeds)"),
])
def test_a_difference_reads_as_a_person_would_write_it(difference, text):
    assert difference.text(" days") == text
