"""Each model family as the trainer contract holds it: constructor arguments, state rows, sample wire.

The contract (`contracts/trainer.vy`, compiled once per family) keeps a family's integer state in
numbered rows that the owner writes in chunks before opening the contract (`set_state(row, indices,
values)`) and anyone reads (`model_state(row, first, count)`):

- perceptron, dense_perceptron: row 0 the weights by feature; row 1 the intercept (set at deployment);
- naive_bayes: row c the feature counts of class c; row `num_classes` the samples seen per class;
- nearest_centroid, dense_nearest_centroid: row c the centroid of class c (`CENTROID_SCALE` units);
  row `num_classes` the samples seen per class.

Only non-zero entries are written (storage starts at zero), so a fresh model costs little to deploy.
Each `set_state` transaction carries as many entries as fit one transaction's gas (`state_chunks`):
at most 2**24 gas on a current chain (EIP-7825), from the gas one entry costs in each family.
A sparse sample travels as packed 16-bit feature indices (`abi.pack`), a dense one as packed 32-bit
fixed-point values (`abi.pack_dense`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from sumchain.engines.evm import abi
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.errors import SumchainError
from sumchain.models import Model
from sumchain.models.naive_bayes import NaiveBayes
from sumchain.models.nearest_centroid import NearestCentroid

PERCEPTRONS = ("perceptron", "dense_perceptron")
"""Families whose state is weights and an intercept; the others keep a row per class plus the samples
seen per class."""


MAX_CHUNK = 1024
"""The contract's bound on the entries of one `set_state` call."""

ENTRY_GAS = {"perceptron": 23_200, "dense_perceptron": 23_200, "naive_bayes": 50_500,
             "nearest_centroid": 24_000, "dense_nearest_centroid": 24_000}
"""Gas of one more entry in a `set_state` call, by family, for a class (or weights) row: a fresh
storage write (22,100) plus its calldata and loop, rounded up over the worst case measured on the dev
node (`benchmarks/bench_state_gas.py`); a naive Bayes count also writes its fixed-point log."""
SAMPLES_ENTRY_GAS = 50_000
"""Gas of one entry of the samples-per-class row (naive Bayes also rewrites the class's log prior)."""
CALL_GAS = 125_000
"""Gas of a `set_state` call beyond its entries: the transaction (21,000), the call and its checks."""
HEADROOM = (15, 16)
"""The chunk's estimated gas stays below 15/16 of the limit: a margin over the measured figures."""


def write_chunk(model: Model, max_tx_gas: int = TX_GAS_CAP, samples_row: bool = False) -> int:
    """State entries per initialisation transaction, so that one fits `max_tx_gas` (default 2**24)."""
    per_entry = SAMPLES_ENTRY_GAS if samples_row else ENTRY_GAS[model.family]
    budget = max_tx_gas * HEADROOM[0] // HEADROOM[1] - CALL_GAS
    entries = min(MAX_CHUNK, budget // per_entry)
    if entries < 1:
        raise SumchainError(f"--max-tx-gas {max_tx_gas:,} is too small for one {model.family} state entry "
                            f"({CALL_GAS + per_entry:,} gas with the margin); give at least "
                            f"{(CALL_GAS + per_entry) * HEADROOM[1] // HEADROOM[0] + 1:,}")
    return entries


@dataclass(frozen=True)
class StateChunk:
    """One `set_state` transaction: entries `first`.. of row `row`'s non-zero entries."""

    row: int
    first: int
    indices: np.ndarray
    values: np.ndarray

    @property
    def what(self) -> str:
        return f"set_state row {self.row} entries {self.first}-{self.first + len(self.indices) - 1}"


def state_chunks(model: Model, max_tx_gas: int = TX_GAS_CAP) -> list[StateChunk]:
    """The deployment's state transactions, in order; the same for the same model and limit, so an
    interrupted deployment resumes by skipping the ones it confirmed."""
    chunks = []
    rows = list(initial_rows(model))
    samples = model.num_classes if model.family not in PERCEPTRONS else None
    for row, values in rows:
        size = write_chunk(model, max_tx_gas, samples_row=row == samples)
        nonzero = np.flatnonzero(values)
        for start in range(0, len(nonzero), size):
            indices = nonzero[start:start + size]
            chunks.append(StateChunk(row, start, indices, np.asarray(values[indices], dtype=np.int64)))
    return chunks


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

