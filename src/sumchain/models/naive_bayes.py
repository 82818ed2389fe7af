"""Multinomial naive Bayes with integer counts and fixed-point log-probabilities (SUM's NB contract).

State (all integers): per class the number of samples `n[c]`, the number of feature occurrences
`total[c]`, and per class and feature the occurrence count `count[c, i]`. A sample is sparse
binary (its present features; each counts once), as the data layer gives words.

Score of class c for a sample x with m present features, in `LOG_ONE` units per 1.0 of log2:

    log2(n[c]*S + a) + sum over i in x of log2(count[c, i]*S + a) - m * log2(total[c]*S + a*d)

which is log2 of the smoothed prior times the smoothed likelihoods, without the terms every class
shares. `a` is the smoothing (additive, Laplace at 1.0) in `S = SMOOTHING_SCALE` units per 1.0, so
counts are scaled by `S` to match and any smoothing down to 0.001 is exact. The predicted class is
the highest score, the lowest index on a tie.

How the logarithms are computed in integers (so an EVM contract reproduces them exactly): by
`fixedpoint.log2_fixed`, integer part from the bit length and 16 fractional bits by repeated
squaring of a 30-bit mantissa, never floats. They are precomputed at update time: an update with
x and y changes only `count[y, i]` for i in x, `n[y]` and `total[y]`, so exactly those log
entries are recomputed; a prediction then only adds table entries. Every update changes the model
(counts only grow), so `update` returns True.

Why an update does not lower the label's score: in exact arithmetic, with smoothing, the
likelihood of the m added occurrences rises at least as fast as the normaliser (convexity of
log(1 + 1/c)), the prior rises, and the other classes' scores do not move. Each integer log is
truncated by less than one unit (2**-16), so in fixed point the score could fall by a few units
where the exact rise is smaller than that; the conformance suite checks real samples (it never did).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from sumchain.config import FIXED_POINT_UNITS, check
from sumchain.models.fixedpoint import log2_fixed
from sumchain.models.protocol import accuracy, as_csr, class_rows, margin_of, present_sums, sparse_sample, top_class

SMOOTHING_SCALE = 1000
"""Units per 1.0 of the smoothing (and the factor on every count): smoothing 0.001 is one unit."""


@dataclass(frozen=True)
class Parameters:
    """`model = "naive_bayes"`: additive (Laplace) smoothing of the counts, >= 0.001."""

    smoothing: float = field(default=1.0, metadata={"doc": "additive smoothing of the counts"})

    def check(self, config) -> None:
        """At least one fixed-point unit, and small enough that every smoothed count's logarithm fits."""
        limit = 2**61 / (FIXED_POINT_UNITS * config.num_words)
        check(0.001 <= self.smoothing <= limit, "naive_bayes.smoothing",
              f"must be from 0.001 (one fixed-point unit) to {limit:.4g} (smoothing * 1000 * num_words "
              f"within 2**61, half the fixed-point logarithm's input range)", self.smoothing)

DEFAULT_SMOOTHING = 1.0


