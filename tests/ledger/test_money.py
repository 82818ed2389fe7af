"""Coins typed and shown by a person: exact decimals, never rounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumchain.errors import Rejected
from sumchain.ledger.money import UNITS_PER_COIN, format_coins, parse_coins


@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_shown_coins_read_back_to_the_same_units(units):
    assert parse_coins(format_coins(units)) == units


@pytest.mark.parametrize("text, units", [
    ("1", UNITS_PER_COIN), ("1.5", 3 * UNITS_PER_COIN // 2), ("0.000000000000000001", 1), ("1e-18", 1),
    ("1_000", 1000 * UNITS_PER_COIN), (" 2.50 ", 5 * UNITS_PER_COIN // 2),
    ("123456789012.123456789012345678", 123456789012123456789012345678),   # past Decimal's 28 default digits
    ("1.000000000000000000000", UNITS_PER_COIN),                          # trailing zeros are not decimals
])
def test_exact_decimals(text, units):
    assert parse_coins(text) == units


@pytest.mark.parametrize("text, words", [
    ("0.0000000000000000001", "more than 18 decimals"), ("1e-19", "more than 18 decimals"),
    ("-1", "non-negative"), ("nan", "non-negative"), ("inf", "non-negative"), ("lots", "decimal number of coins"),
    ("1e80", "more than a chain can hold"),
])
def test_refused_amounts_say_what_is_allowed(text, words):
    with pytest.raises(Rejected, match=words):
        parse_coins(text, "--deposit")


def test_format():
    assert format_coins(0) == "0"
    assert format_coins(8_571_428_571_428_571_428) == "8.571428571428571428"
    assert format_coins(-UNITS_PER_COIN // 2) == "-0.5"
