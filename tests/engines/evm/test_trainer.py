"""What only the EVM engine has: bounds, packing, reverts, gas, events, the local model copy."""

from __future__ import annotations

import numpy as np
import pytest

from sumchain import Config, Rejected
from sumchain.engines.evm import abi
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
