"""The blocks the accuracy is measured at: bounded, spread, the ends kept. (Measurements against a real
node are in `test_contracts.py`, which has the node and a deployment.)"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sumchain.web.accuracy import MAX_POINTS, spread


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=200), st.integers(2, 30))
def test_spread_keeps_at_most_the_limit_with_both_ends(blocks, limit):
    kept = spread(blocks, limit)
    distinct = sorted(set(blocks))
    assert kept == sorted(set(kept)) and set(kept) <= set(distinct)
    assert kept[0] == distinct[0] and kept[-1] == distinct[-1]
    assert kept == distinct if len(distinct) <= limit else len(kept) <= limit


def test_spread_thins_evenly():
    assert spread(list(range(100)), 5) == [0, 25, 50, 74, 99]
    assert len(spread(list(range(1000)))) == MAX_POINTS
