# pragma version 0.4.3
"""
@title Points: the stakeable rules without money
@notice As sumchain.contract.incentives.points.Points: adding data costs nothing (the time rule
        still applies); a refund the model agrees with earns one point (a verified contribution);
        a report of data the model rejects marks it as bad against its author. A contribution is
        settled after its first successful claim.
"""

import data_handler
import stakeable

uses: stakeable

reported: public(HashMap[address, uint256])


@internal
@view
def cost_to_add() -> uint256:
    cost: uint256 = stakeable.cost_to_add()   # the time rule only (the cost itself is not taken)
    return 0


@internal
@pure
def unclaimable(record: data_handler.Contribution) -> bool:
    return record.claims > 1


@internal
def record_report(author: address):
    self.reported[author] += 1


@internal
@view
def check_prediction_value(payment: uint256):
    assert payment == 0, "the points mechanism takes no payment for predictions"
