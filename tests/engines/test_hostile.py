"""Strangers call the contract: hostile actors cannot block anyone else's claims or paid predictions.

Actors: honest contributors and a paying caller (names); sybils (many addresses with verified
contributions, cheap with cost_weight = 0); adders in the same block as someone else; and, on the EVM
only (the Python engine cannot host one), contracts acting as contributors through a small Vyper proxy
(`PROXY`): a smart-contract wallet whose receive writes storage, and a contributor whose receive
reverts. Money leaves the contract only to the caller of a call and only by its own call, so a
receiver that reverts can fail its own call and nothing else.

The state machine checks after every step that the trainer holds exactly what it owes (every
contribution's claimable deposit plus every account's withdrawable earnings) and that total money
is conserved; every honest claim that `claim_preview` says the rules allow is made and succeeds; a
paid prediction succeeds whenever a verified contribution exists; and where both engines can express
the actors, the Python and EVM engines give the same outcome to every call.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from sumchain import Config, Rejected
from sumchain.contract.reasons import REFUND, REPORT
from sumchain.engines import deploy
from sumchain.engines.evm import abi
from sumchain.engines.evm.backend import keccak256
from sumchain.ledger import Transfers
from sumchain.ledger.money import to_units
from tests.conftest import make_dataset

DAY = 86_400
HONEST = ("alice", "bob")
CALLER = "carol"
SYBILS = tuple(f"sybil{i}" for i in range(6))
START = to_units(1_000)

PROXY = """
# pragma version 0.4.3
# A contract as a contributor: its owner's calls go through execute(); what it is paid, it keeps.
# reverting = True: its receive reverts (a hostile or broken contract); else it writes storage (a
# smart-contract wallet, which the 2,300 gas of Vyper's send could not pay).

owner: public(address)
reverting: public(bool)
received: public(uint256)

@deploy
def __init__():
    self.owner = msg.sender

@external
def set_reverting(reverting: bool):
    assert msg.sender == self.owner, "only the owner"
    self.reverting = reverting

@external
@payable
def execute(target: address, data: Bytes[4096]):
    assert msg.sender == self.owner, "only the owner"
    raw_call(target, data, value=msg.value)

@external
@payable
def __default__():
    assert not self.reverting, "this contract refuses payments"
    self.received += msg.value
