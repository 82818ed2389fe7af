"""Every reason a contract call can be refused, triggered for real, with the exact message.

Each scenario sets up a contract and returns the call to make; the test checks the message and
that the refusal left the contract exactly as it was.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from sumchain import Rejected
from sumchain.contract.data_handler import DataHandler
from sumchain.ledger.money import to_units
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, add, deployed
from tests.contract.test_trainer import snapshot


def _verified(trainer, *senders):
    """Give each sender one verified contribution (a refunded, correct sample)."""
    for sender in senders:
        receipt = add(trainer, sender, POSITIVE, 1, wait=3600)
        trainer.chain.advance(DAY + 1)
        trainer.refund(sender, POSITIVE, 1, receipt.added_time)


def _wrong_data(trainer, sender="bob"):
    """A contribution the model disagrees with, old enough to be claimed."""
    receipt = add(trainer, sender, NEGATIVE, 1, wait=60)
    trainer.chain.advance(DAY + 1)
    return receipt


def same_contribution_twice(t):
    add(t, "alice", POSITIVE, 1)
    return lambda: t.add_data("alice", POSITIVE, 1, to_units(100))     # same x, y, sender and second


def time_beyond_64_bits(t):
    t.chain.advance_to(2**64)
    return lambda: t.add_data("alice", POSITIVE, 1, to_units(100))


def withdraw_with_nothing_owed(t):
    _verified(t, "alice")
    return lambda: t.withdraw("alice")


def underpaid(t):
    t.chain.advance(4)
    return lambda: t.add_data("alice", POSITIVE, 1, to_units(30) - 1)


def negative_value(t):
    t.chain.advance(60)
    return lambda: t.add_data("alice", POSITIVE, 1, -5)


def value_above_balance(t):
    t.chain.advance(60)
    return lambda: t.add_data("alice", POSITIVE, 1, to_units(10_001))


def index_out_of_range(t):
    t.chain.advance(60)
    return lambda: t.add_data("alice", [0, 200], 1, to_units(100))


def two_dimensional_x(t):
    return lambda: t.predict([[1, 2], [3, 4]])


def float_x(t):
    return lambda: t.predict([1.5, 2.0])


def bad_class(t):
    t.chain.advance(60)
    return lambda: t.add_data("alice", POSITIVE, 2, to_units(100))


def unknown_contribution(t):
    receipt = add(t, "alice", POSITIVE, 1)
    return lambda: t.refund("alice", POSITIVE, 1, receipt.added_time + 1)


def refund_by_someone_else(t):
    receipt = add(t, "alice", POSITIVE, 1)
    t.chain.advance(DAY + 1)
    return lambda: t.refund("bob", POSITIVE, 1, receipt.added_time)


def refund_twice(t):
    receipt = add(t, "alice", POSITIVE, 1)
    t.chain.advance(DAY + 1)
    t.refund("alice", POSITIVE, 1, receipt.added_time)
    return lambda: t.refund("alice", POSITIVE, 1, receipt.added_time)


def refund_too_soon(t):
    receipt = add(t, "alice", POSITIVE, 1)
    t.chain.advance(DAY)
    return lambda: t.refund("alice", POSITIVE, 1, receipt.added_time)


def refund_of_rejected_data(t):
    receipt = _wrong_data(t, "alice")
    return lambda: t.refund("alice", NEGATIVE, 1, receipt.added_time)


def report_own(t):
    receipt = _wrong_data(t, "bob")
    return lambda: t.report("bob", NEGATIVE, 1, receipt.added_time, "bob")


def report_too_soon(t):
    _verified(t, "alice")
    receipt = add(t, "bob", NEGATIVE, 1)
    t.chain.advance(DAY)
    return lambda: t.report("alice", NEGATIVE, 1, receipt.added_time, "bob")


def report_good_data(t):
    _verified(t, "alice")
    receipt = add(t, "bob", POSITIVE, 1)
    t.chain.advance(DAY + 1)
    return lambda: t.report("alice", POSITIVE, 1, receipt.added_time, "bob")


def report_without_verified(t):
    receipt = _wrong_data(t, "bob")
    return lambda: t.report("carol", NEGATIVE, 1, receipt.added_time, "bob")


def report_twice(t):
    for sender, count in (("alice", 3), ("carol", 1)):
        for _ in range(count):
            _verified(t, sender)
    receipt = _wrong_data(t, "bob")
    t.report("alice", NEGATIVE, 1, receipt.added_time, "bob")      # 3/4 of the deposit: some is left
    return lambda: t.report("alice", NEGATIVE, 1, receipt.added_time, "bob")


def nothing_left(t):
    receipt = add(t, "alice", POSITIVE, 1)
    t.chain.advance(DAY + 1)
    t.refund("alice", POSITIVE, 1, receipt.added_time)
    t.chain.advance(9 * DAY)
    return lambda: t.report("bob", POSITIVE, 1, receipt.added_time, "alice")


def paid_prediction_without_sender(t):
    return lambda: t.predict(POSITIVE, value=5)


def paid_prediction_before_any_verified(t):
    return lambda: t.predict(POSITIVE, sender="carol", value=to_units(1))


def wrong_width(t):
    return lambda: t.predict_many(sp.csr_matrix((2, 7), dtype=np.int8))


COMMON = [
    (same_contribution_twice, "this exact contribution was already added at this time"),
    (time_beyond_64_bits, "the chain's time must be below 2**64 seconds"),
    (withdraw_with_nothing_owed, "nothing to withdraw: this address has no earnings from paid predictions"),
    (negative_value, "the value sent cannot be negative"),
    (value_above_balance, f"insufficient balance: sent {10_001 * 10**18} but the balance is {10_000 * 10**18}"),
    (index_out_of_range, "feature index 200 is out of range; allowed 0..199"),
    (two_dimensional_x, "x must be a one-dimensional array of feature indices"),
    (float_x, "x must be integer feature indices, got float64"),
    (bad_class, "y must be a class index 0 or 1, got 2"),
    (unknown_contribution, "no such contribution (check x, y, added_time and the original author)"),
    (refund_by_someone_else, "no such contribution"),      # keyed by author: bob has no such record
    (refund_twice, "the deposit was already claimed by its author"),
    (refund_too_soon, "not enough time has passed to ask for a refund"),
    (refund_of_rejected_data, "the model doesn't agree with your contribution"),
    (report_own, "cannot report your own contribution before the any-address wait"),
    (report_too_soon, "not enough time has passed to report this contribution"),
    (report_good_data, "the model agrees with the contribution"),
    (report_without_verified, "the reporter has no verified contributions"),
    (paid_prediction_without_sender, "a paid prediction needs a sender"),
    (wrong_width, "samples have 7 features but the model has 200"),
]
STAKEABLE = [
    (underpaid, f"did not pay enough: sent {30 * 10**18 - 1} but adding data costs {30 * 10**18} now"),
    (report_twice, "the deposit was already claimed by this reporter"),
    (nothing_left, "there is nothing left to claim for this contribution"),
    (paid_prediction_before_any_verified, "no verified contributions yet to share the payment with"),
]
POINTS = [
    (report_twice, "this contribution was already settled"),
    (nothing_left, "this contribution was already settled"),
    (paid_prediction_before_any_verified, "the points mechanism takes no payment for predictions"),
]
CASES = ([pytest.param(m, s, msg, id=f"{m}:{s.__name__}") for m in ("stakeable", "points") for s, msg in COMMON]
         + [pytest.param("stakeable", s, msg, id=f"stakeable:{s.__name__}") for s, msg in STAKEABLE]
         + [pytest.param("points", s, msg, id=f"points:{s.__name__}") for s, msg in POINTS])


@pytest.mark.parametrize("mechanism_name, scenario, message", CASES)
def test_each_refusal_names_its_reason_and_changes_nothing(tiny_dataset, engine, mechanism_name, scenario, message):
    trainer = deployed(tiny_dataset, engine, mechanism_name)
    call = scenario(trainer)
    before = snapshot(trainer)
    with pytest.raises(Rejected, match=re.escape(message)):
        call()
    assert snapshot(trainer) == before


def test_the_same_contribution_twice_is_refused_by_the_data_handler():
    handler = DataHandler()
    key = handler.check_new(POSITIVE, 1, 600, "alice")
    handler.add(key, "alice", 1, 600, 5)
    with pytest.raises(Rejected, match="this exact contribution was already added at this time"):
        handler.check_new(POSITIVE, 1, 600, "alice")
