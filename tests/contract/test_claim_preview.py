"""`Trainer.claim_preview` says exactly what `refund` or `report` then does: same action, amount, reason."""

from __future__ import annotations

import numpy as np
import pytest

from sumchain import Rejected
from sumchain.contract import reasons as R
from tests.contract.helpers import DAY, NEGATIVE, POSITIVE, deployed

PEOPLE = ("alice", "bob", "carol", "owner")


@pytest.mark.parametrize("incentive", ["stakeable", "points"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_preview_matches_the_call_it_predicts(tiny_dataset, engine, incentive, seed):
    rng = np.random.default_rng(seed)
    trainer = deployed(tiny_dataset, engine, incentive)
    trainer.chain.fund("owner", 10**22)
    added = []     # (x, y, added_time, author, id)
    checked = {R.REFUND: 0, R.REPORT: 0, R.NONE: 0}
    for _ in range(160):
        trainer.chain.advance(int(rng.choice([60, 3_600, DAY // 2, DAY + 1, 3 * DAY])))
        if rng.random() < 0.5 or not added:
            author = PEOPLE[rng.integers(3)]
            x, y = (POSITIVE, NEGATIVE)[rng.integers(2)], int(rng.integers(2))
            receipt = trainer.add_data(author, x, y, trainer.cost_to_add() + 1)
            added.append((x, y, receipt.added_time, author, receipt.contribution_id))
            continue
        claimer = PEOPLE[rng.integers(4)]
        ids = np.array([a[4] for a in added])
        predictions = [trainer.predict(a[0]) for a in added]
        preview = trainer.claim_preview(claimer, ids, predictions)
        k = int(rng.integers(len(added)))
        x, y, added_time, author, _ = added[k]
        action, amount, reason = preview.action[k], preview.amount[k], preview.reason[k]
        checked[int(action)] += 1
        settled_before = trainer.contribution(x, y, added_time, author).settled
        assert bool(preview.settled[k]) == settled_before
        if action == R.NONE:
            call = (lambda: trainer.refund(claimer, x, y, added_time)) if claimer == author else \
                (lambda: trainer.report(claimer, x, y, added_time, author))
            with pytest.raises(Rejected) as refusal:
                call()
            assert refusal.value.reason == R.REASONS[reason]
        else:
            assert reason == R.OK
            paid = trainer.refund(claimer, x, y, added_time) if action == R.REFUND else \
                trainer.report(claimer, x, y, added_time, author)
            assert paid == amount
    assert all(checked.values()), checked


def test_unknown_ids_and_bad_shapes(tiny_dataset, engine):
    trainer = deployed(tiny_dataset, engine)
    preview = trainer.claim_preview("alice", [0, -1], [1, 1])
    assert list(preview.reason) == [R.NO_SUCH_CONTRIBUTION] * 2 and list(preview.action) == [R.NONE] * 2
    assert preview.amount == (0, 0) and not preview.settled.any()
    assert len(trainer.claim_preview("alice", [], []).action) == 0
    with pytest.raises(Rejected, match="same length"):
        trainer.claim_preview("alice", [0, 1], [1])


def test_a_few_and_many_contributions_get_the_same_answers(tiny_dataset, engine):
    """Up to FEW_CLAIMS the Python contract looks its table up one by one, beyond in arrays: the same."""
    trainer = deployed(tiny_dataset, engine)
    for k in range(6):
        trainer.chain.advance(DAY // 2)
        trainer.add_data(("alice", "bob")[k % 2], (POSITIVE, NEGATIVE)[k % 3 == 0], k % 2, trainer.cost_to_add() + 1)
    ids = [k % 7 - 1 for k in range(40)]               # -1 and 6 name nothing
    predictions = [k % 2 for k in range(40)]
    for claimer in ("alice", "bob", "owner"):
        many = trainer.claim_preview(claimer, ids, predictions)
        few = [trainer.claim_preview(claimer, ids[i:i + 4], predictions[i:i + 4]) for i in range(0, 40, 4)]
        assert np.array_equal(many.action, np.concatenate([f.action for f in few]))
        assert np.array_equal(many.reason, np.concatenate([f.reason for f in few]))
        assert np.array_equal(many.settled, np.concatenate([f.settled for f in few]))
        assert many.amount == sum((f.amount for f in few), ())


def test_claim_rules_are_the_mechanisms_own_on_every_engine(tiny_dataset, engine, mechanism):
    """`claim_rules`: the mechanism's age breakpoints and the state its claim rules read, on every engine."""
    trainer = deployed(tiny_dataset, engine, mechanism)
    rules = trainer.claim_rules("alice")
    assert rules.age_breakpoints == (DAY + 1, 9 * DAY) and rules.claim_count_breakpoints == (1,)
    assert rules.state == (False, False) and trainer.claim_rules("owner").state == (True, False)
    trainer.chain.advance(600)
    added = trainer.add_data("alice", POSITIVE, 1, trainer.cost_to_add() + 1).added_time
    trainer.chain.advance(DAY + 1)
    trainer.refund("alice", POSITIVE, 1, added)
    assert trainer.claim_rules("alice").state == (False, True)      # a verified contribution: reports allowed
    assert trainer.claim_rules("bob").state == (False, False)
