"""What only the EVM engine has: bounds, packing, reverts, gas, events, the local model copy."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain import Config, Rejected
from sumchain.components import evm_mechanisms
from sumchain.config import DAY_S
from sumchain.contract.incentives import MECHANISMS
from sumchain.contract.trainer import claim_rules_of
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import CONTRACTS_DIR
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.engines.evm.deploy import deploy_contract
from sumchain.engines.evm.model_state import write_chunk
from sumchain.engines.evm.revm import RevmBackend
from sumchain.ledger.money import to_units
from sumchain.models import SparsePerceptron


def deployed(width=300, max_features=1024, gas_price_gwei=0.0, weights=None, intercept=0):
    config = Config(num_words=width, max_features=max_features, gas_price_gwei=gas_price_gwei)
    weights = np.zeros(width, np.int64) if weights is None else weights
    backend = RevmBackend(gas_price=int(gas_price_gwei * 10**9))
    trainer, gas = deploy_contract(config, SparsePerceptron(width, 20, weights, intercept), backend)
    trainer.chain.fund("alice", to_units(100))
    trainer.chain.advance(600)
    return trainer, gas


def test_ten_thousand_words_deploy_in_chunks_within_a_transaction_s_gas_cap():
    rng = np.random.default_rng(1)
    weights = rng.integers(-1000, 1000, 10_000)
    trainer, gas = deployed(10_000, weights=weights, intercept=7)
    nonzero = np.count_nonzero(weights)
    assert len(gas.state) == -(-nonzero // write_chunk(trainer.model)) and max(gas.state) <= TX_GAS_CAP
    assert trainer.read_model().state() == SparsePerceptron(10_000, 20, weights, 7).state()


def test_a_sample_over_the_deployed_bound_is_refused_with_its_reason_not_truncated():
    trainer, _ = deployed(max_features=5)
    with pytest.raises(Rejected, match="a sample may have at most 5 present features, got 6"):
        trainer.add_data("alice", np.arange(6), 1, to_units(10))
    with pytest.raises(Rejected, match="at most 5 present features, got 300"):
        trainer.predict(np.arange(2000) % 300)   # duplicates collapse: 300 unique ones
    assert trainer.add_data("alice", np.arange(5), 1, to_units(10)).cost > 0
    wide, _ = deployed(width=3000)               # beyond the compiled bound too: the same refusal
    with pytest.raises(Rejected, match="at most 1024 present features, got 1500"):
        wide.add_data("alice", np.arange(1500), 1, to_units(10))


def test_the_contract_itself_refuses_a_malformed_packed_sample():
    trainer, _ = deployed()
    spec = trainer._functions["predict"]
    unsorted = np.array([5, 3], dtype=">u2").tobytes() + b"\xff" * 28
    outcome = trainer.backend.call(trainer.address, spec.calldata(unsorted))
    assert not outcome.success
    assert abi.revert_reason(outcome.output) == "x must be strictly increasing feature indices"


def test_money_semantics_the_contract_keeps_the_cost_and_returns_the_rest_in_the_same_transaction():
    trainer, _ = deployed()
    cost = trainer.cost_to_add()
    trainer.add_data("alice", [1, 2], 1, to_units(50))
    assert trainer.chain.balance_of("alice") == to_units(100) - cost
    assert trainer.chain.balance_of(trainer.address) == cost


def test_gas_is_metered_per_sender_and_function_and_paid_at_the_gas_price():
    trainer, _ = deployed(gas_price_gwei=2.5)
    cost = trainer.cost_to_add()
    trainer.add_data("alice", [1, 2], 1, to_units(50))
    with pytest.raises(Rejected):
        trainer.add_data("alice", [3], 1, to_units(50))        # same second: refused, gas still paid
    gas = trainer.chain.gas_used()[("alice", "add_data")]
    assert gas > 2 * 21_000
    assert trainer.chain.balance_of("alice") == to_units(100) - cost - gas * 2_500_000_000


def test_the_local_model_follows_the_chain_through_events():
    trainer, _ = deployed(intercept=5)
    model = trainer.model                       # read once
    for k in range(6):
        trainer.chain.advance(600)
        trainer.add_data("alice", [k, k + 10], k % 2, to_units(10))
    assert trainer.model is model               # followed through DataAdded events, not re-read
    assert model.state() == trainer.read_model().state()


def test_the_ledger_records_each_call_with_its_events_and_gas():
    trainer, _ = deployed()
    trainer.add_data("alice", [1, 2], 1, to_units(50))
    tx = list(trainer.chain.transactions())[-1]
    assert (tx.sender, tx.function, tx.status) == ("alice", "add_data", "ok")
    assert tx.events[0][0] == "DataAdded" and tx.events[-1][0] == "gas"


# -- reads answered without asking the contract the full question: always the contract's answer --------
MECHANISM_NAMES = evm_mechanisms()      # a new mechanism is covered as it is added
PARTICIPANTS = ("alice", "bob", "owner")
STEP = st.one_of(
    st.tuples(st.just("advance"), st.sampled_from([0, 1, 59, 3_600, DAY_S, DAY_S + 1, 8 * DAY_S, 10 * DAY_S])),
    st.tuples(st.just("add"), st.sampled_from(PARTICIPANTS), st.integers(0, 7), st.integers(0, 1)),
    st.tuples(st.sampled_from(["refund", "report"]), st.sampled_from(PARTICIPANTS), st.integers(0, 30)),
    st.tuples(st.just("fund"), st.sampled_from(PARTICIPANTS)),
)


def deployed_with(incentive: str):
    config = Config(num_words=40, incentive=incentive, cost_weight=1)
    weights = np.random.default_rng(3).integers(-3, 4, 40)
    trainer, _ = deploy_contract(config, SparsePerceptron(40, 20, weights, 1), RevmBackend())
    for name in PARTICIPANTS:
        trainer.chain.fund(name, to_units(1_000))
    trainer.chain.advance(600)
    return trainer


def uncached_claim_rules(trainer, claimer: str):
    """claim_rules as a fresh mirror answers it from the contract's waits and verified count read now."""
    waits = {key: trainer._read(key)[0] for key in ("refund_wait_s", "any_address_claim_wait_s", "owner_claim_wait_s")}
    mirror = MECHANISMS[trainer.mechanism_name](**waits, owner=trainer.owner)
    mirror.verified = {claimer: trainer.verified(claimer)}
    return claim_rules_of(mirror, claimer)


