# pragma version 0.4.3
"""
@title Quality-priced submissions: the stakeable cost, more for data the model contradicts
@notice As sumchain.contract.incentives.quality_priced.QualityPriced: with base the stakeable cost
        now and m the model's margin for the submitted label (negative when it predicts the other
        class), d = max(0, -m) and cost = base + base * weight * d // (d + margin_scale).
        Everything else is stakeable's.
"""

import stakeable

uses: stakeable

weight: public(uint256)
margin_scale: public(uint256)


@deploy
def __init__(weight: uint256, margin_scale: uint256):
    assert margin_scale >= 1, "margin_scale must be >= 1"
    self.weight = weight
    self.margin_scale = margin_scale


@internal
@view
def cost_to_add(margin: int256) -> uint256:
    base: uint256 = stakeable.cost_to_add()
    if margin >= 0:
        return base
    d: uint256 = convert(-margin, uint256)
    return base + base * self.weight * d // (d + self.margin_scale)
