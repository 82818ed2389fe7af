"""Quality-priced submissions: the exact integer cost, and the stakeable rules otherwise unchanged."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumchain import Config, Rejected
from sumchain.contract.incentives import QualityPriced, Stakeable, mechanism_for
from sumchain.ledger.money import to_units
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, add, deployed

COIN = to_units(1)


@pytest.mark.parametrize("margin,expected", [
    (5_000, 8),            # the model agrees: the base cost
    (0, 8),                # on the boundary: no surcharge
    (-10_000, 8 + 8 * 4 * 10_000 // 20_000),           # d = s: half of w * base
    (-1, 8 + 8 * 4 * 1 // 10_001),                      # floors to no surcharge
    (-10**9, 8 + 8 * 4 * 10**9 // (10**9 + 10_000)),    # near (1 + w) * base, never above
])
def test_cost_is_base_plus_the_floored_surcharge(margin, expected):
    mechanism = QualityPriced(weight=4, margin_scale=10_000)
    assert mechanism.priced(8, margin) == expected


@given(base=st.integers(1, 10**22), margin=st.integers(-10**12, 10**12), weight=st.integers(0, 50),
       scale=st.integers(1, 10**6))
def test_cost_grows_with_disagreement_and_stays_bounded(base, margin, weight, scale):
    mechanism = QualityPriced(weight=weight, margin_scale=scale)
    cost = mechanism.priced(base, margin)
    d = max(0, -margin)
    assert cost == base + base * weight * d // (d + scale)
    assert base <= cost <= (1 + weight) * base
    assert mechanism.priced(base, margin - 1) >= cost      # more disagreement never costs less


def test_the_base_is_the_stakeable_cost():
    config = Config(incentive="quality_priced", cost_weight=3)
    priced, stakeable = mechanism_for(config, "owner"), Stakeable.from_config(config, "owner")
    for now in (1, 60, 600, 86_400):
        assert priced.cost_to_add(now) == stakeable.cost_to_add(now) == max(1, 3 * COIN * 60 // math.isqrt(now))
    assert priced.cost_to_add(0) == stakeable.cost_to_add(0) == 3 * COIN * 60      # a zero gap costs a 1 s gap
    with pytest.raises(Rejected, match="below 2\\*\\*64 seconds"):
        priced.cost_to_add(2**64)


def test_each_mechanism_reads_only_its_own_keys():
    config = Config.from_overrides({"incentive": "quality_priced", "quality_priced.weight": 7,
                                    "quality_priced.margin_scale": 123, "cost_weight": 2})
    mechanism = mechanism_for(config, "owner")
    assert (mechanism.weight, mechanism.margin_scale, mechanism.cost_weight) == (7, 123, 2 * COIN)
    points = mechanism_for(config.replace(incentive="points"), "owner")
    assert points.cost_weight == 0 and not hasattr(points, "weight")


def test_the_trainer_charges_what_its_free_read_quotes(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, incentive="quality_priced")
    trainer.chain.advance(600)
    agree, contradict = trainer.cost_to_add(POSITIVE, 1), trainer.cost_to_add(POSITIVE, 0)
    base = trainer.cost_to_add()
    margin = trainer.model.margin(POSITIVE, 0)
    assert margin < 0 and agree == base == COIN * 60 // math.isqrt(600)
    assert contradict == base + base * 4 * -margin // (-margin + 10_000) > agree
    receipt = trainer.add_data("alice", POSITIVE, 0, to_units(100))
    assert receipt.cost == contradict
    assert trainer.chain.balance_of("alice") == to_units(10_000) - contradict


def test_a_dear_contribution_is_refunded_whole_when_the_model_comes_to_agree(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, incentive="quality_priced")
    receipt = add(trainer, "alice", POSITIVE, 1)
    trainer.chain.advance(DAY + 1)
    assert trainer.refund("alice", POSITIVE, 1, receipt.added_time) == receipt.cost


def test_underpaying_the_quoted_price_is_refused_and_changes_nothing(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, incentive="quality_priced")
    trainer.chain.advance(600)
    price = trainer.cost_to_add(NEGATIVE, 1)
    before = ([trainer.chain.balance_of(n) for n in ("alice", "bob", trainer.address)], trainer.model.state())
    with pytest.raises(Rejected, match="did not pay enough"):
        trainer.add_data("bob", NEGATIVE, 1, price - 1)
    assert ([trainer.chain.balance_of(n) for n in ("alice", "bob", trainer.address)], trainer.model.state()) == before


def test_the_free_read_checks_the_sample(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, incentive="quality_priced")
    trainer.chain.advance(60)
    with pytest.raises(Rejected, match="y must be a class index"):
        trainer.cost_to_add(POSITIVE, 2)
    with pytest.raises(Rejected, match="out of range"):
        trainer.cost_to_add([10**6], 1)


def test_weight_zero_prices_as_stakeable(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, incentive="quality_priced", quality_priced={"weight": 0})
    trainer.chain.advance(600)
    assert trainer.cost_to_add(POSITIVE, 0) == trainer.cost_to_add(POSITIVE, 1) == trainer.cost_to_add()


def test_the_perceptron_margin_is_signed_by_label(tiny_dataset):
    trainer = deployed(tiny_dataset)
    model = trainer.model
    for x in (POSITIVE, NEGATIVE):
        assert model.margin(x, 1) == model.score(x) == -model.margin(x, 0)
        assert (model.margin(x, model.predict(x)) >= 0)