"""


@lru_cache(maxsize=1)
def proxy_artefact() -> tuple[bytes, dict]:
    import vyper

    out = vyper.compile_code(PROXY, output_formats=["bytecode", "abi"])
    functions, _ = abi.interface(out["abi"])
    return bytes.fromhex(out["bytecode"].removeprefix("0x")), functions


@lru_cache(maxsize=1)
def dataset():
    return make_dataset(n_train=300, n_test=50, width=60, seed=11)


def deployed(engine: str, **overrides):
    data = dataset()
    config = Config(num_words=data.num_features, engine=engine, cost_weight=0, train_size=0.1, **overrides)
    trainer = deploy(config, data)
    for name in (*HONEST, CALLER, *SYBILS):
        trainer.chain.fund(name, START)
    return trainer


class Proxy:
    """A contract contributor on the EVM engine: its owner (a name) drives the trainer through it."""

    def __init__(self, trainer, owner: str, reverting: bool):
        bytecode, self.functions = proxy_artefact()
        self.trainer, self.backend, self.owner = trainer, trainer.backend, owner
        trainer.chain.fund(owner, START)
        self.owner_address = trainer.chain.address_of(owner)
        self.address, outcome = self.backend.deploy(self.owner_address, bytecode)
        assert outcome.success
        self.set_reverting(reverting)

    def set_reverting(self, reverting: bool) -> None:
        outcome = self.backend.transact(self.owner_address, self.address,
                                        self.functions["set_reverting"].calldata(reverting))
        assert outcome.success

    def call(self, function: str, *args, value: int = 0) -> bool:
        """Whether the trainer call made through the proxy succeeded (the trainer follows its events)."""
        data = self.trainer._functions[function].calldata(*args)
        outcome = self.backend.transact(self.owner_address, self.address, execute_calldata(self.trainer.address, data),
                                        value)
        if outcome.success:
            self.trainer._follow(outcome, Transfers(self.trainer.chain))
        return outcome.success

    def add(self, x, y: int, value: int) -> bool:
        return self.call("add_data", self.trainer._pack(x), y, value=value)

    def refund(self, x, y: int, added_time: int) -> bool:
        return self.call("refund", self.trainer._pack(x), y, added_time)

    @property
    def received(self) -> int:
        spec = self.functions["received"]
        return spec.result(self.backend.call(self.address, spec.calldata()).output)[0]


def execute_calldata(target: str, data: bytes) -> bytes:
    """execute(address, bytes), encoded by hand (the engine's encoder has no dynamic bytes)."""
    padded = data + bytes(-len(data) % 32)
    return (keccak256(b"execute(address,bytes)")[:4] + abi.encode(("address", "uint256", "uint256"),
                                                                  (target, 64, len(data))) + padded)


def sample(k: int) -> np.ndarray:
    """Sample k of a small fixed pool: a few present features, different samples for different k."""
    rng = np.random.default_rng(k)
    return np.sort(rng.choice(dataset().num_features, 4, replace=False)).astype(np.int32)


# -- direct tests ----------------------------------------------------------------------------------

def _verify(trainer, names, x, label):
    """Each name adds `x` in the same block, then each refunds it a day later (a verified contribution)."""
    added = {name: trainer.add_data(name, x, label, 1).added_time for name in names}
    trainer.chain.advance(DAY + 1)
    for name in names:
        assert trainer.refund(name, x, label, added[name]) == 1       # cost_weight 0: a deposit of 1 wei


@pytest.mark.parametrize("engine", ["python", "evm"])
def test_two_thousand_sybils_block_no_claim_and_no_paid_prediction(engine):
    trainer = deployed(engine)
    chain = trainer.chain
    x = sample(0)
    label = trainer.predict(x)
    sybils = [f"many{i}" for i in range(2_000)]
    for name in sybils:
        chain.fund(name, 10)
    chain.advance(60)
    honest = trainer.add_data("alice", x, label, to_units(1))
    _verify(trainer, sybils, x, label)                                   # 2,000 adds in one block
    assert trainer.refund("alice", x, label, honest.added_time) == 1
    assert trainer.verified("alice") == 1
    fee = to_units(1)
    before = chain.balance_of(CALLER)
    trainer.predict(x, sender=CALLER, value=fee)
    per_unit = fee // 2_001
    assert before - chain.balance_of(CALLER) == per_unit * 2_001            # the dust stays with the caller
    assert trainer.withdrawable("alice") == trainer.withdrawable("many7") == per_unit
    assert trainer.withdraw("alice") == per_unit
    if engine == "evm":
        gas = chain.gas_used()
        assert gas[(CALLER, "predict_paid")] < 200_000                       # O(1) in the sharers


def test_a_reverting_contributor_contract_blocks_nothing_and_a_wallet_is_paid():
    trainer = deployed("evm")
    chain = trainer.chain
    hostile, wallet = Proxy(trainer, "hostile_owner", reverting=False), Proxy(trainer, "wallet_owner", False)
    x = sample(1)
    label = trainer.predict(x)
    chain.advance(60)
    assert hostile.add(x, label, value=to_units(1))                      # the change comes back: it accepts now
    assert wallet.add(x, label, value=to_units(1))
    alice = trainer.add_data("alice", x, label, to_units(1))               # same block as both contracts
    added = alice.added_time
    chain.advance(DAY + 1)
    assert hostile.refund(x, label, added) and wallet.refund(x, label, added)
    assert trainer.verified(hostile.address) == trainer.verified(wallet.address) == 1
    assert wallet.received == to_units(1)                                  # its add's change, then its refund
    hostile.set_reverting(True)
    chain.advance(60)
    assert trainer.refund("alice", x, label, added) == 1                   # a refund beside a reverting receiver
    fee = to_units(1)
    trainer.predict(x, sender=CALLER, value=fee)                         # credits the reverting contract too
    assert trainer.withdraw("alice") == fee // 3
    assert not hostile.call("withdraw")                                    # only its own call fails
    assert trainer.withdrawable(hostile.address) == fee // 3
    assert wallet.call("withdraw") and wallet.received == to_units(1) + fee // 3
    bob = trainer.add_data("bob", x, label, to_units(1))                   # and adds go on
    assert not hostile.add(x, label, value=to_units(1))                    # its change cannot be paid: its own add fails
    assert hostile.add(x, label, value=trainer.cost_to_add(x, label))      # exact value: no change to pay
    assert bob.cost == 1
