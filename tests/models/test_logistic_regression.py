"""Logistic regression: the PLAN sigmoid in integers, the step schedule, gradient steps."""

from __future__ import annotations

import numpy as np

from sumchain.models.logistic_regression import WEIGHT_SCALE, LogisticRegression, plan_sigmoid


def test_plan_sigmoid_is_symmetric_monotone_and_close_to_the_logistic():
    z = np.arange(-7 * WEIGHT_SCALE, 7 * WEIGHT_SCALE, 997, dtype=np.int64)
    s = plan_sigmoid(z)
    assert np.all(np.diff(s) >= 0)
    assert np.all(s + plan_sigmoid(-z) == WEIGHT_SCALE)
    logistic = WEIGHT_SCALE / (1 + np.exp(-z / WEIGHT_SCALE))
    assert np.abs(s - logistic).max() < 0.019 * WEIGHT_SCALE + 1
    assert [plan_sigmoid(v) for v in (0, WEIGHT_SCALE, 2_375_000, 5 * WEIGHT_SCALE)] == \
        [500_000, 750_000, 917_968, WEIGHT_SCALE]


def test_the_step_decays_as_documented_and_the_update_is_the_log_loss_gradient():
    model = LogisticRegression(4, eta0_units=100_000, t0=100)
    assert model.step_size() == 100_000
    assert model.update(np.array([0, 2]), 1) is True
    # sigma(0) = 0.5; delta = 0.1 * (1 - 0.5) = 0.05 on each present weight and the intercept
    assert model.weights.tolist() == [50_000, 0, 50_000, 0] and model.intercept == 50_000
    assert model.steps == 1 and model.step_size() == 100_000 * 100 // 101
    model.steps = 100
    assert model.step_size() == 50_000                          # halved after t0 steps
