"""The contract's memory of contributions: who added what, when, with what deposit, and who claimed.

Why a digest key: a contribution is identified by exactly what its author must present again to
claim it (x, y, the time it was added, the author), as on chain where storage is keyed by hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from sumchain.errors import Rejected


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


def contribution_key(x: np.ndarray, y: int, added_time: int, sender: str) -> str:
    digest = hashlib.blake2b(x.tobytes(), digest_size=16)
    digest.update(f"|{y}|{added_time}|{sender}".encode())
    return digest.hexdigest()


class DataHandler:
    """Stores contributions by key and records claims against them."""

    def __init__(self) -> None:
        self._records: dict[str, Contribution] = {}

    def __len__(self) -> int:
        return len(self._records)

    def check_new(self, x: np.ndarray, y: int, added_time: int, sender: str) -> str:
        key = contribution_key(x, y, added_time, sender)
        if key in self._records:
            raise Rejected("this exact contribution was already added at this time")
        return key

    def add(self, key: str, sender: str, y: int, added_time: int, deposit: int) -> Contribution:
        record = Contribution(key, sender, int(y), int(added_time), int(deposit), int(deposit))
        self._records[key] = record
        return record

    def find(self, x: np.ndarray, y: int, added_time: int, author: str) -> Contribution:
        record = self._records.get(contribution_key(x, y, added_time, author))
        if record is None:
            raise Rejected("no such contribution (check x, y, added_time and the original author)")
        return record

    def record_claim(self, record: Contribution, claimer: str, amount: int) -> None:
        record.claimable -= amount
        record.claimed_by.add(claimer)
        record.num_claims += 1
