"""Replay a persisted chain from its genesis block and prove it whole, or name what differs.

Checks, in order:
0. the genesis: a run's first block links to the genesis hash of its whole config and data
   fingerprints (`ledger.genesis`); the stored config and data reference must match the digests
   that hash holds, key by key, so an edited or swapped config ("config differs: KEY") or a removed
   or edited data reference ("data reference missing", "data reference differs") is found even
   where replaying the calls would not notice. A ledger without this evidence (written before
   ledgers hashed their config) is refused: what it is a run of cannot be proved;
1. the data: the ledger stores a fingerprint of the dataset the run used (and of its data file,
   with an absolute and a ledger-relative reference, which only say where to look: what is found
   there must match the fingerprints); missing or changed data is reported as exactly that
   ("data missing", "data differs"), never blamed on a block;
2. each block, from genesis: it must be internally consistent (each transaction's hash matches its
   fields, each block's hash its transactions and the previous block's hash), and replaying every
   stored call on a freshly deployed contract must give the same outcome and so the same hashes;
3. the whole chain against what was stored at save time: the number of blocks and transactions,
   the head hash, and a digest of the final state replay reaches (balances and model). So a ledger
   whose tail was cut, whose head was altered or whose every block was deleted does not pass.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sumchain.config import Config
from sumchain.contract import Trainer
from sumchain.data import Dataset, load_dataset
from sumchain.data.fingerprint import dataset_fingerprint, file_fingerprint
from sumchain.engines import deploy, run_genesis
from sumchain.errors import ConfigError, DataError, Rejected
from sumchain.ledger import GENESIS_HASH, MINT, Block, Transaction, block_hash, load_chain, save_chain
from sumchain.ledger.chain import transaction_hash
from sumchain.ledger.genesis import config_differences, genesis_hash
from sumchain.ledger.store import CHAIN_EVIDENCE, GENESIS
from sumchain.models import MODELS

STATE_DIGEST = "state_digest"


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
            return (f"chain intact: {self.blocks} blocks, {self.transactions} transactions replayed from genesis "
                    f"to head {self.head_hash[:16]}; final balances and model match")
        if self.first_bad_block is not None:
            return f"block {self.first_bad_block} differs: {self.problem}"
        return self.problem


# -- saving the evidence -----------------------------------------------------------------------

def state_digest(trainer: Trainer) -> str:
    """SHA-256 of the state a run ends in: every balance, the money minted, the model's state.

    The model's part is its family's `state_evidence` where the descriptor has one (the
    perceptron's, as ledgers saved before the model protocol stored it, so they still verify), else
    its family name and `state()` integers."""
    chain, model = trainer.chain, trainer.model
    balances = sorted((address, str(units)) for address, units in chain.balances().items())
    described = {"balances": balances, "minted": str(chain.minted)}
    evidence = MODELS[model.family].state_evidence
    if evidence is not None:
        fields, state = evidence(model)
        described.update(fields)
    else:
        described["model"] = model.family
        state = json.dumps(model.state()).encode()
    digest = hashlib.sha256(json.dumps(described).encode())
    digest.update(state)
    return digest.hexdigest()


def save_ledger(trainer: Trainer, config: Config, dataset: Dataset, path: str | Path) -> Path:
    """Persist a run's chain with everything `verify` needs to prove it whole."""
    path = Path(path)
    genesis = trainer.chain.genesis_evidence
    meta = {"config": config.to_dict(), STATE_DIGEST: state_digest(trainer),
            "data": data_reference(config, dataset, path, genesis["data"] if genesis else None)}
    return save_chain(trainer.chain, path, meta)


def data_reference(config: Config, dataset: Dataset, ledger: Path,
                   fingerprints: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The data's fingerprints (those the chain's genesis holds, when given) and where its file is."""
    if fingerprints is None:
        fingerprints = run_genesis(config, dataset)["data"]
    reference: dict[str, Any] = dict(fingerprints)
    if config.data_path:
        data = Path(config.data_path).expanduser().resolve()
        reference.update(path=str(data), relative_to_ledger=os.path.relpath(data, ledger.resolve().parent))
    return reference


# -- verifying --------------------------------------------------------------------------------

def verify_file(path: str | Path) -> Verdict:
    path = Path(path)
    meta, blocks = load_chain(path)
    config = _stored_config(path, meta)
    genesis_problem = _genesis_problem(path, meta, blocks)
    if genesis_problem:
        return Verdict(False, len(blocks), 0, blocks[-1].hash if blocks else GENESIS_HASH, None, genesis_problem)
    data = meta["data"]
    config = _located_data(config, data, path)
    dataset = load_dataset(config)
    expected = data.get("dataset_sha256")
    if expected is not None and dataset_fingerprint(dataset) != expected:
        raise DataError(f"data differs: the {config.dataset} dataset loads to different features or labels "
                        f"than the run's (fingerprint {expected[:16]}); the chain was not checked")
    return verify_blocks(config, blocks, meta, dataset)


def _genesis_problem(path: Path, meta: Mapping[str, Any], blocks: list[Block]) -> str:
    """What differs between the stored config and data reference and the genesis the first block
    links to; '' when they match. Refuses a ledger that holds no genesis evidence at all."""
    evidence = meta.get(GENESIS)
    if evidence is None:
        if not blocks or blocks[0].prev_hash == GENESIS_HASH:
            raise DataError(f"ledger file '{path}' does not hash its config and data reference (written by a sumchain "
                            f"before ledgers did), so what it is a run of cannot be proved; write it again with "
                            f"sumchain simulate --ledger")
        return (f"evidence missing: the ledger has no stored {GENESIS} record (the digests of its config and data "
                f"that block 0 links to), so its config cannot be proved")
    try:
        genesis = genesis_hash(evidence)
    except ValueError:
        return f"genesis differs: the stored {GENESIS} record is not one sumchain writes"
    if blocks and blocks[0].prev_hash != genesis:
        return (f"genesis differs: block 0 links to genesis {blocks[0].prev_hash[:16]} but the stored config and "
                f"data digests hash to {genesis[:16]} (the {GENESIS} record was edited or taken from another ledger)")
    changed = config_differences(meta["config"], evidence)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        return (f"config differs: {shown} {'is' if len(changed) == 1 else 'are'} not what the run's chain started "
                f"from (the stored config was edited or taken from another ledger)")
    data = meta.get("data")
    if not isinstance(data, dict):
        return ("data reference missing: the ledger's stored data reference was removed, so the data the run used "
                "cannot be found and checked")
    changed = sorted(key for key, value in evidence["data"].items() if data.get(key) != value)
    if changed:
        return (f"data reference differs: its {', '.join(changed)} {'is' if len(changed) == 1 else 'are'} not what "
                f"the run's chain started from")
    return ""


def _stored_config(path: Path, meta: Mapping[str, Any]) -> Config:
    raw = meta.get("config")
    if raw is None:
        raise DataError(f"ledger file '{path}' has no stored config to replay from")
    if not isinstance(raw, dict):
        raise DataError(f"ledger file '{path}' is damaged: its stored config is not a table of keys")
    try:
        return Config.from_dict(raw)
    except ConfigError as error:
        raise DataError(f"ledger file '{path}' is damaged: its stored config is not valid ({error})") from None


def _located_data(config: Config, data: Mapping[str, Any], ledger: Path) -> Config:
    """The config with `data_path` pointing at the run's data file, found and checked unchanged."""
    if not config.data_path:
        return config
    stored = data.get("path") or config.data_path
    candidates = [Path(stored)]
    if data.get("relative_to_ledger"):
        candidates.append(ledger.resolve().parent / data["relative_to_ledger"])
    found = next((c for c in candidates if c.exists()), None)
    if found is None:
        raise DataError(f"data missing: the run's data file {stored} is not there"
                        + (f" (nor at {candidates[1]}, beside the ledger)" if len(candidates) > 1 else "")
                        + "; put it back to verify the chain")
    if data.get("sha256") and file_fingerprint(found) != data["sha256"]:
        raise DataError(f"data differs: {found} has changed since the run (SHA-256 {file_fingerprint(found)[:16]}, "
                        f"the run's {data['sha256'][:16]}); the chain was not checked")
    return config.replace(data_path=str(found))


def verify_blocks(config: Config, blocks: list[Block], meta: Mapping[str, Any], dataset=None) -> Verdict:
    """Check `blocks` against a fresh deployment of `config` and against the evidence in `meta`."""
    trainer = deploy(config, dataset)
    prev = _genesis_of(meta)
    count = 0
    for expected_number, block in enumerate(blocks):
        if block.number != expected_number:
            return Verdict(False, len(blocks), count, prev, expected_number, "the block is missing")
        problem = _consistency_problem(block, prev) or _replay_problem(trainer, block)
        if problem:
            return Verdict(False, len(blocks), count, blocks[-1].hash, block.number, problem)
        prev = block.hash
        count += len(block.transactions)
    problem = _evidence_problem(meta, len(blocks), count, prev, trainer)
    return Verdict(not problem, len(blocks), count, prev, None, problem)


def _genesis_of(meta: Mapping[str, Any]) -> str:
    try:
        return genesis_hash(meta[GENESIS]) if GENESIS in meta else GENESIS_HASH
    except ValueError:
        return GENESIS_HASH      # not a genesis record: block 0 is then found not to link to it


def _evidence_problem(meta: Mapping[str, Any], blocks: int, transactions: int, head: str, trainer: Trainer) -> str:
    missing = [key for key in (*CHAIN_EVIDENCE, STATE_DIGEST) if key not in meta]
    if missing:
        return (f"evidence missing: the ledger has no stored {', '.join(missing)} (removed, or not saved by "
                f"sumchain's save_ledger), so its end cannot be proved")
    if meta["blocks"] != blocks:
        return (f"blocks missing: the ledger holds {blocks} blocks but was saved with {meta['blocks']}"
                if isinstance(meta["blocks"], int) and blocks < meta["blocks"] else
                f"blocks differ: the ledger holds {blocks} blocks but was saved with {meta['blocks']}")
    if meta["transactions"] != transactions:
        return f"transactions differ: the ledger holds {transactions} but was saved with {meta['transactions']}"
    if meta["head_hash"] != head:
        return f"head differs: the blocks hash to head {head[:16]} but the stored head is {str(meta['head_hash'])[:16]}"
    if meta[STATE_DIGEST] != state_digest(trainer):
        return "final state differs: replay reaches other balances or another model than the run saved"
    return ""


def _consistency_problem(block: Block, prev: str) -> str:
    if block.prev_hash != prev:
        return ("it does not link to the genesis of the stored config and data" if block.number == 0 else
                "its previous-block hash does not match the block before it")
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
        replayed = chain.blocks[-1].transactions[-1] if chain.blocks and chain.blocks[-1].transactions else None
        if replayed is None or replayed.hash != stored.hash:
            return (f"transaction {i} ({stored.function} by {stored.sender}): "
                    f"{_difference(stored, replayed) if replayed else 'replay records no call'}")
    return ""


def _call(trainer: Trainer, tx: Transaction) -> None:
    replay_call(trainer, *stored_call(tx))


def stored_call(tx: Transaction) -> tuple[str, str, Any, dict[str, Any]]:
    """A recorded call as `replay_call` takes it: sender, function, the value as sent, arguments."""
    args: dict[str, Any] = tx.args
    return tx.sender, tx.function, args.pop("value_sent", tx.value), args


def replay_call(trainer: Trainer, sender: str, function: str, value: Any, args: Mapping[str, Any]) -> None:
    """Make one stored call again through the trainer's public functions, at the chain's current
    time; a refusal is recorded by the chain, as the original was, and not raised."""
    try:
        if function == "fund" and sender == MINT:
            trainer.chain.fund(args.get("address"), args.get("amount"))
        elif function == "add_data":
            trainer.add_data(sender, args.get("x"), args.get("y"), value)
        elif function == "refund":
            trainer.refund(sender, args.get("x"), args.get("y"), args.get("added_time"))
        elif function == "report":
            trainer.report(sender, args.get("x"), args.get("y"), args.get("added_time"), args.get("original_author"))
        elif function == "predict":
            trainer.predict(args.get("x"), sender=sender, value=value)
        elif function == "withdraw":
            trainer.withdraw(sender)
        else:
            raise DataError(f"the ledger holds an unknown call '{function}'")
    except Rejected:
        pass


def _difference(stored: Transaction, replayed: Transaction) -> str:
    for name in ("status", "reason", "transfers", "events", "value", "args_json"):
        if getattr(stored, name) != getattr(replayed, name):
            return f"stored {name} {getattr(stored, name)!r}, replay gives {getattr(replayed, name)!r}"
    return "its hash differs from the replay's"
