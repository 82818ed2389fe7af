"""The dense perceptron: fixed-point values, and on binary rows exactly the sparse perceptron."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.models import SCALE, SparsePerceptron
from sumchain.models.dense_perceptron import DensePerceptron


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 14), max_size=6, unique=True), st.integers(0, 1)), max_size=30),
       st.lists(st.integers(-3000, 3000), min_size=15, max_size=15), st.integers(-2000, 2000))
def test_on_binary_rows_it_learns_exactly_as_the_sparse_perceptron(samples, weights, intercept):
    sparse = SparsePerceptron(15, 20, np.array(weights), intercept)
    dense = DensePerceptron(15, 20, np.array(weights), intercept)
    for x, y in samples:
        indices = np.array(sorted(x), dtype=np.int64)
        assert sparse.update(indices, y) == dense.update(dense.sample(indices), y)
        assert sparse.state() == dense.state()


def test_numeric_values_weigh_the_step_and_divide_toward_zero():
    model = DensePerceptron(3, learning_rate=20)
    x = np.array([1500, -250, 3], dtype=np.int64)               # 1.5, -0.25, 0.003
    assert model.update(x, 1) is True                           # score 0: predicts 0, a mistake
    assert model.weights.tolist() == [30, -5, 0] and model.intercept == 20
    assert model.score(x) == 30 * 1500 + 5 * 250 + 20 * SCALE
    assert model.update(x, 1) is False
