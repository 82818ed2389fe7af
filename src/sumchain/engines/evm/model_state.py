"""Each model family as the trainer contract holds it: constructor arguments, state rows, sample wire.

The contract (`contracts/trainer.vy`, compiled once per family) keeps a family's integer state in
numbered rows that the owner writes in chunks before opening the contract (`set_state(row, indices,
values)`) and anyone reads (`model_state(row, first, count)`):

- perceptron, dense_perceptron: row 0 the weights by feature; row 1 the intercept (set at deployment);
- naive_bayes: row c the feature counts of class c; row `num_classes` the samples seen per class;
- nearest_centroid, dense_nearest_centroid: row c the centroid of class c (`CENTROID_SCALE` units);
  row `num_classes` the samples seen per class.

Only non-zero entries are written (storage starts at zero), so a fresh model costs little to deploy.
A sparse sample travels as packed 16-bit feature indices (`abi.pack`), a dense one as packed 32-bit
fixed-point values (`abi.pack_dense`).
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from sumchain.engines.evm import abi
from sumchain.models import Model
from sumchain.models.naive_bayes import NaiveBayes
from sumchain.models.nearest_centroid import NearestCentroid

PERCEPTRONS = ("perceptron", "dense_perceptron")
"""Families whose state is weights and an intercept; the others keep a row per class plus the samples
seen per class."""


def write_chunk(model: Model) -> int:
    """State entries per initialisation transaction, so that one fits a 30M gas block: 1,000 fresh
    storage writes (23M gas), 500 naive Bayes counts (each also writes its fixed-point log)."""
    return 500 if model.family == "naive_bayes" else 1000


def constructor_args(model: Model) -> tuple[int, int, int]:
    """(num_classes, the family's parameter, intercept) as the contract's constructor takes them."""
    if model.family in PERCEPTRONS:
        return 2, model.learning_rate, model.intercept
    if model.family == "naive_bayes":
        return model.num_classes, model.smoothing_units, 0
    return model.num_classes, 0, 0


def _class_rows(model: Model) -> np.ndarray:
    return model.counts if model.family == "naive_bayes" else model.centroids


def initial_rows(model: Model) -> Iterator[tuple[int, np.ndarray]]:
    """(row, its full values) for every row the owner writes at deployment."""
    if model.family in PERCEPTRONS:
        yield 0, model.weights
        return
    yield from enumerate(_class_rows(model))
    yield model.num_classes, model.class_samples


def row_widths(model: Model) -> list[int]:
    """How many entries each readable row has, by row number."""
    if model.family in PERCEPTRONS:
        return [model.num_features, 1]
    return [model.num_features] * model.num_classes + [model.num_classes]


def rebuild(template: Model, rows: list[np.ndarray]) -> Model:
    """A model of `template`'s family and parameters holding the state read from the contract."""
    if template.family in PERCEPTRONS:
        return type(template)(template.num_features, template.learning_rate, rows[0], int(rows[1][0]))
    per_class, samples = np.stack(rows[:-1]), rows[-1]
    if template.family == "naive_bayes":
        return NaiveBayes(template.num_features, template.num_classes, template.smoothing_units, per_class, samples)
    return NearestCentroid(template.num_features, template.num_classes, template.dense, per_class, samples)


def wire(model: Model) -> tuple[Callable[[np.ndarray], bytes], Callable[[bytes], np.ndarray]]:
    """(pack, unpack) of a sample of this model between its input form and the contract's words."""
    if model.input_kind == "dense":
        width = model.num_features
        return abi.pack_dense, lambda words: abi.unpack_dense(words, width)
    return abi.pack, abi.unpack

