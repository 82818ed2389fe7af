"""The study's sweeps, and its findings judged by the verdict rules on results with known trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sumchain import Config
from sumchain.errors import ConfigError
from sumchain.experiments import study
from sumchain.experiments.study import AGREES, DISAGREES, INCONCLUSIVE, NOT_RUN, Part, analyse, combine, study_points


def fake_row(config: Config, sign: int, rng: np.random.Generator) -> dict:
    """A result row whose metrics follow the study's claims (sign +1) or their opposite (-1)."""
    good, bad = config.agent("Good"), config.agent("Bad")
    score = (config.num_words / 1000 + config.train_size * 3 + config.cost_weight / 25) * sign
    accuracy = 0.7 + 0.1 * score + rng.normal(0, 0.002)
    days = 20 - 10 * score + good.start_balance / 10_000 * sign + np.log10(bad.mean_update_wait_s) * sign
    depleted = None if bad.start_balance >= 100_000 else max(days, 0.1)
    if bad.mean_update_wait_s < 100:
        depleted = 0.5 if sign > 0 else None
    return {"config_hash": config.digest(), "status": "ok", "seed": config.seed, "initial_accuracy": 0.65,
            "final_accuracy": accuracy, "baseline_accuracy": 0.8, "gap": 100 * (0.8 - accuracy),
            "bad_depleted_day": depleted, "bad_min_pct": 0.0 if depleted else 50.0,
            "balance_pct.Good": 200.0 if sign > 0 else 120.0, "balance_pct.Bad": 0.0 if sign > 0 else 80.0}


