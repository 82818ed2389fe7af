"""The points mechanism: the same rules, no money."""

from __future__ import annotations

import pytest
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, add, deployed

from sumchain.ledger.money import to_units
from sumchain import Rejected


def test_points_move_no_money(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine, "points")
    mine = add(trainer, "alice", POSITIVE, 1, value=0)
    wrong = add(trainer, "bob", NEGATIVE, 1, value=0)
    assert mine.cost == 0 and wrong.cost == 0
    trainer.chain.advance(DAY + 1)
    assert trainer.refund("alice", POSITIVE, 1, mine.added_time) == 0
    assert trainer.verified("alice") == 1
    assert trainer.report("alice", NEGATIVE, 1, wrong.added_time, "bob") == 0
    assert (trainer.reported("bob"), trainer.reported("alice")) == (1, 0)
    assert trainer.contribution(NEGATIVE, 1, wrong.added_time, "bob").settled
    assert [trainer.chain.balance_of(name) for name in ("alice", "bob", "carol")] == [to_units(10_000)] * 3


def test_points_take_no_payment_for_predictions(tiny_dataset):
    trainer = deployed(tiny_dataset, incentive="points")
    with pytest.raises(Rejected, match="no payment"):
        trainer.predict(POSITIVE, sender="carol", value=5)
