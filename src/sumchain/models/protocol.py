"""What every on-chain model gives, and how a sample reaches it.

A model lives on a contract, so its state is integers (fixed point where fractions are needed)
and every engine computes the same thing to the last unit. Floating point appears only off chain,
in a family's initial fit, and is rounded once before deployment.

How a sample is passed (the data layer gives sparse rows: present feature indices, with values
where a loader has them; every built-in loader gives binary rows, value 1):

- a **sparse** model (`input_kind = "sparse"`) takes one sample as its sorted, unique int32
  feature indices: binary features, as today's perceptron and SUM's sparse contracts;
- a **dense** model (`input_kind = "dense"`) takes one sample as an int64 vector of length
  `num_features` holding every feature's value in fixed point, `SCALE` units per 1.0 (a present
  binary feature is `SCALE`), each within `±MAX_DENSE_UNITS`: numeric features, as SUM's dense
  contracts took them. `model.sample(indices, values)` builds either from a dataset row.

Batched reads (`predict_many`, `evaluate`) take the dataset's rows as they are (a CSR matrix, or
`SparseRows`); a dense model reads their values in the same fixed point (`dense_rows`), a sparse
one only their indices. So `predict_many(X)[i] == predict(sample of row i)` for every family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

SCALE = 1000
"""Fixed-point units per 1.0 of a feature value and of a perceptron weight."""

MAX_DENSE_UNITS = 2 ** 15
"""The largest |value| of one dense feature, in `SCALE` units (about ±32.8): standardised numeric
columns fit, and products of values and weights stay far inside 64-bit integers."""


@runtime_checkable
class Model(Protocol):
    """An on-chain model: integer state, one-sample calls for the contract, batched reads for clients."""

    family: str                 # its name in `MODELS`
    input_kind: str             # "sparse" or "dense" (see the module docstring)
    num_features: int
    num_classes: int

    def predict(self, x) -> int:
        """The class for one sample: the highest score, the lowest class index on a tie."""

    def predict_many(self, X) -> np.ndarray:
        """`predict` for every row of a CSR matrix (or `SparseRows`), as an int64 array."""

    def update(self, x, y: int) -> bool:
        """Learn from one labelled sample; whether the model's state changed."""

    def evaluate(self, X, y) -> float:
        """Accuracy on a labelled set (NaN when it is empty)."""

    def margin(self, x, y: int) -> int:
        """How strongly the model favours class `y` for `x` (integer, larger is more; negative when
        the model predicts another class, which `quality_priced` prices): an update with `(x, y)`
        does not lower it (each family's docstring says why; the conformance suite checks both)."""

    def state(self) -> tuple[int, ...]:
        """The exact state as plain integers: equal on every engine after the same calls."""

    def copy(self) -> "Model":
        """An independent copy (updating one never changes the other)."""

    def sample(self, indices: np.ndarray, values: np.ndarray | None = None):
        """This model's input for one dataset row: its present feature indices and their values."""


def as_csr(X) -> sp.csr_matrix:
    """A CSR matrix from a CSR matrix or from `SparseRows` (binary rows without stored values)."""
    if sp.issparse(X):
        return X.tocsr()
    data = getattr(X, "data", None)
    if data is None:
        data = np.ones(len(X.indices), dtype=np.int8)
    return sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape)


def present_sums(X, table: np.ndarray) -> np.ndarray:
    """For each row and each row of `table` (shape k x d), the sum of the table's entries over the
    row's present features: an (n, k) int64 array.

    One matrix-vector product per table row (k is the number of classes), on the rows themselves
    when their stored values are all 1 (the data layer's words, the simulator's pending rows), else
    on their binary pattern. One product per row of a C-ordered table is about 2.5x faster than
    one sparse product with the transposed table, which scipy copies and runs as a matrix."""
    if sp.issparse(X):
        X = X.tocsr()
        if not np.all(X.data == 1):
            X = sp.csr_matrix((np.ones(len(X.indices), np.int64), X.indices, X.indptr), shape=X.shape)
    return row_products(X, table)


def row_products(X, table: np.ndarray) -> np.ndarray:
    """`X @ table.T` as an (n, k) int64 array, one product per table row (see `present_sums`)."""
    return np.stack([np.asarray(X @ row, dtype=np.int64) for row in table], axis=1).reshape(X.shape[0], len(table))


def dense_rows(X) -> sp.csr_matrix:
    """Rows as a CSR of int64 fixed-point values (`SCALE` per 1.0), as a dense model reads them."""
    X = as_csr(X)
    values = np.rint(np.asarray(X.data, dtype=np.float64) * SCALE).astype(np.int64)
    if values.size and int(np.abs(values).max()) > MAX_DENSE_UNITS:
        raise ValueError(f"a feature value is beyond ±{MAX_DENSE_UNITS / SCALE:g}; standardise numeric features")
    return sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape)


