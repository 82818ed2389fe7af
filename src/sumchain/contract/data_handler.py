"""The contract's memory of contributions: who added what, when, with what deposit, and who claimed.

Why a digest key: a contribution is identified by exactly what its author must present again to
claim it (x, y, the time it was added, the author), as on chain where storage is keyed by hash.
Each contribution also gets an id, its position in the order of adding (0, 1, 2, ...), so that a
client can ask about many contributions at once (`Trainer.claim_preview`) without resending
their data; the handler keeps the fields the claim rules read as columns, for that batched read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from sumchain.contract.reasons import NO_SUCH_CONTRIBUTION, REASONS
from sumchain.errors import Rejected

DEPOSIT_LIMIT = 2**128
"""The contract keeps a contribution's deposit and what is left of it in 128 bits each."""


@dataclass(slots=True)
class Contribution:
    key: str
    sender: str
    y: int
    added_time: int
    initial_deposit: int
    claimable: int
    claimed_by: set[str] = field(default_factory=set)
    num_claims: int = 0
    id: int = -1


def contribution_key(x: np.ndarray, y: int, added_time: int, sender: str) -> str:
    digest = hashlib.blake2b(x.tobytes(), digest_size=16)
    digest.update(f"|{y}|{added_time}|{sender}".encode())
    return digest.hexdigest()


class Columns:
    """Per contribution id, the fields the claim rules read, as growable numpy arrays."""

    def __init__(self) -> None:
        self.size = 0
        self.added_time = np.zeros(64, dtype=np.int64)
        self.y = np.zeros(64, dtype=np.int64)
        self.author = np.zeros(64, dtype=np.int64)           # index into Columns.addresses
        self.num_claims = np.zeros(64, dtype=np.int64)
        self.has_claimable = np.zeros(64, dtype=bool)
        self.claimed: dict[str, np.ndarray] = {}             # claimer -> claimed this id
        self.addresses: dict[str, int] = {}

    def address_index(self, address: str) -> int:
        return self.addresses.setdefault(address, len(self.addresses))

    def append(self, record: Contribution) -> None:
        if self.size == len(self.added_time):
            for name in ("added_time", "y", "author", "num_claims", "has_claimable"):
                setattr(self, name, _grown(getattr(self, name)))
        i = self.size
        self.added_time[i], self.y[i] = record.added_time, record.y
        self.author[i] = self.address_index(record.sender)
        self.has_claimable[i] = record.claimable > 0
        self.size += 1

    def claimed_by(self, claimer: str) -> np.ndarray:
        claimed = self.claimed.get(claimer)
        if claimed is None or len(claimed) < self.size:
            grown = np.zeros(max(64, 2 * self.size), dtype=bool)
            if claimed is not None:
                grown[:len(claimed)] = claimed
            claimed = self.claimed[claimer] = grown
        return claimed


def _grown(array: np.ndarray) -> np.ndarray:
    grown = np.zeros(2 * len(array), dtype=array.dtype)
    grown[:len(array)] = array
    return grown


class DataHandler:
    """Stores contributions by key (and id) and records claims against them."""

    def __init__(self) -> None:
        self._records: dict[str, Contribution] = {}
        self._by_id: list[Contribution] = []
        self.columns = Columns()

    def __len__(self) -> int:
        return len(self._records)

    def check_new(self, x: np.ndarray, y: int, added_time: int, sender: str) -> str:
        key = contribution_key(x, y, added_time, sender)
        if key in self._records:
            raise Rejected("this exact contribution was already added at this time")
        return key

    @staticmethod
    def check_deposit(deposit: int) -> None:
        """The contract stores a deposit in 128 bits; a larger one is refused, not cut."""
        if deposit >= DEPOSIT_LIMIT:
            raise Rejected("a deposit must be below 2**128 wei")

    def add(self, key: str, sender: str, y: int, added_time: int, deposit: int) -> Contribution:
        record = Contribution(key, sender, int(y), int(added_time), int(deposit), int(deposit), id=len(self._by_id))
        self._records[key] = record
        self._by_id.append(record)
        self.columns.append(record)
        return record

    def find(self, x: np.ndarray, y: int, added_time: int, author: str) -> Contribution:
        record = self._records.get(contribution_key(x, y, added_time, author))
        if record is None:
            raise Rejected(REASONS[NO_SUCH_CONTRIBUTION])
        return record

    def by_id(self, contribution_id: int) -> Contribution:
        return self._by_id[contribution_id]

    def known_ids(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` name a stored contribution."""
        return (ids >= 0) & (ids < len(self._by_id))

    def record_claim(self, record: Contribution, claimer: str, amount: int) -> None:
        record.claimable -= amount
        record.claimed_by.add(claimer)
        record.num_claims += 1
        columns = self.columns
        columns.num_claims[record.id] = record.num_claims
        columns.has_claimable[record.id] = record.claimable > 0
        columns.claimed_by(claimer)[record.id] = True