def fake_results(points, sign: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame([fake_row(c, sign, rng) for c in {p.config.digest(): p.config for p in points}.values()])


@pytest.fixture(scope="module")
def points():
    return study_points(seeds=range(3))


def test_the_sweeps_are_the_studys():
    values = {s.name: list(s.axis.values) for s in study.SWEEPS}
    assert values["num_words"] == list(range(100, 1001, 100))
    assert values["train_size"] == [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.16, 0.24, 0.32]
    assert values["mean_deposit"] == [0.5, 5, 50, 500, 5000]
    assert values["cost_weight"] == [1, 2, 3, 4, 5, 10, 15, 20, 25]
    assert {"start_balance", "bad_update_wait", "good_update_wait", "stdev_deposit", "prob_mistake"} <= set(values)


def test_every_sweep_varies_one_parameter_from_the_defaults(points):
    default = Config()
    for point in points:
        changed = {k for k, v in point.config.flat().items() if default.flat()[k] != v} - {"seed"}
        if point.sweep == study.DEFAULTS:
            assert not changed
        elif point.sweep == study.PHASE:
            assert changed <= {"wait_rounding", "agents.Bad.phase_s"}
        else:
            sweep = next(s for s in study.SWEEPS if s.name == point.sweep)
            assert changed <= set(sweep.axis.keys)


def test_only_selects_sweeps_and_rejects_unknown_names():
    points = study_points(seeds=[0], only=["cost_weight"])
    assert {p.sweep for p in points} == {"cost_weight", study.DEFAULTS}
    with pytest.raises(ConfigError, match="unknown sweep 'nope'"):
        study_points(only=["nope"])


def test_combine():
    assert combine([Part(AGREES, ""), Part(AGREES, "")]) == AGREES
    assert combine([Part(AGREES, ""), Part(INCONCLUSIVE, "")]) == INCONCLUSIVE
    assert combine([Part(AGREES, ""), Part(DISAGREES, "")]) == DISAGREES


def test_results_that_follow_the_study_agree(points):
    analysis = analyse(fake_results(points, +1), points)
    verdicts = {f.number: f.verdict for f in analysis.findings}
    assert verdicts[4] == AGREES and verdicts[5] == AGREES and verdicts[7] == AGREES
    assert "agrees" in analysis.findings[0].evidence
    assert analysis.sweeps["num_words"].summary["n"].min() == 3


def test_results_against_the_study_disagree(points):
    analysis = analyse(fake_results(points, -1), points)
    verdicts = {f.number: f.verdict for f in analysis.findings}
    assert verdicts[1] == DISAGREES and verdicts[4] == DISAGREES and verdicts[7] == DISAGREES
    assert "never exhausted" in analysis.findings[4].evidence


def test_missing_sweeps_are_not_run_not_errors():
    points = study_points(seeds=range(2), only=["stdev_deposit"])
    analysis = analyse(fake_results(points), points)
    verdicts = {f.number: f.verdict for f in analysis.findings}
    assert verdicts[1] == verdicts[2] == verdicts[3] == verdicts[4] == verdicts[5] == NOT_RUN
    assert "was not run" in analysis.findings[0].evidence


def test_a_finding_about_the_defaults_is_not_run_off_the_defaults():
    points = study_points(Config(max_train=3000), seeds=range(1), only=["num_words"])
    analysis = analyse(fake_results(points), points)
    seven = analysis.findings[6]
    assert seven.verdict == NOT_RUN and "max_train differs" in seven.evidence
    assert analysis.findings[0].verdict != NOT_RUN     # its sweep ran


def test_one_seed_reads_right():
    points = study_points(seeds=range(1), only=["num_words"])
    analysis = analyse(fake_results(points), points)
    text = "\n".join(f.evidence for f in analysis.findings)
    assert "over 1 seed " in text and "1 seeds" not in text and "nan" not in text.lower()


def test_no_results_at_all_is_inconclusive_everywhere(points):
    empty = pd.DataFrame(columns=["config_hash", "status"])
    analysis = analyse(empty, points)
    assert {f.verdict for f in analysis.findings} == {INCONCLUSIVE}


def test_the_phase_sweep_covers_both_roundings_and_judges_finding_8():
    points = study_points(seeds=range(4), only=["phase"])
    phase = [p for p in points if p.sweep == study.PHASE]
    assert len(phase) == 2 * len(study.PHASE_VALUES) * 4
    assert points[0].sweep == study.DEFAULTS                       # the headline runs first
    rng = np.random.default_rng(1)
    rows = []
    for p in {p.config.digest(): p for p in points}.values():
        c = p.config
        exact = c.wait_rounding == "round"
        cost = (60 / np.sqrt(c.agent("Bad").phase_s or 600) if exact else 4.6) + rng.normal(0, 0.1)
        rows.append({"config_hash": c.digest(), "status": "ok", "cost_per_add.Bad": cost,
                     "balance_pct.Bad": max(0.0, 100 - 20 * cost + rng.normal(0, 1)), "balance_pct.Good": 190.0})
    analysis = analyse(pd.DataFrame(rows), points)
    eighth = analysis.findings[7]
    assert eighth.number == 8 and eighth.verdict == AGREES, eighth.evidence
    summary = study.phase_summary(analysis.phase)
    assert set(summary["wait_rounding"]) == {"round", "truncate"} and (summary["runs"] == 4).all()


def test_seeds_needed_follow_the_textbook_formulas():
    # Fisher z: n = 3 + 1.06 * ((1.96 + 0.84) / atanh(0.5))**2 = 30.6 runs, over 10 values: 4 seeds each
    assert study._seeds_for_correlation(0.5, 10) == 4
    assert study._seeds_for_correlation(0.1, 10) > study._seeds_for_correlation(0.3, 10)
    assert study._seeds_for_correlation(float("nan"), 10) is None
    # two means 1 sd apart: (1.96 + 0.84)**2 * 2 = 15.7 -> 16 seeds
    assert study._seeds_for_difference(1.0, 1.0, 1.0) == 16
    assert study._seeds_for_variance_ratio(2.0, 1.0, 4) < study._seeds_for_variance_ratio(1.3, 1.0, 4)


def test_the_power_table_covers_findings_1_and_3(points):
    analysis = analyse(fake_results(points, +1), points)
    table = analysis.power
    assert set(table["finding"]) == {1, 3}
    assert "accuracy rises with num_words" in set(table["part"])


def test_finding_8_is_not_run_without_the_phase_sweep():
    points = study_points(seeds=range(2), only=["num_words"])
    analysis = analyse(fake_results(points), points)
    assert next(f for f in analysis.findings if f.number == 8).verdict == "not run"