def dense_sample(num_features: int, indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """One dataset row as a dense model's input: every feature's value in `SCALE` units."""
    x = np.zeros(num_features, dtype=np.int64)
    x[np.asarray(indices, dtype=np.int64)] = SCALE if values is None else np.rint(np.asarray(values, dtype=np.float64) * SCALE)
    return x


def sparse_sample(indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """One dataset row as a sparse model's input: its present features (values must be binary)."""
    if values is not None and np.any(np.asarray(values) != 1):
        raise ValueError("a sparse model takes binary features; use a dense model for numeric values")
    return np.asarray(indices)


def div_toward_zero(a, b):
    """Integer division rounding toward zero, as the EVM's signed division (`sdiv`) does.

    Python's `//` floors, so -7 // 2 == -4 where the EVM gives -3; every signed division of a
    model goes through here so that a contract can reproduce it. Works on ints and int64 arrays.
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        quotient = np.abs(a) // np.abs(b)
        return np.where((np.asarray(a) < 0) != (np.asarray(b) < 0), -quotient, quotient)
    quotient = abs(a) // abs(b)
    return -quotient if (a < 0) != (b < 0) else quotient


def accuracy(predictions: np.ndarray, y) -> float:
    y = np.asarray(y)
    if len(y) == 0:
        return float("nan")
    return float(np.mean(predictions == y))


def top_class(scores: np.ndarray) -> np.ndarray | int:
    """The best class per row of a score matrix (or of one score vector): lowest index on a tie."""
    return np.argmax(scores, axis=-1) if scores.ndim > 1 else int(np.argmax(scores))


def margin_of(scores: np.ndarray, y: int) -> int:
    """Score of class `y` minus the best score of any other class (one score vector)."""
    others = np.delete(scores, y)
    return int(scores[y]) - (int(others.max()) if others.size else 0)


@dataclass(frozen=True)
class ScoreGrowth:
    """How far a family's scores can grow over a run, for a family whose weights move by a step per
    update (`engines.check_scores_fit`): a score's size stays below `fixed + per_step * step`, where
    `step` is the value of config key `key` (`current`) times `units`, at least 1; `widest` is the
    widest row in feature units (named in the refusal)."""

    key: str
    units: int
    current: float
    fixed: float
    per_step: float
    widest: float


@dataclass(frozen=True)
class ContractLayout:
    """How a family's integer state sits in the trainer contract's numbered rows (its `.vy` module
    keeps them; the evm engine writes and reads them without knowing the family).

    The owner writes each non-zero entry of `initial_rows` before opening the contract
    (`set_state(row, indices, values)`); anyone reads a row of `row_widths(model)[row]` entries
    (`model_state(row, first, count)`); `rebuild` turns the rows read back into a model of the
    template's family and parameters. Gas figures are per `set_state` entry of a class (or
    weights) row and of the samples row, measured on a dev node (`benchmarks/bench_state_gas.py`);
    `gas_envelope` is (base, per_feature, per_present) of the calls others depend on
    (`config.evm_gas_need`, measured by `benchmarks/bench_gas_limits.py --node`)."""

    constructor_args: Callable[[Model], tuple[int, int, int]]
    """(num_classes, the family's parameter, intercept) as the contract's constructor takes them."""
    initial_rows: Callable[[Model], Iterator[tuple[int, np.ndarray]]]
    row_widths: Callable[[Model], list[int]]
    rebuild: Callable[[Model, list[np.ndarray]], Model]
    samples_row: Callable[[Model], int | None]
    """The row of samples seen per class (written at its own gas per entry), or None."""
    entry_gas: int
    gas_envelope: tuple[int, int, int]
    samples_entry_gas: int = 50_000
    """Gas of one entry of the samples-per-class row (naive Bayes also rewrites the class's log prior)."""


def class_rows(per_class: str, rebuild: Callable[[Model, np.ndarray, np.ndarray], Model], entry_gas: int,
               gas_envelope: tuple[int, int, int], parameter: Callable[[Model], int] = lambda model: 0) -> ContractLayout:
    """The multi-class families on the contract: row c the `per_class` state of class c (counts,
    centroids), row `num_classes` the samples seen per class; `parameter` the constructor's family
    parameter (naive Bayes's smoothing)."""
    return ContractLayout(
        constructor_args=lambda model: (model.num_classes, parameter(model), 0),
        initial_rows=lambda model: iter([*enumerate(getattr(model, per_class)),
                                         (model.num_classes, model.class_samples)]),
        row_widths=lambda model: [model.num_features] * model.num_classes + [model.num_classes],
        rebuild=lambda template, rows: rebuild(template, np.stack(rows[:-1]), rows[-1]),
        samples_row=lambda model: model.num_classes,
        entry_gas=entry_gas,
        gas_envelope=gas_envelope,
    )
