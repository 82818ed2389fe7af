"""The one shape every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from sumchain.errors import DataError


@dataclass(frozen=True)
class Dataset:
    """Sparse binary features (CSR, width `num_features`) and integer class labels.

    `feature_names(i)` gives a human name for feature `i` where the loader has one (a word for
    text data, `column>=threshold` for tabular data), else None.
    """

    name: str
    X_train: sp.csr_matrix
    y_train: np.ndarray
    X_test: sp.csr_matrix
    y_test: np.ndarray
    class_names: tuple[str, ...] = ("negative", "positive")
    feature_name_lookup: Callable[[int], str | None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if X.shape[0] != len(y):
                raise DataError(f"{self.name}: X_{split} has {X.shape[0]} rows but y_{split} has {len(y)} labels")
        if self.X_train.shape[1] != self.X_test.shape[1]:
            raise DataError(f"{self.name}: train and test widths differ ({self.X_train.shape[1]} vs {self.X_test.shape[1]})")

    @property
    def num_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def feature_name(self, index: int) -> str | None:
        return self.feature_name_lookup(index) if self.feature_name_lookup else None

    def limited(self, max_train: int | None, max_test: int | None) -> "Dataset":
        """The first `max_train` / `max_test` samples (loaders already shuffle deterministically)."""
        if max_train is None and max_test is None:
            return self
        return Dataset(self.name, self.X_train[:max_train], self.y_train[:max_train],
                       self.X_test[:max_test], self.y_test[:max_test], self.class_names,
                       self.feature_name_lookup)


def binary_csr(rows: list[np.ndarray] | list[list[int]], width: int) -> sp.csr_matrix:
    """Build a CSR matrix of ones from per-row index lists; duplicates collapse, indices sorted."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    cleaned = []
    for i, row in enumerate(rows):
        unique = np.unique(np.asarray(row, dtype=np.int64))
        if unique.size and (unique[0] < 0 or unique[-1] >= width):
            raise DataError(f"feature index out of range in row {i}: allowed 0..{width - 1}")
        cleaned.append(unique)
        indptr[i + 1] = indptr[i] + unique.size
    indices = np.concatenate(cleaned) if cleaned else np.zeros(0, dtype=np.int64)
    data = np.ones(indices.size, dtype=np.int8)
    return sp.csr_matrix((data, indices.astype(np.int32), indptr), shape=(len(rows), width))


def product_dtype(dtype) -> np.dtype:
    """The value type to hold rows in for products with the models' int64 weights: int64 for integer
    (and boolean) values, since scipy converts other integer types on every product; any other type
    as it is."""
    dtype = np.dtype(dtype)
    return np.dtype(np.int64) if dtype.kind in "biu" else dtype


class SparseRows:
    """Selected rows of a CSR matrix, gathered without scipy: a shape and `rows @ weights`.

    Why: the simulator reads the model's prediction for a few hundred pending contributions
    about ten thousand times per run; selecting 40 rows and multiplying took about 28 microseconds
    with scipy's row indexing and about 17 with this. It is enough for `Trainer.predict_many`.
    """

    __slots__ = ("indptr", "indices", "shape")

    def __init__(self, X: sp.csr_matrix, rows: np.ndarray):
        rows = np.asarray(rows, dtype=np.int64)
        starts = X.indptr[rows].astype(np.int64)
        lengths = X.indptr[rows + 1] - starts
        self.indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.indptr[1:])
        self.indices = X.indices[np.arange(self.indptr[-1]) + np.repeat(starts - self.indptr[:-1], lengths)]
        self.shape = (len(rows), X.shape[1])

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:
        """Row sums of `weights` over each row's present features (binary features)."""
        cumulative = np.zeros(len(self.indices) + 1, dtype=np.asarray(weights).dtype)
        np.cumsum(weights[self.indices], out=cumulative[1:])
        return cumulative[self.indptr[1:]] - cumulative[self.indptr[:-1]]


