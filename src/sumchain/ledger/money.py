"""Money on the chain is a whole number of base units; configs and reports speak in coins.

Why fixed point: the rules divide deposits (a report pays `initial_deposit * verified // total`).
Counted in whole coins, the deposits of the study's defaults are 1 to 3 coins, so those shares
round to 0, and the rule that a zero share pays everything would hand a reporter with few verified
contributions whole deposits. The study's own simulation used floating-point money and the
deployed contract wei (10**-18 ether). A coin is one ether and a base unit one wei, on every
engine: the Python engine counts exactly what the EVM counts, so parity holds to the last unit,
and gas paid at a real gas price is comparable with deposits. Amounts exceed 64 bits (10,000
coins are 10**22 units): they are Python integers, and persisted as decimal text.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from numbers import Integral
from typing import Any

from sumchain.errors import Rejected

UNITS_PER_COIN = 10**18


def to_units(coins: float) -> int:
    """Coins as base units, rounded to the nearest unit (exact for whole coins)."""
    if isinstance(coins, int):
        return coins * UNITS_PER_COIN
    # Exact decimal arithmetic on the float's shortest repr: 0.1 coin is 10**17 units, not 1e17's neighbour.
    return int((Decimal(repr(float(coins))) * UNITS_PER_COIN).to_integral_value(ROUND_HALF_EVEN))


def to_coins(units: int) -> float:
    return units / UNITS_PER_COIN


def whole_units(amount: Any, what: str) -> int:
    """`amount` as a whole number of base units, or `Rejected` naming `what` and what was sent.

    The one check for every amount that reaches the chain (a call's value, a funding): a fraction
    of a unit, text or anything else non-numeric is refused, never truncated or passed on.
    """
    if type(amount) is int:             # the hot path: a plain int needs no ABC check
        return amount
    if isinstance(amount, Integral) and not isinstance(amount, bool):
        return int(amount)
    if isinstance(amount, float) and math.isfinite(amount) and amount.is_integer():
        return int(amount)
    raise Rejected(f"{what} must be a whole number of base units, got {amount!r}")


COIN_DECIMALS = 18


def parse_coins(text: str, what: str = "an amount") -> int:
    """Exact decimal coins typed by a person ("1.5", "0.000000000000000001") as base units.

    Why Decimal and a refusal past 18 decimals: a float would turn 0.1 into a neighbour of it, and
    rounding a finer amount would send a different sum than the one typed.
    """
    from decimal import InvalidOperation, localcontext

    cleaned = str(text).strip().replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Rejected(f"{what} must be a decimal number of coins such as 1.5, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise Rejected(f"{what} must be a non-negative decimal number of coins, got {text!r}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > COIN_DECIMALS:
        raise Rejected(f"{what} has more than {COIN_DECIMALS} decimals (1 coin is 10**18 units), got {text!r}")
    with localcontext() as exact:           # the default 28 digits would round large amounts
        exact.prec = 100
        units = int(value * UNITS_PER_COIN)
    if units >= 2**256:
        raise Rejected(f"{what} is more than a chain can hold (2**256 units), got {text!r}")
    return units


def format_coins(units: int) -> str:
    """Base units as exact decimal coins, without trailing zeros: 1500000000000000000 -> "1.5"."""
    units = int(units)
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), UNITS_PER_COIN)
    digits = f"{fraction:0{COIN_DECIMALS}d}".rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"
