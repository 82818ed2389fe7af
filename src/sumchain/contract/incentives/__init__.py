"""Incentive mechanisms: the rules that decide what adding, refunding and reporting cost and pay.

`INCENTIVES` maps the config's `incentive` to each mechanism's descriptor (declared in its module:
name, parameters, engines). `MECHANISMS` maps the trainer's mechanisms to their classes (the
`Mechanism` protocol); each builds itself from the config keys it owns (`from_config`). The
prediction market is a contract of its own (`sumchain.contract.market`), in `INCENTIVES` only.
"""

from __future__ import annotations

from sumchain.components import MechanismDescriptor
from sumchain.config import Config
from sumchain.contract.incentives import points, prediction_market, quality_priced, stakeable
from sumchain.contract.incentives.points import Points
from sumchain.contract.incentives.protocol import MarginModel, Mechanism
from sumchain.contract.incentives.quality_priced import QualityPriced
from sumchain.contract.incentives.stakeable import Stakeable

INCENTIVES: dict[str, MechanismDescriptor] = {module.DESCRIPTOR.name: module.DESCRIPTOR for module in (
    stakeable, points, quality_priced, prediction_market)}
MECHANISMS: dict[str, type[Stakeable]] = {cls.name: cls for cls in (Stakeable, Points, QualityPriced)}


def mechanism_for(config: Config, owner: str, start_time: int = 0) -> Mechanism:
    """The configured mechanism, built from its own section of the config (`incentive`)."""
    section = config.sections.incentive
    return MECHANISMS[section.name].from_config(section, owner=owner, start_time=start_time)


__all__ = ["INCENTIVES", "MECHANISMS", "MarginModel", "Mechanism", "Points", "QualityPriced", "Stakeable",
           "mechanism_for"]
