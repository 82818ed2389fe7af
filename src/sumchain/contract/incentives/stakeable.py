"""Deposit, Refund and Take ("stakeable"): the SUM incentive mechanism, in integer arithmetic.

Every rule of the mechanism lives here and nowhere else. Methods named `*_amount` and `cost_to_add`
only compute (or raise `Rejected`); methods named `record_*` change the mechanism's state and are
called by the trainer only after every check of a call has passed. Amounts, `cost_weight` (cw)
included, are in the chain's base units (`sumchain.ledger.money`: a configured cost_weight of 1 coin
is cw = 10**18 here, as wei on the EVM).

| call    | refused when                                                                  | pays                                       |
|---------|-------------------------------------------------------------------------------|--------------------------------------------|
| add     | dt <= 0 since the last add; value < cost                                      | takes cost = max(1, cw*60 // isqrt(dt))    |
| refund  | not the author's; already claimed by the author; nothing claimable;            | the whole claimable amount; the author    |
|         | age <= refund wait; the model's prediction differs from y                      | gains one verified contribution           |
| report  | (age >= any-address wait, or the owner after the owner wait: take all left)    | floor(deposit * verified(r) / total), or  |
|         | otherwise: the reporter is the author; already claimed by the reporter;        | all that is left when that is 0 or more    |
|         | age <= refund wait; the model agrees with y; the reporter has no verified data | than what is left                          |
"""

from __future__ import annotations

import math

from sumchain.contract.data_handler import Contribution
from sumchain.errors import Rejected


class Stakeable:
    """Deposits that good contributors get back and reporters of bad data take."""

    name = "stakeable"

    def __init__(self, refund_wait_s: int = 86_400, any_address_claim_wait_s: int = 9 * 86_400,
                 owner_claim_wait_s: int | None = None, cost_weight: int = 1, owner: str = "owner",
                 start_time: int = 0):
        if any_address_claim_wait_s < refund_wait_s + 7 * 86_400:
            raise ValueError("any_address_claim_wait_s must be >= refund_wait_s + 7 days")
        self.refund_wait_s = int(refund_wait_s)
        self.any_address_claim_wait_s = int(any_address_claim_wait_s)
        self.owner_claim_wait_s = int(any_address_claim_wait_s if owner_claim_wait_s is None else owner_claim_wait_s)
        self.cost_weight = int(cost_weight)
        self.owner = owner
        self.last_add_time = int(start_time)
        self.verified: dict[str, int] = {}
        self.total_verified = 0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(refund_wait_s={self.refund_wait_s}, "
                f"any_address_claim_wait_s={self.any_address_claim_wait_s}, "
                f"owner_claim_wait_s={self.owner_claim_wait_s}, cost_weight={self.cost_weight})")

    # -- adding data -----------------------------------------------------------------------
    def cost_to_add(self, now: int) -> int:
        """Cheap when data arrives slowly, dear when it floods in (per the square root of the gap)."""
        dt = now - self.last_add_time
        if dt <= 0:
            raise Rejected("not enough time has passed since the last data was added")
        return max(1, self.cost_weight * 60 // math.isqrt(dt))

    def record_add(self, now: int) -> None:
        self.last_add_time = now

    # -- refunds ---------------------------------------------------------------------------
    def refund_amount(self, record: Contribution, sender: str, now: int, prediction: int) -> int:
        if sender != record.sender:
            raise Rejected("only the original author can ask for a refund")
        if sender in record.claimed_by:
            raise Rejected("the deposit was already claimed by its author")
        self._check_claimable(record)
        if now - record.added_time <= self.refund_wait_s:
            raise Rejected("not enough time has passed to ask for a refund")
        if prediction != record.y:
            raise Rejected("the model doesn't agree with your contribution")
        return record.claimable

    def record_refund(self, sender: str) -> None:
        self.verified[sender] = self.verified.get(sender, 0) + 1
        self.total_verified += 1

    # -- reports ---------------------------------------------------------------------------
    def report_amount(self, record: Contribution, reporter: str, now: int, prediction: int) -> int:
        self._check_claimable(record)
        age = now - record.added_time
        if age >= self.any_address_claim_wait_s or (reporter == self.owner and age >= self.owner_claim_wait_s):
            return record.claimable
        if reporter == record.sender:
            raise Rejected("cannot report your own contribution before the any-address wait")
        if reporter in record.claimed_by:
            raise Rejected("the deposit was already claimed by this reporter")
        if age <= self.refund_wait_s:
            raise Rejected("not enough time has passed to report this contribution")
        if prediction == record.y:
            raise Rejected("the model agrees with the contribution")
        verified = self.verified.get(reporter, 0)
        if verified <= 0:
            raise Rejected("the reporter has no verified contributions")
        award = record.initial_deposit * verified // self.total_verified
        return record.claimable if award == 0 or award > record.claimable else award

    def record_report(self, record: Contribution, reporter: str) -> None:
        """Reports change no mechanism state here; the data handler records the claim."""

    def _check_claimable(self, record: Contribution) -> None:
        if record.claimable <= 0:
            raise Rejected("there is nothing left to claim for this contribution")

    def is_settled(self, record: Contribution) -> bool:
        return record.claimable <= 0

    # -- paid predictions ------------------------------------------------------------------
    def prediction_shares(self, value: int) -> list[tuple[str, int]]:
        """Split a paid prediction's value among contributors by their verified contributions."""
        if value <= 0:
            return []
        if self.total_verified <= 0:
            raise Rejected("no verified contributions yet to share the payment with")
        return [(address, value * count // self.total_verified)
                for address, count in sorted(self.verified.items()) if count > 0]
