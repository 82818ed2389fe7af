"""Statistics: t intervals, Spearman, rank effect sizes, and never-exhausted runs kept in view."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sstats

from sumchain.experiments import stats


def runs(values, metric_values, depleted=None, status=None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"value": values, "final_accuracy": metric_values,
                         "bad_depleted_day": depleted if depleted is not None else [1.0] * n,
                         "bad_min_pct": [0.0] * n, "status": status or ["ok"] * n})


def test_mean_ci_is_the_student_t_interval():
    n, mean, sd, low, high = stats.mean_ci([1.0, 2.0, 3.0, 4.0])
    half = sstats.t.ppf(0.975, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (n, mean) == (4, 2.5) and low == pytest.approx(2.5 - half) and high == pytest.approx(2.5 + half)
    assert math.isnan(stats.mean_ci([7.0])[3]) and stats.mean_ci([7.0])[1] == 7.0
    assert stats.mean_ci([])[0] == 0


def test_summary_counts_never_exhausted_runs_instead_of_dropping_them():
    frame = runs([1, 1, 1, 2, 2, 2], [0.5] * 6, depleted=[2.0, None, 4.0, None, None, None])
    table = stats.summary_table(frame, metrics=("bad_depleted_day",)).set_index("value")
    assert table.loc[1, "n_never"] == 1 and table.loc[1, "mean"] == 3.0 and table.loc[1, "runs"] == 3
    assert table.loc[2, "n_never"] == 3 and table.loc[2, "n"] == 0 and math.isnan(table.loc[2, "mean"])


def test_failed_runs_are_left_out_of_the_statistics():
    frame = runs([1, 1, 2], [0.5, 0.9, 0.7], status=["ok", "error", "ok"])
    table = stats.summary_table(frame, metrics=("final_accuracy",)).set_index("value")
    assert table.loc[1, "mean"] == 0.5 and table.loc[1, "runs"] == 1


def test_spearman_ranks_never_after_every_day():
    frame = runs([1, 2, 3, 4], [0.1, 0.2, 0.3, 0.4], depleted=[1.0, 5.0, None, None])
    table = stats.spearman_table(frame, metrics=("final_accuracy", "bad_depleted_day")).set_index("metric")
    assert table.loc["final_accuracy", "rho"] == pytest.approx(1.0)
    assert table.loc["bad_depleted_day", "rho"] > 0.9 and table.loc["bad_depleted_day", "n"] == 4
    assert table.loc["bad_depleted_day", "n_never"] == 2


def test_spearman_of_a_constant_is_nan_not_an_error():
    rho, p = stats.spearman(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0]))
    assert math.isnan(rho) and math.isnan(p)


def test_effect_size_is_one_when_the_value_decides_the_ranking_and_near_zero_without_effect():
    decided = runs([1, 1, 2, 2, 3, 3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert stats.effect_size(decided, "final_accuracy") == pytest.approx(32 / 35, rel=1e-9)
    rng = np.random.default_rng(0)
    values = np.repeat([1, 2, 3], 200)
    noise = runs(list(values), list(rng.normal(size=600)))
    assert stats.effect_size(noise, "final_accuracy") < 0.02
    separated = runs([1] * 5 + [2] * 5, [0.1] * 5 + [0.9] * 5)
    assert stats.effect_size(separated, "final_accuracy") == pytest.approx(1.0)


def test_effect_ranking_puts_the_stronger_parameter_first():
    strong = runs([1, 1, 2, 2, 3, 3], [0.1, 0.11, 0.5, 0.51, 0.9, 0.91])
    weak = runs([1, 1, 2, 2, 3, 3], [0.1, 0.9, 0.5, 0.2, 0.8, 0.3])
    table = stats.effect_ranking({"weak": weak, "strong": strong}, metrics=("final_accuracy",))
    assert list(table["sweep"]) == ["strong", "weak"] and list(table["rank"]) == [1.0, 2.0]


def test_levene_sees_a_wider_group():
    rng = np.random.default_rng(1)
    _, p = stats.levene([rng.normal(0, 1, 50), rng.normal(0, 5, 50)])
    assert p < 0.01
    assert math.isnan(stats.levene([[1.0], [2.0, 3.0]])[1])
