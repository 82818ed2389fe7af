"""Incentive mechanisms: the rules that decide what adding, refunding and reporting cost and pay.

`MECHANISMS` maps the config's `incentive` to the trainer's mechanism classes (the `Mechanism`
protocol); each builds itself from the config keys it owns (`from_config`). The prediction market is
a contract of its own (`sumchain.contract.market`), listed in `config.INCENTIVES` but not here.
"""

from __future__ import annotations

from sumchain.config import Config
from sumchain.contract.incentives.points import Points
from sumchain.contract.incentives.protocol import MarginModel, Mechanism
from sumchain.contract.incentives.quality_priced import QualityPriced
from sumchain.contract.incentives.stakeable import Stakeable

MECHANISMS: dict[str, type[Stakeable]] = {"stakeable": Stakeable, "points": Points, "quality_priced": QualityPriced}


def mechanism_for(config: Config, owner: str, start_time: int = 0) -> Mechanism:
    """The configured mechanism, built from its own config keys."""
    return MECHANISMS[config.incentive].from_config(config, owner=owner, start_time=start_time)


__all__ = ["MECHANISMS", "MarginModel", "Mechanism", "Points", "QualityPriced", "Stakeable", "mechanism_for"]
