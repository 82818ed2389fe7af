"""The engine boundary: what every engine gives, and all that the layers above may use.

An engine deploys a **trainer** (the contract's public functions and free reads) on a **chain
handle** (the clock, the money and the record of calls). `sim/`, `experiments/`, `report/` and
`cli/` use only these two protocols, so `engine=python|evm|rpc` changes where the contract runs,
never what a simulator or a user's script calls. Participants are names (strings); an engine maps
them to its own addresses. Amounts are integers in base units (wei).
"""

from __future__ import annotations

from typing import Iterator, Mapping, Protocol, runtime_checkable

import numpy as np

from sumchain.contract import AddReceipt, ClaimPreview, ClaimRules, ContributionView
from sumchain.ledger import Block, Transaction
from sumchain.models import Model


@runtime_checkable
class ChainHandle(Protocol):
    """The chain a trainer runs on: a clock, balances, and the record of every call."""

    @property
    def now(self) -> int:
        """The timestamp the next call carries."""

    def advance(self, seconds: int) -> int:
        """Move the clock forward; returns the new time."""

    def advance_to(self, time: int) -> int:
        """Move the clock forward to `time` (never backwards)."""

    def fund(self, address: str, amount: int) -> None:
        """Give `address` `amount` new base units (recorded as a call)."""

    def balance_of(self, address: str) -> int: ...

    def gas_used(self) -> Mapping[tuple[str, str], int]:
        """Gas metered so far by (sender, function); empty on an engine without gas."""

    # -- persistence: the record of calls, replayable by `sumchain verify` ----------------------
    blocks: list[Block]

    def seal(self) -> str:
        """Close the open block; return the head hash (the hash of the whole history)."""

    @property
    def head_hash(self) -> str: ...

    def transactions(self) -> Iterator[Transaction]: ...


@runtime_checkable
class TrainerHandle(Protocol):
    """A deployed SUM contract: calls that change state, and free reads."""

    chain: ChainHandle
    address: str

    def add_data(self, sender: str, x, y: int, value: int) -> AddReceipt: ...

    def refund(self, sender: str, x, y: int, added_time: int) -> int: ...

    def report(self, sender: str, x, y: int, added_time: int, original_author: str) -> int: ...

    def predict(self, x, sender: str | None = None, value: int = 0) -> int:
        """A free read without `sender`; with one, a paid call that credits `value // total verified` to
        each verified contribution; the caller keeps the rest."""

    def withdraw(self, sender: str) -> int:
        """Pay `sender` its earnings from paid predictions; refused when nothing is owed."""

    def cost_to_add(self, x=None, y: int | None = None) -> int:
        """What `add_data` would take now; with a sample and label, what adding exactly that would take."""

    def predict_many(self, X) -> np.ndarray:
        """Predictions for many samples from a local copy of the chain's model (no call per sample)."""

    def contribution(self, x, y: int, added_time: int, author: str) -> ContributionView: ...

    def claim_preview(self, claimer: str, ids, predictions) -> ClaimPreview:
        """What `refund` or `report` by `claimer` would do now, for a batch of contributions by id."""

    def claim_rules(self, claimer: str) -> ClaimRules:
        """When `claimer`'s `claim_preview` answers can change besides by calls on the contributions."""

    def verified(self, address: str) -> int: ...

    def withdrawable(self, address: str) -> int:
        """What `withdraw` would pay `address` now (a free read)."""

    def reported(self, address: str) -> int: ...

    @property
    def model(self) -> Model:
        """The contract's current model, to read or to predict with locally (never to change)."""
