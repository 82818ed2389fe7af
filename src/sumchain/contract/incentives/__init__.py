"""Incentive mechanisms: the rules that decide what adding, refunding and reporting cost and pay."""

from __future__ import annotations

from sumchain.config import Config
from sumchain.contract.incentives.points import Points
from sumchain.contract.incentives.stakeable import Stakeable
from sumchain.ledger.money import to_units

MECHANISMS = {"stakeable": Stakeable, "points": Points}


def mechanism_for(config: Config, owner: str, start_time: int = 0) -> Stakeable:
    """The configured mechanism; `cost_weight` is given in coins and applied in base units."""
    cls = MECHANISMS[config.incentive]
    return cls(refund_wait_s=config.refund_wait_s, any_address_claim_wait_s=config.any_address_claim_wait_s,
               owner_claim_wait_s=config.owner_claim_wait_s, cost_weight=to_units(config.cost_weight), owner=owner,
               start_time=start_time)


__all__ = ["MECHANISMS", "Points", "Stakeable", "mechanism_for"]
