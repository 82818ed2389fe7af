"""Replaying a persisted chain: intact chains pass; any edited block is found, the first one named."""

from __future__ import annotations


import pytest

from sumchain import Config, simulate
from sumchain.engines.replay import verify_blocks
from sumchain.ledger import load_chain, save_chain


@pytest.fixture(scope="module")
def stored(tiny_dataset, tmp_path_factory):
    config = Config(num_words=tiny_dataset.num_features, max_train=1200)
    run = simulate(config, dataset=tiny_dataset)
    path = save_chain(run.chain, tmp_path_factory.mktemp("ledger") / "run.sqlite", {"config": config.to_dict()})
    return config, path


def test_intact_chain_replays(stored, tiny_dataset):
    config, path = stored
    meta, blocks = load_chain(path)
    assert Config.from_dict(meta["config"]) == config
    verdict = verify_blocks(config, blocks, tiny_dataset)
    assert verdict.intact and "chain intact" in verdict.describe()


def _tamper(blocks, number, **changes):
    block = blocks[number]
    block.transactions[0] = block.transactions[0]._replace(**changes)


def test_edited_outcome_with_fixed_up_hashes_is_caught_by_replay(stored, tiny_dataset):
    from sumchain.ledger.chain import transaction_hash
    config, path = stored
    _, blocks = load_chain(path)
    target = next(b.number for b in blocks if b.transactions[0].function == "refund")
    tx = blocks[target].transactions[0]
    forged = ((tx.transfers[0][0], tx.transfers[0][1], tx.transfers[0][2] + 1),)
    new_hash = transaction_hash(tx.time, tx.sender, tx.function, tx.value, tx.args_json, tx.args_x,
                                tx.status, tx.reason, forged, tx.events)
    _tamper(blocks, target, transfers=forged, hash=new_hash)
    # the forger also re-hashes this block and every later one
    prev = blocks[target - 1].hash
    for block in blocks[target:]:
        block.prev_hash = prev
        prev = block.seal()
    verdict = verify_blocks(config, blocks, tiny_dataset)
    assert not verdict.intact and verdict.first_bad_block == target
    assert "stored transfers" in verdict.problem


def test_edited_field_breaks_the_hash(stored, tiny_dataset):
    config, path = stored
    _, blocks = load_chain(path)
    _tamper(blocks, 5, value=blocks[5].transactions[0].value + 1)
    verdict = verify_blocks(config, blocks, tiny_dataset)
    assert verdict.first_bad_block == 5 and "does not match its stored hash" in verdict.problem


def test_broken_link_is_caught(stored, tiny_dataset):
    config, path = stored
    _, blocks = load_chain(path)
    blocks[7].prev_hash = "f" * 64
    verdict = verify_blocks(config, blocks, tiny_dataset)
    assert verdict.first_bad_block == 7 and "previous-block hash" in verdict.problem
