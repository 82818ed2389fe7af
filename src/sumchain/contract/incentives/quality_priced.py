"""Quality-priced submissions: the stakeable rules, with a cost that grows as the model disagrees.

The study's open question ("the better the data is, the less submission cost is required ... if an
agent continues to submit bad data, he/she will face high submission fees"), answered with the
model's own judgement at the moment of adding. Everything else (refunds, reports, waits, paid
predictions) is `Stakeable`'s, inherited unchanged.

In integers, with `base` the stakeable cost now (`max(1, cw * 60 // isqrt(dt))`), `m` the model's
margin for the submitted label (`model.margin(x, y)`, fixed-point score units, negative when the
model predicts another class), `w` the weight and `s` the margin scale (both whole numbers):

    d    = max(0, -m)                                  how far the model is against the label
    cost = base + base * w * d // (d + s)

Data the model agrees with (m >= 0) costs the stakeable price; data it contradicts costs more,
approaching (1 + w) * base as the disagreement grows (half the surcharge at d = s). The surcharge is
bounded so that a confidently wrong model cannot price honest corrections out entirely. The deposit
is the whole cost, as with `stakeable`: an honest contributor whose dear submission the model comes
to agree with gets all of it back.

Defaults (`[quality_priced]` table): `weight = 4`, `margin_scale = 10_000` (10 off-chain perceptron
updates). The weight was chosen by measurement over seeds 0-4 of the default run; the README's
*Quality-priced submissions* section shows the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sumchain.components import MechanismDescriptor
from sumchain.config import MAX_INT64, MAX_MONEY_UNITS, WEI_PER_COIN, check
from sumchain.contract.incentives.stakeable import Stakeable


@dataclass(frozen=True)
class Parameters:
    """`incentive = "quality_priced"`: the stakeable cost times a surcharge for data the model contradicts.

    cost = base + base * weight * d // (d + margin_scale), d = max(0, -margin(x, y))."""

    weight: int = field(default=4, metadata={"doc": "the surcharge's weight"})
    margin_scale: int = field(default=10_000, metadata={
        "doc": "the margin, in model score units, at which half the surcharge is charged"})

    def check(self, config) -> None:
        """The largest cost stays a deposit the contract holds; the scale plus a score fits 256 bits."""
        check(self.weight >= 0, "quality_priced.weight", "must be a whole number >= 0 (0 is the stakeable cost)",
              self.weight)
        if config.incentive == "quality_priced":
            # cost < base * (1 + weight), base <= cost_weight * 60 coins
            base = max(1, config.cost_weight * 60 * WEI_PER_COIN)
            limit = MAX_MONEY_UNITS // base - 1
            check(self.weight <= limit, "quality_priced.weight",
                  f"must be a whole number from 0 to {limit:,} with cost_weight = {config.cost_weight} (the largest "
                  f"cost, cost_weight * 60 coins * (1 + weight), must stay below 2**128 wei, the largest deposit the "
                  f"contract holds)", self.weight)
        check(1 <= self.margin_scale <= 2**256 - 1 - MAX_INT64, "quality_priced.margin_scale",
              "must be a whole number >= 1 (model score units) and below 2**256 - 2**63 (added to a score's size on "
              "the contract)", self.margin_scale)


class QualityPriced(Stakeable):
    name = "quality_priced"

    def __init__(self, *args, weight: int = 4, margin_scale: int = 10_000, **kwargs):
        super().__init__(*args, **kwargs)
        if weight < 0 or margin_scale < 1:
            raise ValueError("weight must be >= 0 and margin_scale >= 1")
        self.weight = int(weight)
        self.margin_scale = int(margin_scale)

    @classmethod
    def from_config(cls, section, owner: str, start_time: int = 0) -> "QualityPriced":
        """The stakeable keys plus its own, `weight` and `margin_scale` (the `incentive` section)."""
        stakeable = Stakeable.from_config(section, owner, start_time)
        return cls(refund_wait_s=stakeable.refund_wait_s, any_address_claim_wait_s=stakeable.any_address_claim_wait_s,
                   owner_claim_wait_s=stakeable.owner_claim_wait_s, cost_weight=stakeable.cost_weight, owner=owner,
                   start_time=start_time, weight=section.weight, margin_scale=section.margin_scale)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, weight={self.weight}, margin_scale={self.margin_scale})"

    def cost_to_add(self, now: int, x=None, y=None, model=None) -> int:
        """The stakeable cost for data the model agrees with; more the further the model is against `y`.
        Without a sample (x, y, model), the least an add can cost now."""
        base = super().cost_to_add(now)
        if x is None or y is None or model is None:
            return base
        return self.priced(base, int(model.margin(x, y)))

    def priced(self, base: int, margin: int) -> int:
        """cost = base + base * weight * d // (d + margin_scale), d = max(0, -margin)."""
        disagreement = max(0, -margin)
        return base + base * self.weight * disagreement // (disagreement + self.margin_scale)


DESCRIPTOR = MechanismDescriptor(
    "quality_priced",
    "the stakeable cost times a surcharge for data the model contradicts",
    paid_predictions=True,
    parameters=Parameters,
)
