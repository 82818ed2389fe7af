"""The shared sample checks: every contract refuses the same input with the same reason."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumchain.contract.samples import check_dense_features, check_features, check_label, check_time
from sumchain.errors import Rejected
from sumchain.models.protocol import MAX_DENSE_UNITS


@given(st.lists(st.integers(0, 49), max_size=30))
def test_a_sparse_sample_becomes_its_sorted_distinct_indices(indices):
    x = check_features(indices, 50)
    assert x.dtype == np.int32 and x.tolist() == sorted(set(indices))


@pytest.mark.parametrize("x, reason", [([[1, 2]], "one-dimensional"), ([0.5, 1.0], "integer feature indices"),
                                       ([3, 50], "feature index 50 is out of range; allowed 0..49"),
                                       ([-1, 2], "feature index -1 is out of range")])
def test_a_bad_sparse_sample_is_refused_with_its_reason(x, reason):
    with pytest.raises(Rejected, match=reason):
        check_features(x, 50)


def test_a_dense_sample_is_every_value_within_bounds():
    assert check_features([0, -3, 7], 3, dense=True).tolist() == [0, -3, 7]
    for bad in ([1, 2], [0.5, 1.0, 2.0]):
        with pytest.raises(Rejected, match="x must be 3 integer feature values"):
            check_dense_features(bad, 3)
    with pytest.raises(Rejected, match="beyond the allowed"):
        check_dense_features([0, MAX_DENSE_UNITS + 1, 0], 3)


def test_labels_and_times():
    assert check_label(np.int64(2), 3) == 2
    for bad, allowed in ((2, "0 or 1"), (True, "0 or 1"), (-1, "0 or 1"), (1.0, "0 or 1")):
        with pytest.raises(Rejected, match=f"y must be a class index {allowed}"):
            check_label(bad, 2)
    with pytest.raises(Rejected, match="from 0 to 4"):
        check_label(5, 5)
    assert check_time(np.int64(7)) == 7
    with pytest.raises(Rejected, match="whole number of seconds"):
        check_time(1.5)
