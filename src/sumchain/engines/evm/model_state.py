"""Each model family as the trainer contract holds it: constructor arguments, state rows, sample wire.

The contract (`contracts/trainer.vy`, compiled once per family) keeps a family's integer state in
numbered rows that the owner writes in chunks before opening the contract (`set_state(row, indices,
values)`) and anyone reads (`model_state(row, first, count)`). Which rows a family has, and how its
model is rebuilt from them, its own module says (`models.protocol.ContractLayout`, the family
descriptor's `contract`); this module only moves rows.

Only non-zero entries are written (storage starts at zero), so a fresh model costs little to deploy.
Each `set_state` transaction carries as many entries as fit one transaction's gas (`state_chunks`):
at most 2**24 gas on a current chain (EIP-7825), from the gas one entry costs in each family, and
at most the family contract's `MAX_CHUNK` entries.
A sparse sample travels as packed 16-bit feature indices (`abi.pack`), a dense one as packed 32-bit
fixed-point values (`abi.pack_dense`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from sumchain.components import vyper_constant
from sumchain.engines.evm import abi
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.errors import SumchainError
from sumchain.models import MODELS, Model
from sumchain.models.protocol import ContractLayout

CALL_GAS = 125_000
"""Gas of a `set_state` call beyond its entries: the transaction (21,000), the call and its checks."""
HEADROOM = (15, 16)
"""The chunk's estimated gas stays below 15/16 of the limit: a margin over the measured figures."""


def layout(model: Model) -> ContractLayout:
    """The family's rows on the contract (its descriptor, `models.MODELS[family].contract`)."""
    contract = MODELS[model.family].contract
    if contract is None:
        raise SumchainError(f"model={model.family} has no contract code; the EVM runs model="
                            f"{', '.join(name for name, family in MODELS.items() if family.contract)}")
    return contract


def write_chunk(model: Model, max_tx_gas: int = TX_GAS_CAP, samples_row: bool = False) -> int:
    """State entries per initialisation transaction, so that one fits `max_tx_gas` (default 2**24)."""
    contract = layout(model)
    per_entry = contract.samples_entry_gas if samples_row else contract.entry_gas
    budget = max_tx_gas * HEADROOM[0] // HEADROOM[1] - CALL_GAS
    entries = min(vyper_constant(model.family, "MAX_CHUNK"), budget // per_entry)
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
    samples = layout(model).samples_row(model)
    for row, values in rows:
        size = write_chunk(model, max_tx_gas, samples_row=row == samples)
        nonzero = np.flatnonzero(values)
        for start in range(0, len(nonzero), size):
            indices = nonzero[start:start + size]
            chunks.append(StateChunk(row, start, indices, np.asarray(values[indices], dtype=np.int64)))
    return chunks


def constructor_args(model: Model) -> tuple[int, int, int]:
    """(num_classes, the family's parameter, intercept) as the contract's constructor takes them."""
    return layout(model).constructor_args(model)


def initial_rows(model: Model) -> Iterator[tuple[int, np.ndarray]]:
    """(row, its full values) for every row the owner writes at deployment."""
    return layout(model).initial_rows(model)


def row_widths(model: Model) -> list[int]:
    """How many entries each readable row has, by row number."""
    return layout(model).row_widths(model)


def rebuild(template: Model, rows: list[np.ndarray]) -> Model:
    """A model of `template`'s family and parameters holding the state read from the contract."""
    return layout(template).rebuild(template, rows)


def wire(model: Model) -> tuple[Callable[[np.ndarray], bytes], Callable[[bytes], np.ndarray]]:
    """(pack, unpack) of a sample of this model between its input form and the contract's words."""
    if model.input_kind == "dense":
        width = model.num_features
        return abi.pack_dense, lambda words: abi.unpack_dense(words, width)
    return abi.pack, abi.unpack

