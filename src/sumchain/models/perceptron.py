"""A sparse binary perceptron with integer weights, as it would live on chain.

Why integers: the contract must give the same answer on every engine, to the last unit, so the
weights and intercept are fixed-point integers (`SCALE` units per 1.0) and `update` moves them by
exactly `learning_rate` units. Floating point only appears off chain, in the initial training,
and is rounded once (`quantise`) before deployment.

Features are sparse and binary: a sample is the sorted array of its present feature indices.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sumchain.errors import DataError
from sumchain.models.protocol import SCALE, ContractLayout, ScoreGrowth, accuracy, sparse_sample

_add = np.add.reduce

DEFAULT_EPOCHS = 5

TRAINING_VERSION = 1
"""The off-chain training procedure's version: bump it when `train_offchain` changes what it learns
(cached baseline accuracies are keyed by it)."""


class SparsePerceptron:
    """Predict 1 when `intercept + sum(weights[x]) > 0`, else 0; learn only from mistakes."""

    family = "perceptron"
    input_kind = "sparse"
    num_classes = 2

    def __init__(self, num_features: int, learning_rate: int = SCALE,
                 weights: np.ndarray | None = None, intercept: int = 0):
        if num_features < 1:
            raise ValueError("num_features must be >= 1")
        self.num_features = int(num_features)
        self.learning_rate = int(learning_rate)
        self.weights = (np.zeros(self.num_features, dtype=np.int64) if weights is None
                        else np.asarray(weights, dtype=np.int64).copy())
        if self.weights.shape != (self.num_features,):
            raise ValueError(f"weights must have shape ({self.num_features},)")
        self.intercept = int(intercept)

    def __repr__(self) -> str:
        return f"SparsePerceptron(num_features={self.num_features}, learning_rate={self.learning_rate})"

    # -- one sample ------------------------------------------------------------------------
    def score(self, x: np.ndarray) -> int:
        return self.intercept + int(_add(self.weights.take(x)))       # ndarray.sum's Python wrapper skipped

    def predict(self, x: np.ndarray) -> int:
        return 1 if self.score(x) > 0 else 0

    def margin(self, x: np.ndarray, y: int) -> int:
        """How far the score lies on `y`'s side of the boundary, in fixed-point score units: the score of
        class `y` minus the other class's (class 0 scores 0). Negative when the model disagrees with `y`.
        The hook a mechanism that prices by plausibility asks for (`incentives.quality_priced`)."""
        return self.score(x) if y == 1 else -self.score(x)

    def sample(self, indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        return sparse_sample(indices, values)

    def update(self, x: np.ndarray, y: int) -> bool:
        """Move towards `y` if the model gets `x` wrong; return whether anything changed."""
        if self.predict(x) == y:
            return False
        step = self.learning_rate if y == 1 else -self.learning_rate
        # np.add.at handles repeated indices; sorted unique indices make plain += equivalent.
        self.weights[x] += step
        self.intercept += step
        return True

    # -- many samples ----------------------------------------------------------------------
    def scores(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.weights, dtype=np.int64) + self.intercept

    def predict_many(self, X: sp.csr_matrix) -> np.ndarray:
        return (self.scores(X) > 0).astype(np.int64)

    def evaluate(self, X: sp.csr_matrix, y: np.ndarray) -> float:
        """Accuracy on a labelled set, in one sparse matrix-vector product."""
        return accuracy(self.predict_many(X), y) if X.shape[0] else float("nan")

    def copy(self) -> "SparsePerceptron":
        return SparsePerceptron(self.num_features, self.learning_rate, self.weights, self.intercept)

    def state(self) -> tuple[int, ...]:
        """The exact state, for comparing engines and hashing: the intercept, then every weight."""
        return (self.intercept, *self.weights.tolist())


def train_offchain(X: sp.csr_matrix, y: np.ndarray, seed: int, epochs: int = DEFAULT_EPOCHS,
                   learning_rate: int = SCALE) -> SparsePerceptron:
    """Initial training off chain: an averaged perceptron over shuffled epochs, then quantised.

    Why averaged: the plain perceptron's last iterate depends heavily on the last few samples it
    saw; averaging the iterates (Freund & Schapire's voted perceptron, in its averaged form) gives a
    stable, well-generalising start. The average is rounded to `SCALE` units per 1.0 so that one
    on-chain update (`learning_rate`, default 1.0) weighs the same as one off-chain mistake.
    """
    X = sp.csr_matrix(X)
    y = binary_labels(y, "perceptron")
    n, d = X.shape
    w = np.zeros(d, dtype=np.float64)          # current iterate, in update units
    u = np.zeros(d, dtype=np.float64)          # sum of c * update, for lazy averaging
    b = 0.0
    ub = 0.0
    c = 1.0
    rng = np.random.default_rng(seed)
    indptr, indices = X.indptr, X.indices
    signs = np.where(y == 1, 1.0, -1.0)
    for _ in range(epochs):
        for i in rng.permutation(n):
            x = indices[indptr[i]:indptr[i + 1]]
            s = signs[i]
            if s * (b + w[x].sum()) <= 0:
                w[x] += s
                u[x] += c * s
                b += s
                ub += c * s
            c += 1.0
    average_w = w - u / c
    average_b = b - ub / c
    return quantise(average_w, average_b, learning_rate)


def binary_labels(y, family: str) -> np.ndarray:
    """The labels of a binary family's training data, refused unless they are 0 or 1."""
    y = np.asarray(y)
    labels = set(np.unique(y).tolist())
    if not labels <= {0, 1}:
        raise DataError(f"the {family} is binary: labels must be 0 or 1, got classes {sorted(labels)}; "
                        f"for more classes use model=naive_bayes or model=nearest_centroid")
    return y


def quantise(weights: np.ndarray, intercept: float, learning_rate: int = SCALE) -> SparsePerceptron:
    """Round float weights (in units of one off-chain update) to `SCALE` units per 1.0.

    `learning_rate` is the on-chain step in the same fixed-point units: `SCALE` makes one
    contribution move a weight as much as one off-chain mistake did; less makes the deployed
    model's initial training weigh more against later contributions.
    """
    w = np.rint(np.asarray(weights) * SCALE).astype(np.int64)
    return SparsePerceptron(len(w), learning_rate, w, int(np.rint(intercept * SCALE)))


def state_evidence(model: SparsePerceptron) -> tuple[dict[str, int], bytes]:
    """The perceptron's part of a run's state digest: its intercept and its weights as little-endian
    int64, as ledgers saved before the model protocol existed hold it (so they still verify)."""
    return {"intercept": int(model.intercept)}, model.weights.astype("<i8").tobytes()


def weight_rows(gas_envelope: tuple[int, int, int]) -> ContractLayout:
    """The perceptrons on the contract: row 0 the weights by feature, row 1 the intercept (set by
    the constructor, with the on-chain step)."""
    return ContractLayout(
        constructor_args=lambda model: (2, model.learning_rate, model.intercept),
        initial_rows=lambda model: iter([(0, model.weights)]),
        row_widths=lambda model: [model.num_features, 1],
        rebuild=lambda template, rows: type(template)(template.num_features, template.learning_rate, rows[0],
                                                      int(rows[1][0])),
        samples_row=lambda model: None,
        entry_gas=23_200,
        gas_envelope=gas_envelope,
    )


CONTRACT = weight_rows((224_200, 1, 2_814))


def score_growth(config, rows: list[sp.csr_matrix], n: int, updates: int) -> ScoreGrowth:
    """A weight starts within (epochs * n) steps of one (the off-chain fit moves it at most once per
    row and epoch) and moves at most one step per update; a score sums a row's present features and
    the intercept."""
    widest = max((int(np.diff(X.indptr).max()) for X in rows), default=0) + 1    # features and intercept
    return ScoreGrowth("learning_rate", SCALE, config.learning_rate, DEFAULT_EPOCHS * n * SCALE * widest,
                       updates * widest, widest)
