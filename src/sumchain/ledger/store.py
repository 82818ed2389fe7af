"""Persist a chain in SQLite, self-contained: blocks, every transaction with its arguments, and
the metadata (the run's config) needed to replay it from the genesis block.

Written atomically: the database is built beside the target and moved into place, so an
interrupted save never leaves a half-written ledger under the requested name.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sumchain.errors import DataError
from sumchain.files import atomic_path
from sumchain.ledger.chain import Block, Chain, Transaction

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE blocks (number INTEGER PRIMARY KEY, time INTEGER NOT NULL, prev_hash TEXT NOT NULL,
                     hash TEXT NOT NULL);
CREATE TABLE transactions (block INTEGER NOT NULL, position INTEGER NOT NULL, time INTEGER NOT NULL,
                           sender TEXT NOT NULL, function TEXT NOT NULL, value TEXT NOT NULL,
                           args_json TEXT NOT NULL, args_x BLOB NOT NULL, status TEXT NOT NULL,
                           reason TEXT NOT NULL, transfers TEXT NOT NULL, events TEXT NOT NULL,
                           hash TEXT NOT NULL, PRIMARY KEY (block, position));
"""


def save_chain(chain: Chain, path: str | Path, meta: dict[str, Any]) -> Path:
    path = Path(path)
    chain.seal()
    with atomic_path(path) as temp:
        with sqlite3.connect(temp) as db:
            db.executescript(SCHEMA)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            db.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?)",
                           [(b.number, b.time, b.prev_hash, b.hash) for b in chain.blocks])
            db.executemany("INSERT INTO transactions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           _transaction_rows(chain.blocks))
        db.close()
    return path


def _transaction_rows(blocks: list[Block]):
    for block in blocks:
        for position, tx in enumerate(block.transactions):
            yield (block.number, position, tx.time, tx.sender, tx.function, str(tx.value), tx.args_json, tx.args_x,
                   tx.status, tx.reason, json.dumps(tx.transfers), json.dumps(tx.events), tx.hash)


def load_chain(path: str | Path) -> tuple[dict[str, Any], list[Block]]:
    """Read back the metadata and the blocks exactly as stored (hashes are not recomputed here)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"ledger file '{path}' does not exist")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        blocks = [Block(n, t, prev, [], h) for n, t, prev, h in
                  db.execute("SELECT number, time, prev_hash, hash FROM blocks ORDER BY number")]
        by_number = {b.number: b for b in blocks}
        for row in db.execute("SELECT block, time, sender, function, value, args_json, args_x, status, reason, "
                              "transfers, events, hash FROM transactions ORDER BY block, position"):
            number, time, sender, function, value, args_json, args_x, status, reason, transfers, events, h = row
            by_number[number].transactions.append(Transaction(
                time, sender, function, int(value), args_json, bytes(args_x), status, reason,
                tuple(tuple(t) for t in json.loads(transfers)), tuple(tuple(e) for e in json.loads(events)), h))
        db.close()
    except sqlite3.DatabaseError as error:
        raise DataError(f"ledger file '{path}' is not a sumchain ledger: {error}") from None
    return meta, blocks
