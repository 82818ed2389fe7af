"""What a contributor reads about amounts and claims, shared by `sumchain contract` and `sumchain serve`:
the same facts in the same words on the command line and in the browser.

Amounts are exact decimal coins (1 coin = 10**18 base units); in JSON an amount is its exact wei as
text (it exceeds a double's 2**53) and the same in coins.
"""

from __future__ import annotations

from typing import Any

from sumchain.ledger.money import format_coins

LOG_PAGE_BLOCKS = 10_000
"""Blocks per event request: public nodes refuse wide eth_getLogs ranges."""


def coins(units: int) -> str:
    return f"{format_coins(units)} coin{'' if units == 10**18 else 's'}"


def money(units: int) -> dict[str, str]:
    return {"wei": str(int(units)), "coins": format_coins(units)}


def claim_words(claim) -> str:
    """A claim preview in words: what is possible now, else the contract's reason and when that may change."""
    from sumchain.live.contract import when

    if claim.action != "none":
        return f"{claim.action} possible now: pays {coins(claim.amount)}"
    words = claim.reason or "nothing to claim"
    if claim.possible_from is not None:
        words += f"; {claim.then} possible from {when(claim.possible_from)} {claim.condition}".rstrip()
    return words


def claim_data(claim) -> dict[str, Any]:
    from sumchain.live.contract import when

    c = claim.contribution
    return {"id": c.id, "author": c.author, "label": c.y, "added_time": c.time, "deposit": money(c.cost),
            "action": claim.action, "amount": money(claim.amount), "reason_code": claim.code,
            "reason": claim.reason, "settled": claim.settled, "prediction": claim.prediction,
            "possible_from": claim.possible_from,
            "possible_from_utc": when(claim.possible_from) if claim.possible_from is not None else None,
            "then": claim.then, "condition": claim.condition, "words": claim_words(claim)}


def sent_data(sent) -> dict[str, Any]:
    return {"tx_hash": sent.tx_hash, "block": sent.block, "gas_used": sent.gas_used,
            "gas_price_wei": str(sent.gas_price), "fee": money(sent.fee), "value": money(sent.value),
            "amount": money(sent.amount)}
