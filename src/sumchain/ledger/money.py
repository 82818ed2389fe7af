"""Money on the chain is a whole number of base units; configs and reports speak in coins.

Why fixed point: the rules divide deposits (a report pays `initial_deposit * verified // total`).
Counted in whole coins, the deposits of the study's defaults are 1 to 3 coins, so those shares
round to 0, and the rule that a zero share pays everything would hand a reporter with few verified
contributions whole deposits. The study's own simulation used floating-point money and the
deployed contract wei (10**-18 ether); a million base units per coin (six decimals, as many
tokens use) keeps the shares proportional, fits comfortably in 64 bits, and stays exact on
every engine.
"""

from __future__ import annotations

UNITS_PER_COIN = 1_000_000


def to_units(coins: float) -> int:
    """Coins as base units, rounded to the nearest unit (exact for whole coins)."""
    if isinstance(coins, int):
        return coins * UNITS_PER_COIN
    return int(round(coins * UNITS_PER_COIN))


def to_coins(units: int) -> float:
    return units / UNITS_PER_COIN
