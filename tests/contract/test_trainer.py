"""Behaviour shared by every mechanism on every engine: rejections change nothing; keys are unique."""

from __future__ import annotations

import numpy as np
import pytest
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, add, deployed

from sumchain import Config, Rejected
from sumchain.errors import SumchainError
from sumchain.engines import deploy
from tests.models.test_conformance import three_classes
from sumchain.ledger.money import to_units


def snapshot(trainer):
    """What a refused call must leave as it was, through public reads only (works on every engine)."""
    try:
        cost = trainer.cost_to_add()
    except Rejected as refusal:
        cost = refusal.reason
    people = ("alice", "bob", "carol")
    return ({name: trainer.chain.balance_of(name) for name in people + ("owner",)}, trainer.model.state(),
            [trainer.verified(name) for name in people], [trainer.reported(name) for name in people], cost)


def test_add_data_records_and_learns(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    receipt = add(trainer, "alice", POSITIVE, 1)
    assert receipt.added_time == trainer.chain.now
    assert receipt.model_updated is False          # the model already predicted 1
    view = trainer.contribution(POSITIVE, 1, receipt.added_time, "alice")
    assert view.author == "alice" and view.initial_deposit == receipt.cost and not view.settled


@pytest.mark.parametrize("call", [
    lambda t: t.add_data("alice", [0, 10_000], 1, 10),
    lambda t: t.add_data("alice", [-1, 3], 1, 10),
    lambda t: t.add_data("alice", [1.5], 1, 10),
    lambda t: t.add_data("alice", [1, 2], 2, 10),
    lambda t: t.add_data("alice", [1, 2], 1, 10**27),
    lambda t: t.add_data("alice", [1, 2], 1, -5),
    lambda t: t.refund("alice", POSITIVE, 1, 12345),
    lambda t: t.report("bob", POSITIVE, 1, 12345, "alice"),
], ids=["index-too-big", "negative-index", "float-index", "bad-class", "overdraft", "negative-value",
        "refund-unknown", "report-unknown"])
def test_refused_calls_change_nothing_and_are_recorded(tiny_dataset, engine, mechanism, call):
    trainer = deployed(tiny_dataset, engine, mechanism)
    add(trainer, "alice", POSITIVE, 1)
    trainer.chain.advance(600)
    before = snapshot(trainer)
    transactions = sum(1 for _ in trainer.chain.transactions())
    with pytest.raises(Rejected):
        call(trainer)
    assert snapshot(trainer) == before
    recorded = list(trainer.chain.transactions())
    # argument errors are refused before a transaction is formed; contract refusals are recorded
    assert len(recorded) in (transactions, transactions + 1)
    if len(recorded) == transactions + 1:
        assert recorded[-1].status == "rejected" and recorded[-1].reason


def test_out_of_range_message_names_the_allowed_range(tiny_dataset):
    trainer = deployed(tiny_dataset)
    trainer.chain.advance(10)
    with pytest.raises(Rejected, match=r"feature index 10000 is out of range; allowed 0\.\.199"):
        trainer.add_data("alice", [0, 10_000], 1, 10)


def test_adds_in_the_same_second_cost_a_one_second_gap(tiny_dataset, engine, mechanism):
    # One account adding in every block cannot refuse anyone else's add: a zero gap is priced as 1 s.
    trainer = deployed(tiny_dataset, engine, mechanism)
    first = add(trainer, "alice", POSITIVE, 1)
    expected = 0 if mechanism == "points" else 60 * 10**18
    assert trainer.cost_to_add() == expected
    second = trainer.add_data("bob", NEGATIVE, 0, to_units(100))
    third = trainer.add_data("alice", NEGATIVE, 0, to_units(100))
    assert first.added_time == second.added_time == third.added_time
    assert second.cost == third.cost == expected


def test_unsorted_duplicate_indices_are_the_same_contribution(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    receipt = add(trainer, "alice", [3, 1, 2, 2], 1)
    view = trainer.contribution(np.array([1, 2, 3]), 1, receipt.added_time, "alice")
    assert view.author == "alice"


def test_refund_needs_the_wait_and_agreement(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    good = add(trainer, "alice", POSITIVE, 1)
    bad = add(trainer, "alice", NEGATIVE, 1)
    trainer.chain.advance_to(good.added_time + DAY)     # exactly one day: still too early
    with pytest.raises(Rejected, match="not enough time has passed to ask for a refund"):
        trainer.refund("alice", POSITIVE, 1, good.added_time)
    trainer.chain.advance_to(bad.added_time + DAY + 1)
    trainer.refund("alice", POSITIVE, 1, good.added_time)
    assert trainer.verified("alice") == 1
    with pytest.raises(Rejected, match="already claimed by its author|already settled"):
        trainer.refund("alice", POSITIVE, 1, good.added_time)
    with pytest.raises(Rejected, match="the model doesn't agree with your contribution"):
        trainer.refund("alice", NEGATIVE, 1, bad.added_time)


def test_report_rules(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    mine = add(trainer, "alice", POSITIVE, 1)
    wrong = add(trainer, "bob", NEGATIVE, 1)
    right = add(trainer, "bob", POSITIVE, 1)
    trainer.chain.advance(DAY + 1)
    with pytest.raises(Rejected, match="has no verified contributions"):
        trainer.report("alice", NEGATIVE, 1, wrong.added_time, "bob")
    trainer.refund("alice", POSITIVE, 1, mine.added_time)
    with pytest.raises(Rejected, match="cannot report your own contribution"):
        trainer.report("bob", NEGATIVE, 1, wrong.added_time, "bob")
    with pytest.raises(Rejected, match="the model agrees with the contribution"):
        trainer.report("alice", POSITIVE, 1, right.added_time, "bob")
    trainer.report("alice", NEGATIVE, 1, wrong.added_time, "bob")
    with pytest.raises(Rejected, match="already claimed by this reporter|already settled|nothing left"):
        trainer.report("alice", NEGATIVE, 1, wrong.added_time, "bob")


def test_report_too_early(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    mine = add(trainer, "alice", POSITIVE, 1)
    trainer.chain.advance(DAY + 1)
    trainer.refund("alice", POSITIVE, 1, mine.added_time)
    wrong = add(trainer, "bob", NEGATIVE, 1)
    with pytest.raises(Rejected, match="not enough time has passed to report"):
        trainer.report("alice", NEGATIVE, 1, wrong.added_time, "bob")


def test_anyone_takes_everything_after_the_any_address_wait(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    receipt = add(trainer, "bob", POSITIVE, 1)
    trainer.chain.advance(9 * DAY - 1)
    with pytest.raises(Rejected):
        trainer.report("bob", POSITIVE, 1, receipt.added_time, "bob")
    trainer.chain.advance(1)
    taken = trainer.report("bob", POSITIVE, 1, receipt.added_time, "bob")   # the author too
    assert taken == receipt.cost
    assert trainer.contribution(POSITIVE, 1, receipt.added_time, "bob").settled
    with pytest.raises(Rejected, match="nothing left to claim|already settled"):
        trainer.report("carol", POSITIVE, 1, receipt.added_time, "bob")


def test_owner_may_take_after_the_owner_wait(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism, owner_claim_wait_s=8 * DAY)
    receipt = add(trainer, "bob", POSITIVE, 1)
    trainer.chain.advance(8 * DAY)
    with pytest.raises(Rejected):
        trainer.report("carol", POSITIVE, 1, receipt.added_time, "bob")
    assert trainer.report(trainer.owner, POSITIVE, 1, receipt.added_time, "bob") == receipt.cost


def test_free_reads_match_calls(tiny_dataset, engine, mechanism):
    trainer = deployed(tiny_dataset, engine, mechanism)
    add(trainer, "alice", POSITIVE, 1)
    trainer.chain.advance(900)
    cost = trainer.cost_to_add()
    receipt = trainer.add_data("bob", NEGATIVE, 0, to_units(1_000))
    assert receipt.cost == cost
    many = trainer.predict_many(tiny_dataset.X_test)
    assert [trainer.predict(tiny_dataset.X_test[i].indices) for i in range(20)] == list(many[:20])


@pytest.mark.parametrize("learning_rate, units", [(1.0, 1000), (0.05, 50), (0.0004, 1)])
def test_learning_rate_sets_the_on_chain_step_not_the_initial_weights(tiny_dataset, learning_rate, units):
    from sumchain import deploy
    base = deploy({"num_words": tiny_dataset.num_features}, tiny_dataset).model
    if learning_rate < 0.001:
        with pytest.raises(Exception, match="learning_rate"):
            deploy({"learning_rate": learning_rate}, tiny_dataset)
        return
    model = deploy({"learning_rate": learning_rate, "num_words": tiny_dataset.num_features}, tiny_dataset).model
    assert model.learning_rate == units
    assert np.array_equal(model.weights, base.weights) and model.intercept == base.intercept


def test_labels_are_class_indices_of_the_model(tiny_dataset):
    trainer = deployed(tiny_dataset)
    with pytest.raises(Rejected, match="y must be a class index 0 or 1, got 2"):
        add(trainer, "alice", POSITIVE, 2)
    three = deploy(Config(num_words=90, model="naive_bayes", train_size=0.2), three_classes())
    three.chain.fund("alice", to_units(100))
    three.chain.advance(600)
    assert three.add_data("alice", [0, 1], 2, to_units(10)).cost > 0
    three.chain.advance(600)
    with pytest.raises(Rejected, match="y must be a class index from 0 to 2, got 3"):
        three.add_data("alice", [0, 1], 3, to_units(10))


def test_a_dense_model_takes_every_feature_value_in_fixed_point(tiny_dataset):
    trainer = deploy(Config(num_words=tiny_dataset.num_features, model="dense_perceptron"), tiny_dataset)
    for name in ("alice", "bob"):
        trainer.chain.fund(name, to_units(1_000))
    x = trainer.model.sample(POSITIVE)
    assert trainer.predict(x) == 1
    assert x.shape == (tiny_dataset.num_features,) and x[POSITIVE].tolist() == [1000] * 20
    assert add(trainer, "alice", x, 1).cost > 0
    for bad, message in ((POSITIVE, "x must be 200 integer feature values"),
                         (x.astype(float), "x must be 200 integer feature values"),
                         (x * 40, "beyond the allowed")):
        with pytest.raises(Rejected, match=message):
            add(trainer, "bob", bad, 1)


def _unchecked(config: Config, **values) -> Config:
    """A config with values its validation refuses: what the contract itself must refuse."""
    for key, value in values.items():
        object.__setattr__(config, key, value)
    return config


def test_the_contract_refuses_an_owner_wait_that_config_refuses(tiny_dataset, engine):
    config = _unchecked(Config(num_words=tiny_dataset.num_features, engine=engine), owner_claim_wait_s=0)
    with pytest.raises((ValueError, SumchainError), match="owner_claim_wait_s must be >= refund_wait_s \\+ 7 days"):
        deploy(config, tiny_dataset)


def test_a_deposit_of_2_to_the_128_wei_is_refused_on_every_engine(tiny_dataset, engine):
    config = _unchecked(Config(num_words=tiny_dataset.num_features, engine=engine), cost_weight=10**20)
    trainer = deploy(config, tiny_dataset)
    trainer.chain.fund("alice", 10**40)
    trainer.chain.advance(1)
    assert trainer.cost_to_add() == 10**38 * 60 >= 2**128
    before = snapshot(trainer)
    with pytest.raises(Rejected, match="a deposit must be below 2\\*\\*128 wei"):
        trainer.add_data("alice", POSITIVE, 1, 10**40)
    assert snapshot(trainer) == before
