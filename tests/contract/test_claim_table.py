"""The batched claim view's table gives exactly what the rules' own expressions give, fact by fact.

`ClaimTable` judges one representative of every class of facts with the rules and looks the
rest up; this checks that the classes are right: random facts, ages on and around every
breakpoint, claimers with and without verified contributions, the owner and anyone else.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.contract import reasons as R
from sumchain.contract.incentives import Points, Stakeable
from sumchain.contract.incentives.stakeable import ClaimFacts

DAY = 86_400


def _ages(mechanism: Stakeable) -> list[int]:
    marks = [mechanism.refund_wait_s, mechanism.any_address_claim_wait_s, mechanism.owner_claim_wait_s]
    return sorted({max(0, m + d) for m in marks for d in (-1, 0, 1)} | {0, 10 * DAY})


@pytest.mark.parametrize("mechanism_class", [Stakeable, Points])
@settings(max_examples=80, deadline=None)
@given(data=st.data(), owner_wait_days=st.integers(8, 20), claimer=st.sampled_from(["owner", "alice"]),
       verified=st.integers(0, 2))
def test_table_equals_the_rules(mechanism_class, data, owner_wait_days, claimer, verified):
    mechanism = mechanism_class(refund_wait_s=DAY, any_address_claim_wait_s=9 * DAY,
                                owner_claim_wait_s=owner_wait_days * DAY, owner="owner")
    if verified:
        mechanism.verified[claimer] = verified
        mechanism.total_verified = verified
    n = 40
    ages = np.array(data.draw(st.lists(st.sampled_from(_ages(mechanism)), min_size=n, max_size=n)))
    flags = np.array(data.draw(st.lists(st.tuples(*[st.booleans()] * 4), min_size=n, max_size=n)))
    counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    facts = ClaimFacts(is_author=flags[:, 0], claimed=flags[:, 1], has_claimable=flags[:, 2],
                       num_claims=counts, age=ages, agrees=flags[:, 3])
    table = mechanism.claim_table(claimer)
    classes = table.classes(facts)
    refund = np.asarray(mechanism.refund_refusal(facts))
    report = np.asarray(mechanism.report_refusal(facts, claimer))
    expected_action = np.where(refund == R.OK, R.REFUND, np.where(report == R.OK, R.REPORT, R.NONE))
    assert np.array_equal(table.action[classes], expected_action)
    expected_reason = np.where(expected_action != R.NONE, R.OK, np.where(facts.is_author, refund, report))
    assert np.array_equal(table.reason[classes], expected_reason)
    assert np.array_equal(table.unclaimable[classes], np.asarray(mechanism.unclaimable(facts)))
    takes_all = np.broadcast_to(np.asarray(mechanism.takes_all(facts, claimer)), (n,))
    assert np.array_equal(table.takes_all[classes], takes_all)
    for i in range(n):        # one contribution at a time (plain values): the same class, and the
        one_fact = ClaimFacts(*(value[i].item() for value in facts))   # rules' own scalar answers
        one = table.answer(*one_fact)
        assert one == (table.action[classes[i]], table.reason[classes[i]], table.takes_all[classes[i]],
                       table.unclaimable[classes[i]], mechanism.refund_refusal(one_fact),
                       mechanism.report_refusal(one_fact, claimer))


def test_a_new_verified_contribution_gives_a_new_table():
    mechanism = Stakeable(owner="owner")
    before = mechanism.claim_table("alice")
    mechanism.record_refund("alice")
    assert mechanism.claim_table("alice") is not before
    assert mechanism.claim_table("alice") is mechanism.claim_table("alice")
