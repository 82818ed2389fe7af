"""SQLite persistence: what goes in comes back, and a broken file gets a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from sumchain import DataError
from sumchain.ledger import Chain, load_chain, save_chain


def test_round_trip(tmp_path):
    chain = Chain()
    chain.fund("alice", 100)
    chain.advance(3)
    chain.transact("alice", "add_data", 5, {"x": np.array([1, 5, 9], dtype=np.int32), "y": 1},
                   lambda t: t.pay("alice", "trainer", 5))
    path = save_chain(chain, tmp_path / "run.sqlite", {"config": {"seed": 1}})
    meta, blocks = load_chain(path)
    assert meta == {"config": {"seed": 1}, "head_hash": chain.head_hash, "blocks": 2, "transactions": 2}
    assert [b.hash for b in blocks] == [b.hash for b in chain.blocks]
    stored = blocks[-1].transactions[-1]
    assert stored == chain.blocks[-1].transactions[-1]
    assert list(stored.args["x"]) == [1, 5, 9] and stored.args["y"] == 1


def test_not_a_ledger(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"definitely not sqlite" * 100)
    with pytest.raises(DataError, match="is not a sumchain ledger"):
        load_chain(path)
    with pytest.raises(DataError, match="does not exist"):
        load_chain(tmp_path / "missing.sqlite")
    with pytest.raises(DataError, match="is a folder|is not a file"):
        load_chain(tmp_path)


def test_save_is_atomic(tmp_path, monkeypatch):
    chain = Chain()
    chain.fund("alice", 1)
    target = tmp_path / "run.sqlite"
    save_chain(chain, target, {"config": {}})
    before = target.read_bytes()
    monkeypatch.setattr("sumchain.ledger.store._transaction_rows", lambda blocks: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        save_chain(chain, target, {"config": {}})
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.sqlite"]
