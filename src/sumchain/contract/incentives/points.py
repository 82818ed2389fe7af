"""Points: the stakeable rules without money.

Adding data costs nothing (the time rule still applies); a refund the model agrees with earns one
point (a verified contribution); a report of data the model rejects marks it as bad against its
author. A contribution is settled after its first successful claim, since there is no deposit
whose remainder could still be claimed.
"""

from __future__ import annotations

from typing import Any

from sumchain.components import MechanismDescriptor
from sumchain.contract import reasons as R
from sumchain.contract.data_handler import Contribution
from sumchain.contract.incentives.stakeable import ClaimFacts, Stakeable
from sumchain.errors import Rejected


class Points(Stakeable):
    name = "points"
    unclaimable_reason = R.ALREADY_SETTLED

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reported: dict[str, int] = {}

    @classmethod
    def from_config(cls, section, owner: str, start_time: int = 0) -> "Points":
        """Built from the claim waits only (of the `incentive` section): no money, so no cost weight."""
        return cls(refund_wait_s=section.refund_wait_s, any_address_claim_wait_s=section.any_address_claim_wait_s,
                   owner_claim_wait_s=section.owner_claim_wait_s, cost_weight=0, owner=owner, start_time=start_time)

    def cost_to_add(self, now: int, x=None, y=None, model=None) -> int:
        super().cost_to_add(now)   # the time rule only
        return 0

    def unclaimable(self, facts: ClaimFacts) -> Any:
        return facts.num_claims > 0

    def record_report(self, record: Contribution, reporter: str) -> None:
        self.reported[record.sender] = self.reported.get(record.sender, 0) + 1

    def share_prediction(self, value: int) -> int:
        if value > 0:
            raise Rejected("the points mechanism takes no payment for predictions")
        return 0


DESCRIPTOR = MechanismDescriptor(
    "points",
    "SUM's points: no money at stake, good and bad contributions counted",
)
