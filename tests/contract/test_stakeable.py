"""The stakeable mechanism's arithmetic: costs, refunds and report awards, to the unit."""

from __future__ import annotations

import math

import pytest
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, add, deployed

from sumchain.ledger.money import to_units
from sumchain import Rejected
from sumchain.contract import DataHandler, Stakeable


@pytest.mark.parametrize("dt, cost_weight, expected", [
    (1, 1, 60), (3, 1, 60), (4, 1, 30), (600, 1, 2), (3600, 1, 1), (10**6, 1, 1),
    (600, 5, 12), (100, 25, 150), (86_400, 0, 1),
])
def test_cost_formula(dt, cost_weight, expected):
    mechanism = Stakeable(cost_weight=cost_weight)
    assert mechanism.cost_to_add(dt) == expected == max(1, math.floor(cost_weight * 60 / math.isqrt(dt)))


def test_a_zero_gap_costs_a_one_second_gap_and_no_add_before_the_start():
    mechanism = Stakeable(start_time=100, cost_weight=5)
    assert mechanism.cost_to_add(100) == mechanism.cost_to_add(101) == 5 * 60
    with pytest.raises(Rejected, match="not enough time has passed since the last data was added"):
        mechanism.cost_to_add(99)
    with pytest.raises(Rejected, match="below 2\\*\\*64 seconds"):
        mechanism.cost_to_add(2**64)
    assert mechanism.cost_to_add(2**64 - 1) >= 1


def test_claim_waits_must_leave_a_week():
    with pytest.raises(ValueError, match="any_address_claim_wait_s"):
        Stakeable(refund_wait_s=DAY, any_address_claim_wait_s=7 * DAY)
    with pytest.raises(ValueError, match="owner_claim_wait_s"):
        Stakeable(refund_wait_s=DAY, any_address_claim_wait_s=9 * DAY, owner_claim_wait_s=0)
    assert Stakeable(refund_wait_s=DAY, any_address_claim_wait_s=9 * DAY, owner_claim_wait_s=8 * DAY)


def test_only_the_cost_is_taken(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    receipt = add(trainer, "alice", POSITIVE, 1, value=to_units(500), wait=600)
    assert receipt.cost == to_units(60) // math.isqrt(trainer.chain.now)     # cost_weight 1 coin, in base units
    assert trainer.chain.balance_of("alice") == to_units(10_000) - receipt.cost
    assert trainer.chain.balance_of(trainer.address) == receipt.cost


def test_underpaying_is_rejected(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    trainer.chain.advance(4)     # cost 30 coins
    with pytest.raises(Rejected, match=f"did not pay enough: sent {to_units(30) - 1} but adding data costs {to_units(30)} now"):
        trainer.add_data("alice", POSITIVE, 1, to_units(30) - 1)


def test_refund_pays_the_whole_deposit(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    receipt = add(trainer, "alice", POSITIVE, 1, wait=16)    # cost 15 coins
    trainer.chain.advance(DAY + 1)
    assert trainer.refund("alice", POSITIVE, 1, receipt.added_time) == receipt.cost == to_units(15)
    assert trainer.chain.balance_of("alice") == to_units(10_000)


def test_report_award_is_proportional_to_verified_contributions(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    # alice earns 3 verified contributions, carol 1: total 4
    for sender, count in (("alice", 3), ("carol", 1)):
        for _ in range(count):
            receipt = add(trainer, sender, POSITIVE, 1, wait=3600)
            trainer.chain.advance(DAY + 1)
            trainer.refund(sender, POSITIVE, 1, receipt.added_time)
    add(trainer, "carol", POSITIVE, 1)
    trainer.chain.advance(10)     # 10 s after the last add: cost 60 // isqrt(10) = 20 coins
    bad = trainer.add_data("bob", NEGATIVE, 1, to_units(100))
    deposit = bad.cost
    assert deposit == to_units(60) // math.isqrt(10) == to_units(20)
    trainer.chain.advance(DAY + 1)
    alice_award = trainer.report("alice", NEGATIVE, 1, bad.added_time, "bob")
    assert alice_award == deposit * 3 // 4 == to_units(15)
    carol_award = trainer.report("carol", NEGATIVE, 1, bad.added_time, "bob")
    assert carol_award == deposit * 1 // 4 == to_units(5)
    view = trainer.contribution(NEGATIVE, 1, bad.added_time, "bob")
    assert view.claimable == 0 and view.num_claims == 2 and view.settled


def test_award_larger_than_what_is_left_pays_what_is_left(tiny_dataset):
    trainer = deployed(tiny_dataset)
    for sender in ("alice", "carol"):
        receipt = add(trainer, sender, POSITIVE, 1, wait=3600)
        trainer.chain.advance(DAY + 1)
        trainer.refund(sender, POSITIVE, 1, receipt.added_time)
    add(trainer, "carol", POSITIVE, 1)
    trainer.chain.advance(9)
    bad = trainer.add_data("bob", NEGATIVE, 1, to_units(100))   # deposit 20 coins, alice and carol 1 of 2 each
    trainer.chain.advance(DAY + 1)
    assert trainer.report("alice", NEGATIVE, 1, bad.added_time, "bob") == to_units(10)
    # carol's share would be 10 of what is left (10): pays all that is left
    assert trainer.report("carol", NEGATIVE, 1, bad.added_time, "bob") == to_units(10)


def test_zero_award_pays_what_is_left():
    mechanism = Stakeable()
    mechanism.verified = {"alice": 1, "carol": 1000}
    mechanism.total_verified = 1001
    handler = DataHandler()
    record = handler.add("k", "bob", 1, 0, 3)
    assert mechanism.report_amount(record, "alice", DAY + 1, prediction=0) == 3   # 3 * 1 // 1001 == 0


def test_paid_prediction_shares_value_by_verified_count(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    for sender, count in (("alice", 2), ("bob", 1)):
        for _ in range(count):
            receipt = add(trainer, sender, POSITIVE, 1, wait=3600)
            trainer.chain.advance(DAY + 1)
            trainer.refund(sender, POSITIVE, 1, receipt.added_time)
    before = trainer.chain.balances()
    assert trainer.predict(POSITIVE, sender="carol", value=10) == 1
    after = trainer.chain.balances()
    # Pulled: each verified contribution is credited 10 // 3 = 3; nothing is sent to a contributor.
    assert (after["alice"], after["bob"]) == (before["alice"], before["bob"])
    assert (trainer.withdrawable("alice"), trainer.withdrawable("bob")) == (2 * 3, 1 * 3)
    assert before["carol"] - after["carol"] == 9          # the remainder (10 - 3 * 3) stays with the sender
    assert trainer.withdraw("alice") == 6 and trainer.withdrawable("alice") == 0
    assert trainer.chain.balance_of("alice") == before["alice"] + 6
    receipt = add(trainer, "bob", POSITIVE, 1, wait=3600)           # bob's earnings survive a new verified one
    trainer.chain.advance(DAY + 1)
    trainer.refund("bob", POSITIVE, 1, receipt.added_time)
    trainer.predict(POSITIVE, sender="carol", value=8)                 # 8 // 4 = 2 per verified contribution
    assert (trainer.withdrawable("alice"), trainer.withdrawable("bob")) == (2 * 2, 3 + 2 * 2)
    assert trainer.withdraw("bob") == 7
