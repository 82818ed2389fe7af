"""The integer perceptron: exact arithmetic, learning only from mistakes, a sound initial training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain import DataError
from sumchain.models import SCALE, SparsePerceptron, quantise, train_offchain


def test_predict_uses_strict_threshold():
    model = SparsePerceptron(4, weights=[2, -1, 0, 0], intercept=-1)
    assert model.predict(np.array([0])) == 1          # -1 + 2 = 1 > 0
    assert model.predict(np.array([0, 1])) == 0       # -1 + 2 - 1 = 0, not > 0
    assert model.predict(np.array([], dtype=np.int32)) == 0


def test_update_only_on_mistakes_by_exactly_the_learning_rate():
    model = SparsePerceptron(5, learning_rate=7)
    assert model.update(np.array([1, 3]), 0) is False   # predicts 0 already
    assert model.update(np.array([1, 3]), 1) is True
    assert model.weights.tolist() == [0, 7, 0, 7, 0] and model.intercept == 7
    assert model.update(np.array([3, 4]), 0) is True
    assert model.weights.tolist() == [0, 7, 0, 0, -7] and model.intercept == 0
    assert model.weights.dtype == np.int64


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 29), min_size=1, max_size=8, unique=True), st.integers(0, 1)),
                max_size=30))
def test_vectorised_and_single_predictions_agree(samples):
    import scipy.sparse as sp
    model = SparsePerceptron(30, learning_rate=3)
    for x, y in samples:
        model.update(np.array(sorted(x)), y)
    rows = [sorted(x) for x, _ in samples] or [[0]]
    X = sp.csr_matrix((np.ones(sum(map(len, rows))), np.concatenate(rows),
                       np.cumsum([0] + [len(r) for r in rows])), shape=(len(rows), 30))
    assert model.predict_many(X).tolist() == [model.predict(np.array(r)) for r in rows]


def test_quantise_rounds_to_fixed_point():
    model = quantise(np.array([0.5004, -1.2]), 0.25)
    assert model.weights.tolist() == [500, -1200] and model.intercept == 250
    assert model.learning_rate == SCALE


def test_offchain_training_learns_and_is_deterministic(tiny_dataset):
    a = train_offchain(tiny_dataset.X_train, tiny_dataset.y_train, seed=1)
    b = train_offchain(tiny_dataset.X_train, tiny_dataset.y_train, seed=1)
    assert a.state() == b.state()
    assert a.evaluate(tiny_dataset.X_test, tiny_dataset.y_test) > 0.8


def test_offchain_training_refuses_more_than_two_classes(tiny_dataset):
    with pytest.raises(DataError, match="binary"):
        train_offchain(tiny_dataset.X_train[:3], np.array([0, 1, 2]), seed=0)