class RowBuffer:
    """A growing selection of a CSR matrix's rows, gathered once: append rows, drop rows, and
    `matrix()`, the held rows as a CSR matrix over the buffers (no copy) for `predict_many`.

    Why: the simulator asks for the model's predictions of its pending contributions about ten
    thousand times per run, each time for almost the same rows as before. Gathering those rows
    anew each time (`SparseRows`) cost as much as the product itself; here each row's indices are
    copied once, when it is appended. Dropped rows stay in the buffer (their products are computed
    and ignored) until they are half of it, then the buffer is compacted.

    The matrix is built once per buffer, not per read: building a scipy matrix (its format checks)
    took as long as the product. So it spans the buffer's whole row capacity, the rows past the
    held ones being empty, and its arrays are views of the buffers, renewed on each read.
    Values are held in `product_dtype`, so that a product does not convert them on every read.
    """

    __slots__ = ("_X", "_indices", "_data", "_offsets", "_rows", "_size", "_nnz", "_dropped", "_matrix")

    def __init__(self, X: sp.csr_matrix, capacity: int = 1024):
        self._X = X
        per_row = max(1, X.nnz // max(1, X.shape[0]))
        self._indices = np.zeros(capacity * per_row, dtype=np.int32)
        self._data = np.zeros(capacity * per_row, dtype=product_dtype(X.data.dtype))   # the rows' values (1 when binary)
        self._offsets = np.zeros(capacity + 1, dtype=np.int32)
        self._rows = np.zeros(capacity, dtype=np.int64)          # the matrix row held in each slot
        self._size = self._nnz = 0
        self._dropped: set[int] = set()
        self._matrix: sp.csr_matrix | None = None                # over the buffers above; None once replaced

    @property
    def rows(self) -> np.ndarray:
        """The matrix row of each slot, in slot order (dropped rows included until compaction)."""
        return self._rows[:self._size]

    def append(self, row: int) -> None:
        if row in self._dropped:         # its dropped copy is still in the buffer: gone first, so that
            self._compact()              # the buffer never holds more than twice its rows
        start, end = self._X.indptr[row], self._X.indptr[row + 1]
        if self._size == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
            self._offsets = np.concatenate([self._offsets, np.zeros(len(self._offsets) - 1, dtype=np.int32)])
            self._matrix = None
        nnz = self._nnz + int(end - start)
        if nnz > len(self._indices):
            grow = max(nnz, len(self._indices))
            self._indices = np.concatenate([self._indices, np.zeros(grow, dtype=np.int32)])
            self._data = np.concatenate([self._data, np.zeros(grow, dtype=self._data.dtype)])
            self._matrix = None
        self._indices[self._nnz:nnz] = self._X.indices[start:end]
        self._data[self._nnz:nnz] = self._X.data[start:end]
        self._rows[self._size] = row
        self._size += 1
        self._offsets[self._size] = self._nnz = nnz

    def drop(self, rows) -> None:
        """Forget these matrix rows; compacts the buffer once dropped rows are half of it."""
        self._dropped.update(int(r) for r in rows)
        if 2 * len(self._dropped) > self._size:
            self._compact()

    def _compact(self) -> None:
        """The held rows only, appended again in their order."""
        held = self._rows[:self._size]
        keep = held[~np.isin(held, np.fromiter(self._dropped, dtype=np.int64, count=len(self._dropped)))]
        self._size = self._nnz = 0
        self._dropped.clear()
        for row in keep:
            self.append(int(row))

    def matrix(self) -> sp.csr_matrix:
        """The held rows (in slot order, with their values) as a CSR matrix over the buffers; its
        first `len(rows)` rows are the held ones, the rest (up to the capacity) are empty."""
        n, nnz = self._size, self._nnz
        if 2 * nnz <= len(self._indices) or 2 * (n + 1) <= len(self._offsets):
            self._fit()
        if self._matrix is None:
            matrix = sp.csr_matrix((len(self._offsets) - 1, self._X.shape[1]), dtype=self._data.dtype)
            matrix.indptr = self._offsets
            self._matrix = matrix
        self._offsets[n + 1:] = nnz          # the rows past the held ones are empty
        self._matrix.indices, self._matrix.data = self._indices[:nnz], self._data[:nnz]
        return self._matrix

    def _fit(self) -> None:
        """Shrink the buffers to 1.5 times what they hold, so that a product spends little on the
        empty rows and unused slots of a buffer that once held many more rows."""
        n, nnz = self._size, self._nnz
        nnz_capacity, row_capacity = nnz + nnz // 2 + 1, n + n // 2 + 1
        self._indices = np.concatenate([self._indices[:nnz], np.zeros(nnz_capacity - nnz, dtype=np.int32)])
        self._data = np.concatenate([self._data[:nnz], np.zeros(nnz_capacity - nnz, dtype=self._data.dtype)])
        self._offsets = np.concatenate([self._offsets[:n + 1], np.zeros(row_capacity - n, dtype=np.int32)])
        self._rows = np.concatenate([self._rows[:n], np.zeros(row_capacity - n, dtype=np.int64)])
        self._matrix = None
