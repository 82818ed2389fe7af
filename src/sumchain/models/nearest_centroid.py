"""Nearest centroid classifiers in fixed point, on sparse or dense samples (SUM's NCC contracts).

State (integers): per class a centroid (the running mean of its samples) and the number of
samples it has seen. The predicted class is the nearest centroid in squared Euclidean distance,
the lowest index on a tie.

Fixed-point choices, and why:

- centroids are held in `CENTROID_SCALE` units per 1.0 of a feature value (10**6): `SCALE` units
  of the sample times `PRECISION` (1,000) more, because a running mean moves by
  `(x - centroid) / (n + 1)`, and at `SCALE` alone that step rounds to 0 once a class has seen
  about 1,000 samples (the centroid would freeze); with 10**6 units it keeps moving up to about
  a million samples per class;
- the update is `centroid += (x - centroid) / (n + 1)`, divided toward zero (the EVM's signed
  division): each coordinate moves toward x and never past it, so the updated class's centroid
  never gets farther from x (the label's margin does not fall);
- the distance drops the |x|^2 term every class shares: score = 2 x . c - |c|^2, larger is
  nearer. With samples and centroids both below `max_input` units, the largest term is
  `4 * d * max_input**2`, which must stay below 2**63: that bounds the width a model can take
  (refused at construction with the bound in the message).

`nearest_centroid` takes sparse binary samples (a present feature is 1.0), `dense_nearest_centroid`
dense fixed-point ones (values up to `MAX_DENSE_UNITS`); both share this code.
"""

from __future__ import annotations

import numpy as np

from sumchain.errors import DataError
from sumchain.models.protocol import (MAX_DENSE_UNITS, SCALE, ContractLayout, accuracy, as_csr, class_rows,
                                      dense_rows, dense_sample, div_toward_zero, margin_of, present_sums, row_products, sparse_sample,
                                      top_class)

PRECISION = 1000
CENTROID_SCALE = SCALE * PRECISION
"""Centroid units per 1.0 of a feature value."""


class NearestCentroid:
    def __init__(self, num_features: int, num_classes: int, dense: bool = False,
                 centroids: np.ndarray | None = None, class_samples: np.ndarray | None = None):
        if num_features < 1 or num_classes < 2:
            raise ValueError("nearest centroid needs num_features >= 1 and num_classes >= 2")
        self.num_features, self.num_classes, self.dense = int(num_features), int(num_classes), bool(dense)
        self.family = "dense_nearest_centroid" if dense else "nearest_centroid"
        self.input_kind = "dense" if dense else "sparse"
        max_input = MAX_DENSE_UNITS * PRECISION if dense else CENTROID_SCALE
        if 4 * self.num_features * max_input ** 2 >= 2 ** 63:
            widest = (2 ** 63 - 1) // (4 * max_input ** 2)
            raise DataError(f"{self.family} computes distances exactly in 64-bit integers and takes at most "
                            f"{widest:,} features; got {self.num_features:,}")
        shape = (self.num_classes, self.num_features)
        self.centroids = np.zeros(shape, np.int64) if centroids is None else np.array(centroids, dtype=np.int64)
        self.class_samples = (np.zeros(self.num_classes, np.int64) if class_samples is None
                              else np.array(class_samples, dtype=np.int64))
        if self.centroids.shape != shape or self.class_samples.shape != (self.num_classes,):
            raise ValueError(f"centroids must have shape {shape} and class_samples ({self.num_classes},)")
        self._norms = np.einsum("ij,ij->i", self.centroids, self.centroids)

    def __repr__(self) -> str:
        return f"NearestCentroid(num_features={self.num_features}, num_classes={self.num_classes}, dense={self.dense})"

    def _in_centroid_units(self, x: np.ndarray) -> np.ndarray:
        if self.dense:
            return np.asarray(x, dtype=np.int64) * PRECISION
        full = np.zeros(self.num_features, dtype=np.int64)
        full[np.asarray(x, dtype=np.int64)] = CENTROID_SCALE
        return full

    def scores(self, x: np.ndarray) -> np.ndarray:
        """2 x.c - |c|^2 per class: the negated squared distance without the shared |x|^2."""
        return 2 * (self.centroids @ self._in_centroid_units(x)) - self._norms

    def predict(self, x: np.ndarray) -> int:
        return top_class(self.scores(x))

    def margin(self, x: np.ndarray, y: int) -> int:
        return margin_of(self.scores(x), y)

    def update(self, x: np.ndarray, y: int) -> bool:
        target = self._in_centroid_units(x)
        n = int(self.class_samples[y])
        self.centroids[y] += div_toward_zero(target - self.centroids[y], n + 1)
        self.class_samples[y] = n + 1
        self._norms[y] = int(self.centroids[y] @ self.centroids[y])
        return True

    def sample(self, indices: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        return dense_sample(self.num_features, indices, values) if self.dense else sparse_sample(indices, values)

    def predict_many(self, X) -> np.ndarray:
        if self.dense:
            dots = row_products(dense_rows(X), self.centroids) * PRECISION
        else:
            dots = present_sums(X, self.centroids) * CENTROID_SCALE
        scores = 2 * dots - self._norms
        return top_class(scores).astype(np.int64) if scores.shape[0] else np.zeros(0, np.int64)

    def evaluate(self, X, y) -> float:
        return accuracy(self.predict_many(X), y) if X.shape[0] else float("nan")

    def copy(self) -> "NearestCentroid":
        return NearestCentroid(self.num_features, self.num_classes, self.dense, self.centroids, self.class_samples)

    def state(self) -> tuple[int, ...]:
        return (*self.class_samples.tolist(), *self.centroids.ravel().tolist())


def fit_nearest_centroid(X, y, num_classes: int, dense: bool = False) -> NearestCentroid:
    """The initial fit: the same running means over the training rows in order (exact integers)."""
    model = NearestCentroid(X.shape[1], num_classes, dense)
    X = as_csr(X)
    indptr, indices, data = X.indptr, X.indices, X.data
    for i, label in enumerate(np.asarray(y, dtype=np.int64)):
        lo, hi = indptr[i], indptr[i + 1]
        model.update(model.sample(indices[lo:hi], data[lo:hi] if dense else None), int(label))
    return model


def _centroid_rows(entry_gas: int, gas_envelope: tuple[int, int, int]) -> ContractLayout:
    return class_rows("centroids", lambda t, centroids, samples: NearestCentroid(
        t.num_features, t.num_classes, t.dense, centroids, samples), entry_gas, gas_envelope)


CONTRACT = _centroid_rows(24_000, (203_128, 5_824, 5_221))
DENSE_CONTRACT = _centroid_rows(24_000, (227_654, 6_544, 0))