class NaiveBayes:
    family = "naive_bayes"
    input_kind = "sparse"

    def __init__(self, num_features: int, num_classes: int, smoothing_units: int = SMOOTHING_SCALE,
                 counts: np.ndarray | None = None, class_samples: np.ndarray | None = None):
        if num_features < 1 or num_classes < 2:
            raise ValueError("naive Bayes needs num_features >= 1 and num_classes >= 2")
        if smoothing_units < 1:
            raise ValueError("smoothing must be at least one unit (0.001)")
        self.num_features, self.num_classes = int(num_features), int(num_classes)
        self.smoothing_units = int(smoothing_units)
        shape = (self.num_classes, self.num_features)
        self.counts = np.zeros(shape, np.int64) if counts is None else np.array(counts, dtype=np.int64)
        self.class_samples = (np.zeros(self.num_classes, np.int64) if class_samples is None
                              else np.array(class_samples, dtype=np.int64))
        if self.counts.shape != shape or self.class_samples.shape != (self.num_classes,):
            raise ValueError(f"counts must have shape {shape} and class_samples ({self.num_classes},)")
        self.totals = self.counts.sum(axis=1)
        self._log_counts = log2_fixed(self.counts * SMOOTHING_SCALE + self.smoothing_units)
        self._log_priors = log2_fixed(self.class_samples * SMOOTHING_SCALE + self.smoothing_units)
        self._log_totals = log2_fixed(self.totals * SMOOTHING_SCALE + self.smoothing_units * self.num_features)
        self._count_logs: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"NaiveBayes(num_features={self.num_features}, num_classes={self.num_classes}, "
                f"smoothing={self.smoothing_units / SMOOTHING_SCALE:g})")

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Every class's score for one sample, in `LOG_ONE` units."""
        return self._log_priors + self._log_counts[:, x].sum(axis=1) - len(x) * self._log_totals

    def predict(self, x: np.ndarray) -> int:
        return top_class(self.scores(x))

    def margin(self, x: np.ndarray, y: int) -> int:
        return margin_of(self.scores(x), y)

    def update(self, x: np.ndarray, y: int) -> bool:
        x = np.asarray(x, dtype=np.int64)
        self.counts[y, x] += 1
        self.class_samples[y] += 1
        self.totals[y] += len(x)
        self._log_counts[y, x] = self._log_of_counts(self.counts[y, x])
        self._log_priors[y] = log2_fixed(int(self.class_samples[y]) * SMOOTHING_SCALE + self.smoothing_units)
        self._log_totals[y] = log2_fixed(int(self.totals[y]) * SMOOTHING_SCALE
                                         + self.smoothing_units * self.num_features)
        return True

    def _log_of_counts(self, counts: np.ndarray) -> np.ndarray:
        """`log2_fixed(count * S + a)` for each count, from a table of every count up to the largest
        seen (grown by doubling): the same integers, without 16 rounds of array squaring per update."""
        table = self._count_logs
        largest = int(counts.max()) if counts.size else 0
        if table is None or largest >= len(table):
            size = max(64, 2 * (largest + 1))
            table = self._count_logs = log2_fixed(np.arange(size, dtype=np.int64) * SMOOTHING_SCALE
                                                  + self.smoothing_units)
        return table[counts]

    def sample(self, indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        return sparse_sample(indices, values)

    def predict_many(self, X) -> np.ndarray:
        present = np.diff(X.indptr).astype(np.int64)
        scores = present_sums(X, self._log_counts) + self._log_priors - present[:, None] * self._log_totals
        return top_class(scores).astype(np.int64) if len(present) else np.zeros(0, np.int64)

    def evaluate(self, X, y) -> float:
        return accuracy(self.predict_many(X), y) if X.shape[0] else float("nan")

    def copy(self) -> "NaiveBayes":
        return NaiveBayes(self.num_features, self.num_classes, self.smoothing_units, self.counts, self.class_samples)

    def state(self) -> tuple[int, ...]:
        return (self.smoothing_units, *self.class_samples.tolist(), *self.counts.ravel().tolist())


def fit_naive_bayes(X, y, num_classes: int, smoothing: float = DEFAULT_SMOOTHING) -> NaiveBayes:
    """The initial fit: exact counts over the training rows (no randomness, no rounding)."""
    X = as_csr(X)
    y = np.asarray(y, dtype=np.int64)
    binary = sp.csr_matrix((np.ones(len(X.indices), np.int64), X.indices, X.indptr), shape=X.shape)
    onehot = sp.csr_matrix((np.ones(len(y), np.int64), (y, np.arange(len(y)))), shape=(num_classes, len(y)))
    counts = np.asarray((onehot @ binary).todense(), dtype=np.int64)
    return NaiveBayes(X.shape[1], num_classes, round(smoothing * SMOOTHING_SCALE), counts,
                      np.bincount(y, minlength=num_classes))


CONTRACT = class_rows(
    "counts", lambda t, counts, samples: NaiveBayes(t.num_features, t.num_classes, t.smoothing_units, counts, samples),
    entry_gas=50_500, gas_envelope=(261_504, 1, 5_221), parameter=lambda model: model.smoothing_units)
"""A count's entry also writes its fixed-point log."""
