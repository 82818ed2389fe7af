"""The genesis record: one digest per config key, so an edit is named; the hash holds the digests."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from sumchain.config import Config
from sumchain.ledger import Chain, GENESIS_HASH
from sumchain.ledger.genesis import config_differences, genesis_evidence, genesis_hash


def test_each_changed_added_or_removed_key_is_named():
    config = Config().to_dict()
    evidence = genesis_evidence(config, {"dataset_sha256": "ab" * 32})
    assert config_differences(config, evidence) == []
    edited = {**config, "depleted_pct": 2.0, "extra": 1, "agents": {**config["agents"], "Good": {}}}
    del edited["seed"]
    assert config_differences(edited, evidence) == sorted(
        ["depleted_pct", "extra", "seed", "agents.Good", *(f"agents.Good.{k}" for k in config["agents"]["Good"])])


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers() | st.text(max_size=5), min_size=1, max_size=6),
       st.text(min_size=1, max_size=5), st.integers())
def test_any_change_to_a_value_or_the_data_moves_the_genesis(config, key, value):
    evidence = genesis_evidence(config, {"dataset_sha256": "00"})
    changed = genesis_evidence({**config, key: value}, {"dataset_sha256": "00"})
    assert (genesis_hash(changed) == genesis_hash(evidence)) == (config.get(key) == value and type(config.get(key)) is int)
    assert genesis_hash(genesis_evidence(config, {"dataset_sha256": "01"})) != genesis_hash(evidence)


def test_a_chain_links_its_first_block_to_its_genesis_once():
    evidence = genesis_evidence({"seed": 1}, {"dataset_sha256": "00"})
    plain, rooted = Chain(), Chain()
    rooted.start_from(lambda: evidence)
    for chain in (plain, rooted):
        chain.fund("alice", 5)
    assert plain.blocks[0].prev_hash == GENESIS_HASH and plain.genesis_evidence is None
    assert rooted.blocks[0].prev_hash == genesis_hash(evidence) and rooted.head_hash != plain.head_hash
    with pytest.raises(ValueError, match="fixed once its first block is hashed"):
        rooted.start_from(evidence)
    with pytest.raises(ValueError, match="not a genesis record"):
        genesis_hash({"config": {}})
