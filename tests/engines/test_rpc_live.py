"""The rpc engine on a node it does not control (`deploy_rpc(..., simulation=False)`): the real Hardhat
dev node treated as a live chain. The trainer never moves the node's clock; only the test does, by raw
RPC, as time passing on a live chain would."""

from __future__ import annotations

import pytest

from sumchain import Rejected
from sumchain.config import Config
from sumchain.contract.reasons import REASONS, TOO_EARLY_TO_REFUND
from sumchain.engines import initial_model
from sumchain.engines.evm.chain import LiveChainError
from sumchain.engines.rpc import KEYS_VARIABLE, RpcBackend, deploy_rpc
from sumchain.engines.rpc.backend import NodeError
from sumchain.ledger.money import to_units
from tests.conftest import make_dataset
from tests.engines.backends import make_backend

# Hardhat's first two dev accounts (its well-known test mnemonic), and the third by address only:
# unlocked on the node, so it sends with eth_sendTransaction and no key.
OWNER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ALICE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ALICE = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
UNLOCKED = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
DAY = 86_400


@pytest.fixture
def live(rpc_url, monkeypatch):
    make_backend("rpc", rpc_url)                    # a clean node for this test (the test's doing, not the trainer's)
    node = RpcBackend(rpc_url)
    node._request("evm_increaseTime", [10 * DAY])   # a chain whose clock is well past 0, like any live one
    node._request("evm_mine", [])
    monkeypatch.setenv(KEYS_VARIABLE, f"owner={OWNER_KEY},alice={ALICE_KEY}")
    dataset = make_dataset(n_train=200, n_test=10, width=60, seed=5)
    config = Config(num_words=60, train_size=0.1, engine="rpc", rpc_url=rpc_url)
    trainer = deploy_rpc(config, initial_model(config, dataset), simulation=False)
    node._request("evm_increaseTime", [60])         # a minute passes on the chain after the deployment
    node._request("evm_mine", [])
    samples = [dataset.X_train.indices[dataset.X_train.indptr[i]:dataset.X_train.indptr[i + 1]] for i in range(20)]
    return trainer, node, samples


def latest_block_time(node: RpcBackend) -> int:
    return int(node._request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def test_a_live_chain_keeps_its_own_clock_and_money(live):
    trainer, node, _ = live
    assert trainer.chain.now == latest_block_time(node) > 10 * DAY      # no reset, no time set to 0
    with pytest.raises(LiveChainError, match="a live chain's clock cannot be moved") as error:
        trainer.chain.advance(DAY)
    assert "\n" not in str(error.value)
    with pytest.raises(LiveChainError, match="cannot be minted"):
        trainer.chain.fund("alice", 1)
    node._request("evm_increaseTime", [3_600])
    node._request("evm_mine", [])
    assert trainer.chain.now == latest_block_time(node)                 # the node's time, read afresh
    with pytest.raises(NodeError, match="neither one of the given keys"):  # no impersonation on a live chain
        trainer.add_data("bob", [1, 2], 1, 0)


def test_add_refund_and_a_refusal_on_a_live_chain(live):
    trainer, node, samples = live
    x = samples[0]
    y = trainer.predict(x)                          # the model agrees, so a refund is possible later
    cost = trainer.cost_to_add()
    start = trainer.chain.balance_of(ALICE)
    assert trainer.chain.address_of("alice") == ALICE                    # the key's address
    node._request("evm_increaseTime", [600])       # real time passes between reading and sending
    receipt = trainer.add_data("alice", x, y, cost + 5)
    added, cost = receipt.added_time, receipt.cost       # the cost at the block's time, not the read's
    assert added == latest_block_time(node) == trainer.chain.now      # the block's time, from the event
    assert added >= 10 * DAY + 600
    assert trainer.chain.balance_of(ALICE) == start - cost               # change returned; gas price 0
    assert trainer.contribution(x, y, added, "alice").initial_deposit == cost    # the contract keyed it by that time

    with pytest.raises(Rejected) as refusal:       # too early: the contract's reason, as on every engine
        trainer.refund("alice", x, y, added)
    assert refusal.value.reason == REASONS[TOO_EARLY_TO_REFUND]

    node._request("evm_increaseTime", [DAY + 1])   # the refund wait passes on the node
    node._request("evm_mine", [])
    assert trainer.refund("alice", x, y, added) == cost
    assert trainer.chain.balance_of(ALICE) == start
    assert trainer.verified("alice") == 1

    other = trainer.add_data(UNLOCKED, samples[1], trainer.predict(samples[1]), trainer.cost_to_add())
    assert other.added_time == latest_block_time(node)                  # the node's unlocked account sends
    kinds = [(tx.sender, tx.function, tx.status) for block in trainer.chain.blocks for tx in block.transactions]
    assert kinds == [("alice", "add_data", "ok"), ("alice", "refund", "rejected"), ("alice", "refund", "ok"),
                     (UNLOCKED, "add_data", "ok")]


@pytest.mark.parametrize("key", [OWNER_KEY[:-2] + "zz", "0x1234", OWNER_KEY + "00"])
def test_a_malformed_key_is_one_line_that_never_quotes_it(key):
    with pytest.raises(NodeError, match="the private key given for 'alice' is not valid") as error:
        RpcBackend("http://127.0.0.1:1", keys={"alice": key})     # refused before the node is asked
    assert key[2:12] not in str(error.value) and error.value.__cause__ is None
