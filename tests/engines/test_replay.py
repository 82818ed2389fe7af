"""Replaying a persisted chain: intact chains pass; any edited, removed or re-headed part is found."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from sumchain import Config, DataError, Rejected, simulate
from sumchain.engines import deploy
from sumchain.engines.replay import save_ledger, verify_blocks, verify_file
from sumchain.ledger import GENESIS_HASH, load_chain, to_units
from sumchain.ledger.genesis import genesis_hash
from tests.conftest import make_dataset


@pytest.fixture(scope="module")
def stored(tiny_dataset, tmp_path_factory):
    config = Config(num_words=tiny_dataset.num_features, max_train=1200)
    run = simulate(config, dataset=tiny_dataset)
    path = save_ledger(run.trainer, config, tiny_dataset, tmp_path_factory.mktemp("ledger") / "run.sqlite")
    return config, path


def test_intact_chain_replays(stored, tiny_dataset):
    config, path = stored
    meta, blocks = load_chain(path)
    assert Config.from_dict(meta["config"]) == config
    assert meta["blocks"] == len(blocks) and meta["head_hash"] == blocks[-1].hash
    verdict = verify_blocks(config, blocks, meta, tiny_dataset)
    assert verdict.intact and "chain intact" in verdict.describe()
    assert verdict.transactions == meta["transactions"]


def _tamper(blocks, number, **changes):
    block = blocks[number]
    block.transactions[0] = block.transactions[0]._replace(**changes)


def test_edited_outcome_with_fixed_up_hashes_is_caught_by_replay(stored, tiny_dataset):
    from sumchain.ledger.chain import transaction_hash
    config, path = stored
    meta, blocks = load_chain(path)
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
    verdict = verify_blocks(config, blocks, meta, tiny_dataset)
    assert not verdict.intact and verdict.first_bad_block == target
    assert "stored transfers" in verdict.problem


def test_edited_field_breaks_the_hash(stored, tiny_dataset):
    config, path = stored
    meta, blocks = load_chain(path)
    _tamper(blocks, 5, value=blocks[5].transactions[0].value + 1)
    verdict = verify_blocks(config, blocks, meta, tiny_dataset)
    assert verdict.first_bad_block == 5 and "does not match its stored hash" in verdict.problem


def test_broken_link_is_caught(stored, tiny_dataset):
    config, path = stored
    meta, blocks = load_chain(path)
    blocks[7].prev_hash = "f" * 64
    verdict = verify_blocks(config, blocks, meta, tiny_dataset)
    assert verdict.first_bad_block == 7 and "previous-block hash" in verdict.problem


def _copy(path, tmp_path):
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    return copy


def _edit(path, *statements):
    with sqlite3.connect(path) as db:
        for statement, *params in statements:
            db.execute(statement, params)
    db.close()


# Each way of shortening or re-heading a ledger, and what verify must say.
SHORTENINGS = {
    "last blocks deleted": ([("DELETE FROM blocks WHERE number >= (SELECT MAX(number) - 2 FROM blocks)",),
                             ("DELETE FROM transactions WHERE block NOT IN (SELECT number FROM blocks)",)],
                            "blocks missing"),
    "every block deleted": ([("DELETE FROM blocks",), ("DELETE FROM transactions",)], "blocks missing: the ledger holds 0"),
    "head hash altered": ([("UPDATE meta SET value = ? WHERE key = 'head_hash'", '"' + "ab" * 32 + '"')], "head differs"),
    "head hash removed": ([("DELETE FROM meta WHERE key = 'head_hash'",)], "evidence missing"),
    "a middle block deleted": ([("DELETE FROM blocks WHERE number = 3",)], "block 3 differs: the block is missing"),
    "last transaction deleted": ([("DELETE FROM transactions WHERE block = (SELECT MAX(number) FROM blocks)",)],
                                 "differs"),
    "final state altered": ([("UPDATE meta SET value = ? WHERE key = 'state_digest'", '"' + "0" * 64 + '"')],
                            "final state differs"),
}


@pytest.mark.parametrize("case", SHORTENINGS)
def test_every_shortening_or_reheading_is_found(stored, tmp_path, case, monkeypatch, tiny_dataset):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: tiny_dataset)
    _, path = stored
    copy = _copy(path, tmp_path)
    statements, message = SHORTENINGS[case]
    _edit(copy, *statements)
    verdict = verify_file(copy)
    assert not verdict.intact and message in verdict.describe(), verdict.describe()


@pytest.mark.parametrize("stored_config, words", [
    ("{not json", "is damaged"),
    ("[1, 2, 3]", "is damaged: its stored config is not a table"),
    ('"text"', "is damaged: its stored config is not a table"),
    ('{"nope": 1}', "is damaged: its stored config is not valid"),
])
def test_a_damaged_config_is_one_line_not_a_traceback(stored, tmp_path, stored_config, words):
    _, path = stored
    copy = _copy(path, tmp_path)
    _edit(copy, ("UPDATE meta SET value = ? WHERE key = 'config'", stored_config))
    with pytest.raises(DataError, match=words):
        verify_file(copy)


def test_a_refusal_for_bad_arguments_is_recorded_and_replays(tiny_dataset, tmp_path, monkeypatch):
    config = Config(num_words=tiny_dataset.num_features)
    trainer = deploy(config, tiny_dataset)
    trainer.chain.fund("alice", to_units(100))
    trainer.chain.advance(60)
    calls = [
        lambda: trainer.add_data("alice", [[1, 2], [3, 4]], 1, to_units(10)),      # 2-D x
        lambda: trainer.add_data("alice", np.array([1.5, 2.0], dtype=np.float32), 1, to_units(10)),
        lambda: trainer.add_data("alice", [1, 2], 7, to_units(10)),                # bad class
        lambda: trainer.add_data("alice", [1, 2], 1, "ten"),                       # non-numeric value
        lambda: trainer.add_data("alice", [1, 2], 1, 2.5),                         # fractional value
        lambda: trainer.add_data("alice", [1, 2**40], 1, to_units(10)),            # index beyond int32
        lambda: trainer.refund("alice", [1, 2], 1, "yesterday"),                   # bad added_time
        lambda: trainer.chain.fund("bob", 0.5),                                    # fractional funding
        lambda: trainer.chain.fund("bob", "lots"),
    ]
    for call in calls:
        before = sum(len(b.transactions) for b in trainer.chain.blocks)
        with pytest.raises(Rejected):
            call()
        after = list(trainer.chain.transactions())
        assert len(after) == before + 1 and after[-1].status == "rejected"
    assert trainer.chain.balance_of("bob") == 0
    trainer.add_data("alice", [1, 2], 1, to_units(10))     # and a good call after them
    path = save_ledger(trainer, config, tiny_dataset, tmp_path / "refusals.sqlite")
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: tiny_dataset)
    assert verify_file(path).intact


@pytest.mark.parametrize("amount", [0.5, 1.25, "5", None, float("nan")])
def test_fund_refuses_what_is_not_a_whole_number_of_units(amount):
    trainer_chain = deploy(Config(num_words=50, max_train=200, max_test=50)).chain
    with pytest.raises(Rejected, match="a funding amount must be a whole number of base units"):
        trainer_chain.fund("alice", amount)
    assert trainer_chain.minted == 0 and trainer_chain.balance_of("alice") == 0


@pytest.mark.parametrize("model", ["naive_bayes", "dense_nearest_centroid", "logistic_regression"])
def test_a_run_with_another_model_replays_and_a_changed_model_is_found(model, tiny_dataset, tmp_path):
    config = Config(num_words=tiny_dataset.num_features, max_train=400, model=model)
    run = simulate(config, dataset=tiny_dataset)
    path = save_ledger(run.trainer, config, tiny_dataset, tmp_path / "run.sqlite")
    meta, blocks = load_chain(path)
    assert Config.from_dict(meta["config"]) == config
    assert verify_blocks(config, blocks, meta, tiny_dataset).intact
    other = config.replace(model="nearest_centroid" if model != "nearest_centroid" else "naive_bayes")
    assert not verify_blocks(other, blocks, meta, tiny_dataset).intact


# -- the genesis: the stored config and data reference are held by the hash chain ---------------

def _ledger(config, dataset, path):
    run = simulate(config, dataset=dataset)
    return save_ledger(run.trainer, config, dataset, path)


@pytest.fixture(scope="module")
def genesis_dataset():
    """Small enough that a whole run on the EVM takes a few seconds."""
    return make_dataset(n_train=250, n_test=50, width=60, seed=3)


@pytest.fixture(scope="module", params=["python", "evm"])
def ledgers(request, genesis_dataset, tmp_path_factory):
    """A run's ledger on each engine, and one of another config to swap rows with."""
    folder = tmp_path_factory.mktemp(f"genesis-{request.param}")
    config = Config(num_words=genesis_dataset.num_features, max_train=300, engine=request.param)
    other = config.replace(seed=1, agents={"Good": {"mean_deposit": 40.0}})
    return _ledger(config, genesis_dataset, folder / "run.sqlite"), _ledger(other, genesis_dataset, folder / "other.sqlite")