def full_cost_read(trainer, x, y):
    """The contract's own cost of exactly this sample and label (`cost_to_add_for`), or its refusal."""
    try:
        return trainer._read("cost_to_add_for", trainer._pack(np.asarray(x, dtype=np.int32)), y)[0]
    except Rejected as refusal:
        return refusal.reason


def cost_or_refusal(trainer, x, y):
    try:
        return trainer.cost_to_add(x, y)
    except Rejected as refusal:
        return refusal.reason


SAMPLES = [sorted({(7 * k + j * j) % 40 for j in range(1 + k)}) for k in range(8)]


@pytest.mark.parametrize("incentive", MECHANISM_NAMES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=5, max_size=30))
def test_remembered_claim_rules_and_the_cost_read_equal_the_contract_s_full_answer_through_any_sequence(
        incentive, steps):
    """Hostile sequences: same-second adds, claims too early and too late, refusals, funding; after every
    step each participant's claim_rules equals an uncached read and cost_to_add(x, y) equals the
    contract's cost of exactly that sample."""
    trainer = deployed_with(incentive)
    added = []
    for step in steps:
        try:
            if step[0] == "advance":
                trainer.chain.advance(step[1])
            elif step[0] == "fund":
                trainer.chain.fund(step[1], to_units(5))
            elif step[0] == "add":
                _, who, k, y = step
                receipt = trainer.add_data(who, SAMPLES[k], y, to_units(20))
                added.append((who, SAMPLES[k], y, receipt.added_time))
            elif added:
                kind, who, i = step
                author, x, y, when = added[i % len(added)]
                if kind == "refund":
                    trainer.refund(who, x, y, when)
                else:
                    trainer.report(who, x, y, when, author)
        except Rejected:
            pass
        for name in PARTICIPANTS:
            assert trainer.claim_rules(name) == uncached_claim_rules(trainer, name)
        for k, x in enumerate(SAMPLES[:4]):
            assert cost_or_refusal(trainer, x, k % 2) == full_cost_read(trainer, x, k % 2)


def test_a_verified_count_is_only_ever_incremented_by_the_contracts():
    """What lets claim_rules be remembered: no contract lowers a verified count, and the waits are
    written only when the contract is deployed."""
    verified, waits = [], []
    for path in sorted(CONTRACTS_DIR.glob("*.vy")):
        function = ""
        for line in path.read_text().splitlines():
            code = line.split("#")[0]
            function = re.match(r"def (\w+)", code).group(1) if code.startswith("def ") else function
            if re.search(r"\bverified\[[^\]]*\]\s*[-+*/]?=(?!=)", code):
                verified.append((path.name, function, code.strip()))
            if re.search(r"\b(refund_wait_s|any_address_claim_wait_s|owner_claim_wait_s)\s*[-+*/]?=(?!=)", code):
                waits.append((path.name, function))
    assert verified == [("stakeable.vy", "record_refund", "self.verified[sender] += 1")]
    assert waits == [("stakeable.vy", "__init__")] * 3


def test_claim_rules_are_remembered_only_once_they_cannot_change():
    trainer = deployed_with("stakeable")
    y = trainer.predict(SAMPLES[1])                              # the model agrees: refundable after the wait
    added = trainer.add_data("alice", SAMPLES[1], y, to_units(20)).added_time
    assert trainer.claim_rules("alice").state == (False, False)
    assert "alice" not in trainer._lasting_rules                 # a first verified contribution would change them
    trainer.chain.advance(DAY_S + 1)
    trainer.refund("alice", SAMPLES[1], y, added)
    assert trainer.claim_rules("alice").state == (False, True)
    assert "alice" in trainer._lasting_rules
