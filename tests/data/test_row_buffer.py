"""RowBuffer holds what was appended and not dropped, and its matrix multiplies like the rows it holds."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sumchain.data.dataset import RowBuffer


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 59)), max_size=300), st.integers(1, 8))
# a row dropped, appended again and dropped again: its first copy must not stay in the buffer
@example([(True, 1), (True, 2), (False, 1), (True, 0), (True, 1), (False, 0), (False, 1)], 1)
def test_matrix_equals_the_held_rows(operations, capacity):
    rng = np.random.default_rng(1)
    dense = (rng.random((60, 30)) < 0.2) * rng.choice([-2.5, 1.0, 3.0], size=(60, 30))
    dense[7] = 0                              # an empty row too; the rest keep their values
    X = sp.csr_matrix(dense)
    buffer, held = RowBuffer(X, capacity=capacity), set()
    weights = np.arange(-15, 15, dtype=np.int64)
    for append, row in operations:
        if append and row not in held:
            buffer.append(row)
            held.add(row)
        elif not append and row in held:
            buffer.drop([row])
            held.discard(row)
        rows = buffer.rows
        assert held <= set(rows.tolist())
        assert len(rows) <= 2 * len(held) + 1
        matrix = buffer.matrix()
        assert matrix.shape[0] >= len(rows) and matrix[len(rows):].nnz == 0     # then empty rows
        assert np.array_equal((matrix @ weights)[:len(rows)], X[rows] @ weights)


def test_reads_do_not_copy_the_buffers():
    X = sp.csr_matrix(np.eye(50, dtype=np.int8))
    buffer = RowBuffer(X, capacity=1024)
    for row in range(10):
        buffer.append(row)
    matrix = buffer.matrix()
    buffer.append(10)
    assert buffer.matrix() is matrix                      # built once per buffer, not per read
    assert np.shares_memory(matrix.indices, buffer.matrix().indices)
    assert np.array_equal(matrix[:11].toarray(), np.eye(50, dtype=np.int64)[:11])
