"""The contract's memory of contributions: who added what, when, with what deposit, and who claimed.

Why a digest key: a contribution is identified by exactly what its author must present again to
claim it (x, y, the time it was added, the author), as on chain where storage is keyed by hash.
Each contribution also gets an id, its position in the order of adding (0, 1, 2, ...), so that a
client can ask about many contributions at once (`Trainer.claim_preview`) without resending
their data. The handler keeps every field as columns by id (`Columns`): plain lists for one
contribution's call, numpy arrays of the fields the claim rules read for that batched read.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sumchain.contract.reasons import NO_SUCH_CONTRIBUTION, REASONS
from sumchain.errors import Rejected

DEPOSIT_LIMIT = 2**128
"""The contract keeps a contribution's deposit and what is left of it in 128 bits each."""


class Contribution:
    """A stored contribution, read by its id: a view of the handler's columns, made when asked for.

    Why a view and not one object per contribution: objects that live as long as the contract are
    what makes Python's cycle collector rescan the whole heap, again and again as they pile up (a
    fifth of the call path's time with 23,000 of them and their claimer sets). The columns hold
    plain ints and strings, which the collector never visits; a view lives for one call."""

    __slots__ = ("_columns", "id")

    def __init__(self, columns: "Columns", contribution_id: int):
        self._columns = columns
        self.id = contribution_id

    def __repr__(self) -> str:
        return (f"Contribution(id={self.id}, sender={self.sender!r}, y={self.y}, added_time={self.added_time}, "
                f"initial_deposit={self.initial_deposit}, claimable={self.claimable}, num_claims={self.num_claims})")

    @property
    def key(self) -> str:
        return self._columns.key[self.id]

    @property
    def sender(self) -> str:
        return self._columns.sender[self.id]

    @property
    def y(self) -> int:
        return self._columns.y_of[self.id]

    @property
    def added_time(self) -> int:
        return self._columns.added_time_of[self.id]

    @property
    def initial_deposit(self) -> int:
        return self._columns.initial_deposit[self.id]

    @property
    def claimable(self) -> int:
        return self._columns.claimable[self.id]

    @property
    def num_claims(self) -> int:
        return self._columns.num_claims_of[self.id]

    def claimed(self, claimer: str) -> bool:
        """Whether `claimer` already claimed from it."""
        claimed = self._columns.claimed.get(claimer)
        return claimed is not None and self.id < len(claimed) and claimed[self.id] == 1

    @property
    def claimed_by(self) -> frozenset[str]:
        return frozenset(claimer for claimer in self._columns.claimed if self.claimed(claimer))


def contribution_key(x: np.ndarray, y: int, added_time: int, sender: str) -> str:
    digest = hashlib.blake2b(x.tobytes(), digest_size=16)
    digest.update(f"|{y}|{added_time}|{sender}".encode())
    return digest.hexdigest()


class Columns:
    """Per contribution id, every field: plain lists for reading one contribution (a call), numpy
    arrays of the fields the claim rules read for reading many (`Trainer.claim_preview`), and per
    claimer a byte per id, claimed or not (read by numpy without a copy)."""

    def __init__(self) -> None:
        self.size = 0
        # one contribution's fields, as plain values
        self.key: list[str] = []
        self.sender: list[str] = []
        self.y_of: list[int] = []
        self.added_time_of: list[int] = []
        self.initial_deposit: list[int] = []
        self.claimable: list[int] = []
        self.num_claims_of: list[int] = []
        self.claimed: dict[str, bytearray] = {}               # claimer -> a byte per id: claimed it
        # the claim rules' fields for many contributions, as growable numpy arrays
        self.added_time = np.zeros(64, dtype=np.int64)
        self.y = np.zeros(64, dtype=np.int64)
        self.author = np.zeros(64, dtype=np.int64)           # index into Columns.addresses
        self.num_claims = np.zeros(64, dtype=np.int64)
        self.has_claimable = np.zeros(64, dtype=bool)
        self.addresses: dict[str, int] = {}

    def address_index(self, address: str) -> int:
        return self.addresses.setdefault(address, len(self.addresses))

    def append(self, key: str, sender: str, y: int, added_time: int, deposit: int) -> int:
        if self.size == len(self.added_time):
            for name in ("added_time", "y", "author", "num_claims", "has_claimable"):
                setattr(self, name, _grown(getattr(self, name)))
        i = self.size
        self.key.append(key)
        self.sender.append(sender)
        self.y_of.append(y)
        self.added_time_of.append(added_time)
        self.initial_deposit.append(deposit)
        self.claimable.append(deposit)
        self.num_claims_of.append(0)
        self.added_time[i], self.y[i] = added_time, y
        self.author[i] = self.address_index(sender)
        self.has_claimable[i] = deposit > 0
        self.size += 1
        return i

    def claimed_by(self, claimer: str) -> np.ndarray:
        """Per id, whether `claimer` claimed it: a numpy view of its bytes (read it before the next add)."""
        return np.frombuffer(self._claimed_bytes(claimer), dtype=bool)

    def _claimed_bytes(self, claimer: str) -> bytearray:
        """`claimer`'s byte per id, grown to cover every id."""
        claimed = self.claimed.get(claimer)
        if claimed is None:
            claimed = self.claimed[claimer] = bytearray()
        if len(claimed) < self.size:
            claimed.extend(bytes(max(64, 2 * self.size) - len(claimed)))
        return claimed

    def record_claim(self, i: int, claimer: str, amount: int) -> None:
        self.claimable[i] -= amount
        self.num_claims_of[i] += 1
        self.num_claims[i] = self.num_claims_of[i]
        self.has_claimable[i] = self.claimable[i] > 0
        self._claimed_bytes(claimer)[i] = 1


def _grown(array: np.ndarray) -> np.ndarray:
    grown = np.zeros(2 * len(array), dtype=array.dtype)
    grown[:len(array)] = array
    return grown


class DataHandler:
    """Stores contributions by key (and id) and records claims against them."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.columns = Columns()

    def __len__(self) -> int:
        return self.columns.size

    def check_new(self, x: np.ndarray, y: int, added_time: int, sender: str) -> str:
        key = contribution_key(x, y, added_time, sender)
        if key in self._ids:
            raise Rejected("this exact contribution was already added at this time")
        return key

    @staticmethod
    def check_deposit(deposit: int) -> None:
        """The contract stores a deposit in 128 bits; a larger one is refused, not cut."""
        if deposit >= DEPOSIT_LIMIT:
            raise Rejected("a deposit must be below 2**128 wei")

    def add(self, key: str, sender: str, y: int, added_time: int, deposit: int) -> Contribution:
        i = self._ids[key] = self.columns.append(key, sender, int(y), int(added_time), int(deposit))
        return Contribution(self.columns, i)

    def find(self, x: np.ndarray, y: int, added_time: int, author: str) -> Contribution:
        i = self._ids.get(contribution_key(x, y, added_time, author))
        if i is None:
            raise Rejected(REASONS[NO_SUCH_CONTRIBUTION])
        return Contribution(self.columns, i)

    def by_id(self, contribution_id: int) -> Contribution:
        if not 0 <= contribution_id < self.columns.size:
            raise IndexError(f"no contribution with id {contribution_id}")
        return Contribution(self.columns, contribution_id)

    def known_ids(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` name a stored contribution."""
        return (ids >= 0) & (ids < self.columns.size)

    def record_claim(self, record: Contribution, claimer: str, amount: int) -> None:
        self.columns.record_claim(record.id, claimer, amount)
