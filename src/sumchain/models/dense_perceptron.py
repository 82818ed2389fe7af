"""A perceptron over dense numeric features, in fixed point (SUM's dense perceptron contract).

Fixed-point choices, and why:

- a sample is every feature's value in `SCALE` units per 1.0 (`protocol.py`), a weight is in
  `SCALE` units per 1.0 too, so `weights . x` is in `SCALE**2` units and the intercept is scaled up
  by `SCALE` once before it is added: no division at prediction time, so no rounding at all;
- an update on a mistake moves each weight by `learning_rate * x_i / SCALE`, divided toward zero
  (the EVM's signed division), and the intercept by `learning_rate`: one update weighs a feature by
  its value, as the float perceptron does. On binary rows (values 0 or `SCALE`) the division is
  exact and the model behaves exactly as the sparse `perceptron` (the tests check this), so the
  two families can be compared on the same data;
- the initial fit is the same averaged perceptron as the sparse family's (5 seeded epochs), over
  the rows' real values, rounded once (`quantise_dense`).

Values are bounded by `MAX_DENSE_UNITS` (about ±32.8): with weights that grow by at most
`learning_rate * 32.8` per update, a 1,000-feature score stays below 2**63 for far more updates than
any run makes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sumchain.models.perceptron import DEFAULT_EPOCHS, SparsePerceptron, binary_labels, weight_rows
from sumchain.models.protocol import SCALE, ScoreGrowth, dense_rows, dense_sample, div_toward_zero


class DensePerceptron(SparsePerceptron):
    """Predict 1 when `weights . x + intercept * SCALE > 0`, else 0; learn only from mistakes.

    The sparse perceptron's state and rules, over dense fixed-point samples."""

    family = "dense_perceptron"
    input_kind = "dense"

    def __repr__(self) -> str:
        return f"DensePerceptron(num_features={self.num_features}, learning_rate={self.learning_rate})"

    def score(self, x: np.ndarray) -> int:
        return int(self.weights @ x) + self.intercept * SCALE

    def update(self, x: np.ndarray, y: int) -> bool:
        if self.predict(x) == y:
            return False
        step = self.learning_rate if y == 1 else -self.learning_rate
        self.weights += div_toward_zero(step * np.asarray(x, dtype=np.int64), SCALE)
        self.intercept += step
        return True

    def sample(self, indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        return dense_sample(self.num_features, indices, values)

    def scores(self, X) -> np.ndarray:
        return np.asarray(dense_rows(X) @ self.weights, dtype=np.int64) + self.intercept * SCALE

    def copy(self) -> "DensePerceptron":
        return DensePerceptron(self.num_features, self.learning_rate, self.weights, self.intercept)


def fit_dense_perceptron(X, y, seed: int, learning_rate: int = SCALE,
                         epochs: int = DEFAULT_EPOCHS) -> DensePerceptron:
    """The averaged perceptron of `perceptron.train_offchain`, over the rows' real values."""
    X = sp.csr_matrix(X)
    signs = np.where(binary_labels(y, "dense_perceptron") == 1, 1.0, -1.0)
    n, d = X.shape
    w, u = np.zeros(d), np.zeros(d)
    b = ub = 0.0
    c = 1.0
    rng = np.random.default_rng(seed)
    indptr, indices, data = X.indptr, X.indices, np.asarray(X.data, dtype=np.float64)
    for _ in range(epochs):
        for i in rng.permutation(n):
            x, v, s = indices[indptr[i]:indptr[i + 1]], data[indptr[i]:indptr[i + 1]], signs[i]
            if s * (b + w[x] @ v) <= 0:
                w[x] += s * v
                u[x] += c * s * v
                b += s
                ub += c * s
            c += 1.0
    weights = np.rint((w - u / c) * SCALE).astype(np.int64)
    return DensePerceptron(d, learning_rate, weights, int(np.rint((b - ub / c) * SCALE)))


CONTRACT = weight_rows((192_105, 3_090, 0))
"""The sparse perceptron's rows; a dense call reads every feature's value (per_feature covers it)."""


def score_growth(config, rows: list[sp.csr_matrix], n: int, updates: int) -> ScoreGrowth:
    """As the perceptron's, with each step times the largest |value| and a score summing a row's
    values: score < (start + updates * step * value) * widest + (epochs * n * SCALE + updates * step) * SCALE."""
    value = max((float(abs(X).max()) if X.nnz else 0.0 for X in rows), default=0.0)
    widest = max((float(abs(X).sum(axis=1).max()) for X in rows), default=0.0) * SCALE    # fixed point
    start = DEFAULT_EPOCHS * n * value * SCALE
    return ScoreGrowth("learning_rate", SCALE, config.learning_rate, start * widest + DEFAULT_EPOCHS * n * SCALE * SCALE,
                       updates * (value * widest + SCALE), widest)
