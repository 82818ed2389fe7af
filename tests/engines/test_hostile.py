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
            self.trainer._follow(outcome, [])
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


# -- the state machine -----------------------------------------------------------------------------

class Contract:
    """The state machine's view of one deployment: its trainer, its contributions, and its contract actors."""

    def __init__(self, engine: str):
        self.engine = engine
        self.trainer = deployed(engine)
        self.minted = self.trainer.chain.minted
        self.contributions: list[tuple[np.ndarray, int, int, str]] = []     # x, y, added time, author
        self.proxies: dict[str, Proxy] = {}

    def owed(self) -> int:
        """What the trainer owes: every claimable deposit and every account's withdrawable earnings."""
        t = self.trainer
        deposits = sum(t.contribution(x, y, time, author).claimable for x, y, time, author in self.contributions)
        accounts = {author for *_, author in self.contributions}
        return deposits + sum(t.withdrawable(a) for a in accounts)

    def held(self) -> int:
        chain = self.trainer.chain
        if self.engine == "python":
            return chain.balance_of(self.trainer.address)
        return chain.backend.balance(self.trainer.address)

    def total_money(self) -> int:
        chain = self.trainer.chain
        if self.engine == "python":
            return sum(chain.balances().values())
        addresses = {chain.address_of(n) for n in chain.balances()} | {self.trainer.address}
        addresses |= {p.address for p in self.proxies.values()}
        return sum(chain.backend.balance(a) for a in addresses)


def outcome(action):
    """A call's result, or its refusal's reason: what two engines must agree on."""
    try:
        return ("ok", action())
    except Rejected as refusal:
        return ("refused", refusal.reason)


class HostileActors(RuleBasedStateMachine):
    """Honest contributors, a caller, sybils and same-block adders on both engines, compared call by
    call; `ContractActors` adds contract contributors on the EVM alone."""

    ENGINES = ("python", "evm")

    @initialize()
    def deploy_all(self):
        self.contracts = [Contract(engine) for engine in self.ENGINES]
        self.minted = {c.engine: c.trainer.chain.minted for c in self.contracts}

    def each(self, action):
        """Run `action(contract)` on every engine; the outcomes must agree."""
        outcomes = [outcome(lambda c=c: action(c)) for c in self.contracts]
        assert all(o == outcomes[0] for o in outcomes), outcomes
        return outcomes[0]

    def add(self, name: str, k: int, flip: bool, value: int):
        def act(c: Contract):
            t = c.trainer
            x = sample(k)
            y = int(t.predict(x)) ^ int(flip)
            receipt = t.add_data(name, x, y, value)
            c.contributions.append((x, y, receipt.added_time, name))
            return receipt.cost, receipt.added_time
        return self.each(act)

    @rule(name=st.sampled_from(HONEST + SYBILS), k=st.integers(0, 5), flip=st.booleans(),
          wait=st.sampled_from([0, 1, 600, DAY + 1]))
    def contributor_adds(self, name, k, flip, wait):
        self.each(lambda c: c.trainer.chain.advance(wait))
        self.add(name, k, flip, to_units(1))

    @rule(names=st.lists(st.sampled_from(HONEST + SYBILS), min_size=2, max_size=4, unique=True),
          k=st.integers(0, 5))
    def same_block_adders(self, names, k):
        """Several accounts add in one block: none is refused because another added first."""
        for name in names:
            status, result = self.add(name, k, False, to_units(1))
            # refused only when the account itself already added this very sample in this second
            assert status == "ok" or result == "this exact contribution was already added at this time", result

    @rule(name=st.sampled_from(HONEST + SYBILS))
    def claims_the_rules_allow_succeed(self, name):
        """Every claim `claim_preview` allows the account is made, and none fails because of another."""
        def act(c: Contract):
            t = c.trainer
            if not c.contributions:
                return []
            ids = list(range(len(c.contributions)))
            preview = t.claim_preview(name, ids, [t.predict(x) for x, *_ in c.contributions])
            paid = []
            for i in np.flatnonzero(preview.action):
                x, y, time, author = c.contributions[i]
                if preview.action[i] == REFUND:
                    paid.append(t.refund(name, x, y, time))
                elif preview.action[i] == REPORT:
                    paid.append(t.report(name, x, y, time, author))
            return paid
        status, result = self.each(act)
        assert status == "ok", result

    @rule(fee=st.integers(1, 10**6))
    def caller_pays_for_a_prediction(self, fee):
        def act(c: Contract):
            t = c.trainer
            verified = any(t.verified(a) for *_, a in c.contributions)
            before = t.chain.balance_of(CALLER)
            try:
                t.predict(sample(0), sender=CALLER, value=fee)
            except Rejected:
                assert not verified, "a paid prediction failed although a verified contribution exists"
                raise
            return before - t.chain.balance_of(CALLER)
        self.each(act)

    @rule(name=st.sampled_from(HONEST + SYBILS))
    def contributor_withdraws(self, name):
        def act(c: Contract):
            owed = c.trainer.withdrawable(name)
            if owed == 0:
                return 0
            assert c.trainer.withdraw(name) == owed
            return owed
        status, result = self.each(act)
        assert status == "ok", result

    @rule(seconds=st.sampled_from([1, 3600, DAY, 9 * DAY]))
    def time_passes(self, seconds):
        self.each(lambda c: c.trainer.chain.advance(seconds))

    @invariant()
    def money_is_conserved_and_the_contract_holds_what_it_owes(self):
        for c in getattr(self, "contracts", []):
            assert c.held() == c.owed()
            assert c.total_money() == c.trainer.chain.minted


class ContractActors(HostileActors):
    """The same, on the EVM alone, with a smart-contract wallet and a contributor contract that
    switches its receive to reverting whenever it likes."""

    ENGINES = ("evm",)

    @initialize()
    def deploy_all(self):
        super().deploy_all()
        contract = self.contracts[0]
        for name, reverting in (("wallet", False), ("hostile", False)):
            contract.proxies[name] = Proxy(contract.trainer, f"{name}_owner", reverting)

    @rule(name=st.sampled_from(["wallet", "hostile"]), k=st.integers(0, 5), exact=st.booleans())
    def contract_adds(self, name, k, exact):
        c = self.contracts[0]
        proxy, t = c.proxies[name], c.trainer
        x = sample(k)
        y = int(t.predict(x))
        value = t.cost_to_add(x, y) if exact else to_units(1)
        if proxy.add(x, y, value):
            c.contributions.append((x, y, t.chain.now, proxy.address))

    @rule(name=st.sampled_from(["wallet", "hostile"]))
    def contract_claims(self, name):
        c = self.contracts[0]
        proxy, t = c.proxies[name], c.trainer
        for x, y, time, author in c.contributions:
            if author == proxy.address:
                proxy.refund(x, y, time)                  # it may fail: its own call only
        proxy.call("withdraw")

    @rule(reverting=st.booleans())
    def hostile_switches_its_receive(self, reverting):
        self.contracts[0].proxies["hostile"].set_reverting(reverting)

    @rule()
    def wallet_is_always_paid(self):
        c = self.contracts[0]
        wallet, t = c.proxies["wallet"], c.trainer
        owed = t.withdrawable(wallet.address)
        received = wallet.received
        if owed:
            assert wallet.call("withdraw") and wallet.received == received + owed


SMALL = settings(max_examples=12, stateful_step_count=25, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestHostileActors = HostileActors.TestCase
TestHostileActors.settings = SMALL
TestContractActors = ContractActors.TestCase
TestContractActors.settings = SMALL
