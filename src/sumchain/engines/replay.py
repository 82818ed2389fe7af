"""Replay a persisted chain from its genesis block and find the first block that differs.

Two checks, in order for each block: the stored block must be internally consistent (each
transaction's hash matches its fields, each block's hash matches its transactions and the previous
block's hash), and replaying every stored call on a freshly deployed contract must give the same
outcome (status, reason, transfers, events) and so the same hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sumchain.config import Config
from sumchain.contract import Trainer
from sumchain.engines import deploy
from sumchain.errors import DataError, Rejected
from sumchain.ledger import GENESIS_HASH, MINT, Block, Transaction, block_hash, load_chain
from sumchain.ledger.chain import transaction_hash


@dataclass(frozen=True)
class Verdict:
    intact: bool
    blocks: int
    transactions: int
    head_hash: str
    first_bad_block: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.intact:
            return (f"chain intact: {self.blocks} blocks, {self.transactions} transactions replayed, "
                    f"head {self.head_hash[:16]}")
        return f"block {self.first_bad_block} differs: {self.problem}"


def verify_file(path: str | Path) -> Verdict:
    meta, blocks = load_chain(path)
    if "config" not in meta:
        raise DataError(f"ledger file '{path}' has no stored config to replay from")
    return verify_blocks(Config.from_dict(meta["config"]), blocks)


def verify_blocks(config: Config, blocks: list[Block], dataset=None) -> Verdict:
    """Check `blocks` against a fresh deployment of `config` (on `dataset`, else the config's data)."""
    trainer = deploy(config, dataset)
    prev = GENESIS_HASH
    count = 0
    for block in blocks:
        problem = _consistency_problem(block, prev) or _replay_problem(trainer, block)
        if problem:
            return Verdict(False, len(blocks), count, blocks[-1].hash, block.number, problem)
        prev = block.hash
        count += len(block.transactions)
    return Verdict(True, len(blocks), count, prev)


def _consistency_problem(block: Block, prev: str) -> str:
    if block.prev_hash != prev:
        return "its previous-block hash does not match the block before it"
    for i, tx in enumerate(block.transactions):
        recomputed = transaction_hash(tx.time, tx.sender, tx.function, tx.value, tx.args_json, tx.args_x,
                                      tx.status, tx.reason, tx.transfers, tx.events)
        if recomputed != tx.hash:
            return f"transaction {i} ({tx.function} by {tx.sender}) does not match its stored hash"
    if block_hash(block.number, block.time, block.prev_hash, [t.hash for t in block.transactions]) != block.hash:
        return "its hash does not match its transactions"
    return ""


def _replay_problem(trainer: Trainer, block: Block) -> str:
    chain = trainer.chain
    for i, stored in enumerate(block.transactions):
        if stored.time < chain.now:
            return f"transaction {i} is dated before the previous one"
        chain.advance_to(stored.time)
        _call(trainer, stored)
        replayed = chain.blocks[-1].transactions[-1]
        if replayed.hash != stored.hash:
            return f"transaction {i} ({stored.function} by {stored.sender}): {_difference(stored, replayed)}"
    return ""


def _call(trainer: Trainer, tx: Transaction) -> None:
    args: dict[str, Any] = tx.args
    try:
        if tx.function == "fund" and tx.sender == MINT:
            trainer.chain.fund(args["address"], args["amount"])
        elif tx.function == "add_data":
            trainer.add_data(tx.sender, args["x"], args["y"], tx.value)
        elif tx.function == "refund":
            trainer.refund(tx.sender, args["x"], args["y"], args["added_time"])
        elif tx.function == "report":
            trainer.report(tx.sender, args["x"], args["y"], args["added_time"], args["original_author"])
        elif tx.function == "predict":
            trainer.predict(args["x"], sender=tx.sender, value=tx.value)
        else:
            raise DataError(f"the ledger holds an unknown call '{tx.function}'")
    except Rejected:
        pass


def _difference(stored: Transaction, replayed: Transaction) -> str:
    for name in ("status", "reason", "transfers", "events", "value", "args_json"):
        if getattr(stored, name) != getattr(replayed, name):
            return f"stored {name} {getattr(stored, name)!r}, replay gives {getattr(replayed, name)!r}"
    return "its hash differs from the replay's"