def _stored_meta(path, key):
    with sqlite3.connect(path) as db:
        value = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]
    db.close()
    return value


def _set_config(path, **changes):
    import json
    from sumchain.config import merge_overrides
    config = merge_overrides(json.loads(_stored_meta(path, "config")), changes)
    _edit(path, ("UPDATE meta SET value = ? WHERE key = 'config'", json.dumps(config)))


@pytest.mark.parametrize("key, value", [("agents.Good.mean_deposit", 51.0), ("depleted_pct", 2.0),
                                        ("accuracy_interval_s", 100_000)])
def test_an_edited_config_is_found_and_named(ledgers, tmp_path, monkeypatch, genesis_dataset, key, value):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    copy = _copy(ledgers[0], tmp_path)
    _set_config(copy, **{key: value})
    verdict = verify_file(copy)
    assert not verdict.intact
    assert verdict.describe() == (f"config differs: {key} is not what the run's chain started from "
                                  f"(the stored config was edited or taken from another ledger)")


def test_a_config_swapped_with_another_ledgers_is_found(ledgers, tmp_path, monkeypatch, genesis_dataset):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    path, other = ledgers
    copy = _copy(path, tmp_path)
    _edit(copy, ("UPDATE meta SET value = ? WHERE key = 'config'", _stored_meta(other, "config")))
    described = verify_file(copy).describe()
    assert described.startswith("config differs: agents.Good.mean_deposit, seed are not") and "\n" not in described
    # with the other ledger's genesis record as well, block 0 no longer links to it
    _edit(copy, ("UPDATE meta SET value = ? WHERE key = 'genesis'", _stored_meta(other, "genesis")))
    assert verify_file(copy).describe().startswith("genesis differs: block 0 links to genesis")


