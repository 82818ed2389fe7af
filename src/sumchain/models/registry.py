"""The model families by name (`model = ...`): how each is fitted off chain and what it allows.

A family's `fit(X, y, num_classes=, seed=, step=, params=)` is its initial training off chain:
`step` is the perceptrons' on-chain step (`learning_rate` in fixed point), `params` the family's
own parameters (`Config.model_parameters()`: its table, `config.MODEL_TABLES`). Bump a
family's `training_version` when its fit changes what it learns (cached baselines are keyed by it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sumchain.models.dense_perceptron import fit_dense_perceptron
from sumchain.models.logistic_regression import fit_logistic_regression
from sumchain.models.naive_bayes import fit_naive_bayes
from sumchain.models.nearest_centroid import fit_nearest_centroid
from sumchain.models.perceptron import DEFAULT_EPOCHS, TRAINING_VERSION, train_offchain
from sumchain.models.protocol import SCALE, Model


@dataclass(frozen=True)
class Family:
    name: str
    fit_rows: Callable[..., Model]
    input_kind: str
    binary_only: bool
    training_version: int
    summary: str

    def fit(self, X, y, *, num_classes: int, seed: int, step: int = SCALE,
            params: Mapping[str, Any] | None = None) -> Model:
        return self.fit_rows(X, y, num_classes=num_classes, seed=seed, step=step, **dict(params or {}))


MODELS: dict[str, Family] = {f.name: f for f in (
    Family("perceptron", lambda X, y, *, num_classes, seed, step: train_offchain(X, y, seed=seed, learning_rate=step),
           "sparse", True, TRAINING_VERSION * 100 + DEFAULT_EPOCHS,
           "sparse binary perceptron (averaged off chain), learns from mistakes"),
    Family("dense_perceptron", lambda X, y, *, num_classes, seed, step: fit_dense_perceptron(X, y, seed, step),
           "dense", True, 1, "perceptron over dense fixed-point feature values"),
    Family("naive_bayes", lambda X, y, *, num_classes, seed, step, smoothing: fit_naive_bayes(X, y, num_classes,
                                                                                              smoothing),
           "sparse", False, 1, "multinomial naive Bayes, integer counts, fixed-point log2"),
    Family("nearest_centroid", lambda X, y, *, num_classes, seed, step: fit_nearest_centroid(X, y, num_classes),
           "sparse", False, 1, "nearest centroid, running means in fixed point, sparse binary samples"),
    Family("dense_nearest_centroid",
           lambda X, y, *, num_classes, seed, step: fit_nearest_centroid(X, y, num_classes, dense=True),
           "dense", False, 1, "nearest centroid over dense fixed-point feature values"),
    Family("logistic_regression", lambda X, y, *, num_classes, seed, step, eta0, t0: fit_logistic_regression(
        X, y, seed, eta0, t0), "sparse", True, 1, "binary logistic regression, online SGD, PLAN sigmoid"),
)}
