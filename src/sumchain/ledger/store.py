"""Persist a chain in SQLite, self-contained: blocks, every transaction with its arguments, and
the metadata (the run's config) needed to replay it from the genesis block.

The chain's own evidence goes into the metadata at save time, whatever the caller adds: the head
hash and the numbers of blocks and transactions (`CHAIN_EVIDENCE`), and what the chain started from
(`GENESIS`: the digests of the run's config and data, which the first block is linked to). A ledger
whose last blocks were deleted, whose head was altered, or whose config was edited no longer
matches them, so `verify` finds it.

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


CHAIN_EVIDENCE = ("head_hash", "blocks", "transactions")
GENESIS = "genesis"


def chain_evidence(chain: Chain) -> dict[str, Any]:
    """What the whole chain comes to: its head hash, how many blocks and transactions it holds, and
    (for a run's chain) the genesis evidence it starts from."""
    evidence = {"head_hash": chain.seal(), "blocks": len(chain.blocks),
                "transactions": sum(len(b.transactions) for b in chain.blocks)}
    if chain.genesis_evidence is not None:
        evidence[GENESIS] = dict(chain.genesis_evidence)
    return evidence


def save_chain(chain: Chain, path: str | Path, meta: dict[str, Any]) -> Path:
    path = Path(path)
    meta = {**meta, **chain_evidence(chain)}
    with atomic_path(path) as temp:
        with sqlite3.connect(temp) as db:
            db.executescript(SCHEMA)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v, allow_nan=False)) for k, v in meta.items()])
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


LEDGER_TABLES = frozenset({"meta", "blocks", "transactions"})


def is_ledger(path: str | Path) -> bool:
    """Whether `path` is a SQLite file holding a ledger's tables (what `--ledger` may replace)."""
    try:
        db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return LEDGER_TABLES <= tables


def load_chain(path: str | Path) -> tuple[dict[str, Any], list[Block]]:
    """Read back the metadata and the blocks exactly as stored (hashes are not recomputed here)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"ledger file '{path}' does not exist")
    if not path.is_file():
        raise DataError(f"ledger '{path}' is not a file; give the SQLite file written by simulate --ledger")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        blocks = [Block(n, t, prev, [], h) for n, t, prev, h in
                  db.execute("SELECT number, time, prev_hash, hash FROM blocks ORDER BY number")]
        by_number = {b.number: b for b in blocks}
        for row in db.execute("SELECT block, time, sender, function, value, args_json, args_x, status, reason, "
                              "transfers, events, hash FROM transactions ORDER BY block, position"):
            number, time, sender, function, value, args_json, args_x, status, reason, transfers, events, h = row
            if number not in by_number:
                continue        # its block was deleted: verify finds the gap and the missing transactions
            by_number[number].transactions.append(Transaction(
                time, sender, function, int(value), args_json, bytes(args_x), status, reason,
                tuple(tuple(t) for t in json.loads(transfers)), tuple(tuple(e) for e in json.loads(events)), h))
        db.close()
    except sqlite3.DatabaseError as error:
        raise DataError(f"ledger file '{path}' is not a sumchain ledger: {error}") from None
    except (ValueError, TypeError, KeyError) as error:     # undecodable JSON, a row of a missing block
        raise DataError(f"ledger file '{path}' is damaged: {type(error).__name__} while reading it") from None
    return meta, blocks
