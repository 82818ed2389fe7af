"""Property: whatever participants do, money is conserved and never negative, and refusals move nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.contract.helpers import NEGATIVE, POSITIVE, deployed

from sumchain import Rejected

PEOPLE = ("alice", "bob", "carol")
SAMPLES = (POSITIVE, NEGATIVE, POSITIVE[:5], NEGATIVE[3:9])

actions = st.lists(st.tuples(
    st.sampled_from(("add", "refund", "report", "predict")),
    st.sampled_from(PEOPLE), st.integers(0, len(SAMPLES) - 1), st.integers(0, 1),
    st.integers(0, 80), st.sampled_from((0, 1, 30, 3_600, 86_401, 800_000))), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_money_is_conserved_under_any_calls(tiny_dataset, mechanism, steps):
    trainer = deployed(tiny_dataset, incentive=mechanism)
    added = []          # (sample, y, time, author) of accepted contributions
    total = trainer.chain.minted
    for kind, who, sample, y, value, wait in steps:
        trainer.chain.advance(wait)
        before = trainer.chain.balances()
        try:
            if kind == "add":
                receipt = trainer.add_data(who, SAMPLES[sample], y, value)
                added.append((sample, y, receipt.added_time, who))
            elif kind in ("refund", "report") and added:
                s, label, time, author = added[value % len(added)]
                if kind == "refund":
                    trainer.refund(who, SAMPLES[s], label, time)
                else:
                    trainer.report(who, SAMPLES[s], label, time, author)
            elif kind == "predict":
                trainer.predict(SAMPLES[sample], sender=who, value=value if mechanism == "stakeable" else 0)
        except Rejected:
            assert trainer.chain.balances() == before
        balances = trainer.chain.balances()
        assert sum(balances.values()) == total
        assert min(balances.values()) >= 0
