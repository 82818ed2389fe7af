import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.data.dataset import Dataset, SparseRows, binary_csr
from sumchain.errors import DataError


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 29), max_size=12), min_size=1, max_size=20), st.data())
def test_sparse_rows_multiply_like_scipy(rows, data):
    X = binary_csr(rows, 30)
    chosen = np.array(data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=25)), dtype=np.int64)
    weights = np.array(data.draw(st.lists(st.integers(-10**6, 10**6), min_size=30, max_size=30)), dtype=np.int64)
    gathered = SparseRows(X, chosen)
    assert gathered.shape == (len(chosen), 30)
    assert np.array_equal(gathered @ weights, np.asarray(X[chosen] @ weights, dtype=np.int64))


def test_binary_csr_rejects_out_of_range_features():
    with pytest.raises(DataError, match="feature index out of range in row 1: allowed 0..4"):
        binary_csr([[0, 1], [5]], 5)


def test_mismatched_labels_are_an_error():
    X = binary_csr([[0], [1]], 3)
    with pytest.raises(DataError, match="X_train has 2 rows but y_train has 1 labels"):
        Dataset("d", X, np.array([1]), X, np.array([0, 1]))
