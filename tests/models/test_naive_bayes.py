"""Naive Bayes: scores are the documented integer formula; counts exact; any number of classes."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sumchain.models.fixedpoint import log2_fixed
from sumchain.models.naive_bayes import SMOOTHING_SCALE, NaiveBayes, fit_naive_bayes


def test_scores_follow_the_documented_formula():
    model = NaiveBayes(4, 3, smoothing_units=500)            # smoothing 0.5
    for x, y in (([0, 1], 0), ([1, 2], 1), ([2, 3], 2), ([0], 0)):
        model.update(np.array(x), y)
    x = np.array([0, 2])
    S, a, d = SMOOTHING_SCALE, 500, 4
    expected = [log2_fixed(int(model.class_samples[c]) * S + a)
                + sum(log2_fixed(int(model.counts[c, i]) * S + a) for i in x)
                - len(x) * log2_fixed(int(model.counts[c].sum()) * S + a * d) for c in range(3)]
    assert model.scores(x).tolist() == expected
    assert model.predict(x) == int(np.argmax(expected))


def test_the_fit_counts_exactly_and_equals_updating_one_by_one():
    X = sp.csr_matrix(np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]], dtype=np.int8))
    y = np.array([0, 1, 2, 1])
    fitted = fit_naive_bayes(X, y, num_classes=3, smoothing=0.25)
    assert fitted.counts.tolist() == [[1, 0, 1], [0, 1, 2], [1, 1, 0]]
    assert fitted.class_samples.tolist() == [1, 2, 1] and fitted.smoothing_units == 250
    stepwise = NaiveBayes(3, 3, smoothing_units=250)
    for row, label in zip(X, y):
        stepwise.update(row.indices, int(label))
    assert stepwise.state() == fitted.state()
    assert stepwise.predict_many(X).tolist() == fitted.predict_many(X).tolist()


def test_a_copy_rebuilds_the_same_log_tables():
    model = NaiveBayes(5, 2)
    model.update(np.array([0, 3]), 1)
    twin = model.copy()
    assert twin.scores(np.array([0, 1, 3])).tolist() == model.scores(np.array([0, 1, 3])).tolist()
