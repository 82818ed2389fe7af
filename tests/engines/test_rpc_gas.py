"""Gas at a price above 0: a node wants gas limit x price up front, pyrevm charges only the gas used.
With the rpc backend's estimated gas limit, agents who can afford the gas get the same outcomes on
both, and each balance is exactly start - value moved - gas used x price on its own backend."""

from __future__ import annotations

import pytest

from sumchain import Rejected
from sumchain.config import Config
from sumchain.engines import initial_model
from sumchain.engines.evm.deploy import deploy_contract, gas_price_wei
from sumchain.ledger.money import to_units
from tests.conftest import make_dataset
from tests.engines.backends import BACKEND_NAMES, make_backend

DAY = 86_400


def run_calls(backend_name: str, rpc_url: str | None):
    """A few calls at 20 gwei, one of them sending all but 0.01 coin of the sender's balance (a 2**24-gas
    limit would need 0.34 coin up front on top of the value sent): the outcomes; each balance is checked."""
    dataset = make_dataset(n_train=200, n_test=10, width=60, seed=6)
    config = Config(num_words=60, train_size=0.1, gas_price_gwei=20)
    price = gas_price_wei(config)
    backend = make_backend(backend_name, rpc_url, gas_price=price)
    backend.mint(backend.address_of("owner"), to_units(10))
    trainer, _ = deploy_contract(config, initial_model(config, dataset), backend)
    chain = trainer.chain
    people = ("alice", "bob")
    for name in people:
        chain.fund(name, to_units(20))
    chain.advance(60)
    samples = [dataset.X_train.indices[dataset.X_train.indptr[i]:dataset.X_train.indptr[i + 1]] for i in range(5)]
    moved = dict.fromkeys(people, 0)
    outcomes = []

    def call(who: str, function: str, action, value_moved):
        before = chain.gas_used().get((who, function), 0)
        try:
            result = action()
        except Rejected as refusal:
            outcomes.append((who, function, "rejected", refusal.reason))
        else:
            moved[who] += value_moved(result)
            outcomes.append((who, function, "ok", result))
        assert chain.gas_used()[(who, function)] > before          # every call is metered and paid

    cost = trainer.cost_to_add()
    y = trainer.predict(samples[0])
    added = []
    call("alice", "add_data", lambda: added.append(trainer.add_data("alice", samples[0], y, cost + 7)) or cost,
         lambda c: -c)
    when = added[0].added_time
    call("alice", "refund", lambda: trainer.refund("alice", samples[0], y, when), lambda a: a)
    chain.advance(60)
    call("bob", "add_data", lambda: trainer.add_data("bob", samples[1], 1, chain.balance_of("bob") - 10**16),
         lambda r: -r.cost)
    chain.advance(DAY + 1)
    call("alice", "refund", lambda: trainer.refund("alice", samples[0], y, when), lambda a: a)
    call("bob", "predict_paid", lambda: trainer.predict(samples[2], sender="bob", value=10**15), lambda p: -10**15)
    # the only verified contribution: the whole payment is credited to alice, who withdraws it
    call("alice", "withdraw", lambda: trainer.withdraw("alice"), lambda a: a)
    call("bob", "report", lambda: trainer.report("bob", samples[0], y, when, "alice"), lambda a: a)
    for name in people:
        gas = sum(used for (who, _), used in chain.gas_used().items() if who == name)
        assert chain.balance_of(name) == to_units(20) + moved[name] - gas * price, (backend_name, name)
    return outcomes


@pytest.mark.parametrize("backend_name", BACKEND_NAMES)
def test_gas_is_paid_from_each_balance_at_20_gwei(backend_name, request):
    url = request.getfixturevalue("rpc_url") if backend_name == "rpc" else None
    outcomes = run_calls(backend_name, url)
    assert [status for _, _, status, _ in outcomes] == ["ok", "rejected", "ok", "ok", "ok", "ok", "rejected"]


def test_rpc_and_evm_give_the_same_outcomes_at_20_gwei(rpc_url):
    assert run_calls("revm", None) == run_calls("rpc", rpc_url)