def test_a_removed_or_edited_data_reference_is_found(ledgers, tmp_path, monkeypatch, genesis_dataset):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    copy = _copy(ledgers[0], tmp_path)
    _edit(copy, ("UPDATE meta SET value = ? WHERE key = 'data'", '{"dataset_sha256": "' + "1" * 64 + '"}'))
    assert verify_file(copy).describe() == ("data reference differs: its dataset_sha256 is not what the run's "
                                            "chain started from")
    _edit(copy, ("DELETE FROM meta WHERE key = 'data'",))
    verdict = verify_file(copy)
    assert not verdict.intact and verdict.describe().startswith("data reference missing: ")


def test_an_edited_or_removed_genesis_record_is_found(ledgers, tmp_path, monkeypatch, genesis_dataset):
    import json
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    copy = _copy(ledgers[0], tmp_path)
    genesis = json.loads(_stored_meta(copy, "genesis"))
    genesis["config"]["depleted_pct"] = "0" * 64
    _edit(copy, ("UPDATE meta SET value = ? WHERE key = 'genesis'", json.dumps(genesis)))
    assert verify_file(copy).describe().startswith("genesis differs: block 0 links to genesis")
    _edit(copy, ("DELETE FROM meta WHERE key = 'genesis'",))
    assert verify_file(copy).describe().startswith("evidence missing: the ledger has no stored genesis record")


def test_an_untampered_ledger_on_each_engine_still_verifies(ledgers, monkeypatch, genesis_dataset):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    for path in ledgers:
        verdict = verify_file(path)
        assert verdict.intact, verdict.describe()
        meta, blocks = load_chain(path)
        assert blocks[0].prev_hash == genesis_hash(meta["genesis"]) != GENESIS_HASH


def _as_written_before_genesis(path):
    """Re-link the blocks from zeros and drop the genesis record, as ledgers were written before."""
    from sumchain.ledger import block_hash
    _, blocks = load_chain(path)
    prev, rows = GENESIS_HASH, []
    for block in blocks:
        block.prev_hash = prev
        prev = block_hash(block.number, block.time, prev, [t.hash for t in block.transactions])
        rows.append(("UPDATE blocks SET prev_hash = ?, hash = ? WHERE number = ?", block.prev_hash, prev, block.number))
    _edit(path, *rows, ("UPDATE meta SET value = ? WHERE key = 'head_hash'", f'"{prev}"'),
          ("DELETE FROM meta WHERE key = 'genesis'",))


def test_a_ledger_written_before_the_genesis_is_refused_in_one_line(ledgers, tmp_path, monkeypatch, genesis_dataset):
    monkeypatch.setattr("sumchain.engines.replay.load_dataset", lambda config: genesis_dataset)
    copy = _copy(ledgers[0], tmp_path)
    _as_written_before_genesis(copy)
    with pytest.raises(DataError, match=r"does not hash its config and data reference \(written by a sumchain "
                                        r"before ledgers did\)") as refusal:
        verify_file(copy)
    assert "\n" not in str(refusal.value)


@pytest.mark.parametrize("engine", ["python", "evm"])
def test_a_run_with_a_caller_replays_its_paid_predictions_and_withdrawals(engine, tmp_path):
    small = make_dataset(n_train=250, n_test=50, width=60, seed=3)
    config = Config(num_words=small.num_features, engine=engine,
                    agents={"Good": {}, "Pay": {"kind": "caller", "fee": 0.5, "mean_update_wait_s": 7200}})
    run = simulate(config, dataset=small)
    functions = {tx.function for tx in run.chain.transactions()}
    assert {"predict", "withdraw"} <= functions
    path = save_ledger(run.trainer, config, small, tmp_path / "run.sqlite")
    meta, blocks = load_chain(path)
    verdict = verify_blocks(config, blocks, meta, small)
    assert verdict.intact, verdict.describe()
