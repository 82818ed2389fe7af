"""Nearest centroid: running means divided toward zero; sparse and dense agree on binary data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.errors import DataError
from sumchain.models.nearest_centroid import CENTROID_SCALE, NearestCentroid


def test_the_running_mean_is_exact_where_it_divides_and_truncates_toward_zero_elsewhere():
    model = NearestCentroid(3, 2)
    model.update(np.array([0, 1]), 1)
    assert model.centroids[1].tolist() == [CENTROID_SCALE, CENTROID_SCALE, 0]
    model.update(np.array([0]), 1)
    model.update(np.array([2]), 1)
    # means of (1,1,0), (1,0,0), (0,0,1) are 2/3, 1/3, 1/3; as running means: (1, .5, 0) after two,
    # then each coordinate moves a third of the way to x, the step divided toward zero (so a
    # coordinate moving down stops one unit short of the exact mean's floor)
    assert model.centroids[1].tolist() == [1_000_000 - 333_333, 500_000 - 166_666, 333_333]
    assert model.class_samples.tolist() == [0, 3]


def test_a_sample_takes_the_nearest_centroid():
    model = NearestCentroid(4, 3)
    for x, y in (([0], 0), ([1, 2], 1), ([3], 2)):
        model.update(np.array(x), y)
    assert [model.predict(np.array(x)) for x in ([0], [1], [2, 1], [3], [0, 3])] == [0, 1, 1, 2, 0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 19), max_size=8, unique=True), st.integers(0, 2)), max_size=25))
def test_sparse_and_dense_inputs_give_the_same_model_on_binary_data(samples):
    sparse, dense = NearestCentroid(20, 3), NearestCentroid(20, 3, dense=True)
    for x, y in samples:
        indices = np.array(sorted(x), dtype=np.int64)
        sparse.update(sparse.sample(indices), y)
        dense.update(dense.sample(indices), y)
        assert sparse.state() == dense.state()
        assert sparse.predict(sparse.sample(indices)) == dense.predict(dense.sample(indices))


def test_a_width_beyond_exact_64_bit_distances_is_refused():
    with pytest.raises(DataError, match="at most"):
        NearestCentroid(5_000, 2, dense=True)
