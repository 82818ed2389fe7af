"""The integer log2: exact on powers of two, within one unit below the true value, monotone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumchain.models.fixedpoint import LOG_ONE, log2_fixed
from sumchain.models.protocol import div_toward_zero


def test_powers_of_two_are_exact():
    assert [log2_fixed(1 << k) for k in (0, 1, 10, 40, 61)] == [k * LOG_ONE for k in (0, 1, 10, 40, 61)]


@given(st.integers(1, (1 << 62) - 1))
def test_at_most_one_unit_below_the_true_logarithm(v):
    exact = math.log2(v) * LOG_ONE
    assert 0 <= exact - log2_fixed(v) <= 1.0001


def test_arrays_agree_with_scalars_and_are_monotone():
    v = np.arange(1, 100_000, dtype=np.int64)
    logs = log2_fixed(v)
    assert logs.dtype == np.int64 and np.all(np.diff(logs) >= 0)
    assert [log2_fixed(int(k)) for k in (1, 3, 77, 99_999)] == logs[[0, 2, 76, 99_998]].tolist()


@given(st.lists(st.integers(1, (1 << 62) - 1), min_size=1, max_size=50))
def test_the_one_int_path_gives_the_array_path_s_integers(values):
    assert [log2_fixed(v) for v in values] == log2_fixed(np.array(values, dtype=np.int64)).tolist()
    assert [log2_fixed(np.int64(v)) for v in values] == log2_fixed(np.array(values, dtype=np.int64)).tolist()


def test_refuses_what_has_no_logarithm():
    for bad in (0, -3, 1 << 62):
        with pytest.raises(ValueError):
            log2_fixed(bad)
    with pytest.raises(ValueError):
        log2_fixed(np.array([5, -1]))


def test_division_rounds_toward_zero_as_the_evm():
    assert [div_toward_zero(a, 2) for a in (7, -7, 6, -6)] == [3, -3, 3, -3]
    assert div_toward_zero(np.array([7, -7, -1]), 2).tolist() == [3, -3, 0]
