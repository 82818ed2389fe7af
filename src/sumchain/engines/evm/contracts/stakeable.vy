# pragma version 0.4.3
"""
@title Deposit, Refund and Take ("stakeable"): the SUM incentive mechanism
@notice The same rules, integer arithmetic and refusal reasons as
        sumchain.contract.incentives.stakeable.Stakeable. Functions named *_amount and cost_to_add
        only compute (or revert); record_* change state and are called by the trainer only after
        every check of a call has passed. Amounts are in wei.
"""

import data_handler
import reasons

DAY_S: constant(uint256) = 86400
MAX_SHARERS: constant(uint256) = 1024

owner: public(address)
refund_wait_s: public(uint256)
any_address_claim_wait_s: public(uint256)
owner_claim_wait_s: public(uint256)
cost_weight: public(uint256)
last_add_time: public(uint256)
verified: public(HashMap[address, uint256])
total_verified: public(uint256)
# Addresses with verified contributions, in the order of their first one: who shares a paid prediction.
sharers: HashMap[uint256, address]
num_sharers: public(uint256)


@deploy
def __init__(owner: address, refund_wait_s: uint256, any_address_claim_wait_s: uint256,
             owner_claim_wait_s: uint256, cost_weight: uint256, start_time: uint256):
    assert any_address_claim_wait_s >= refund_wait_s + 7 * DAY_S, "any_address_claim_wait_s must be >= refund_wait_s + 7 days"
    self.owner = owner
    self.refund_wait_s = refund_wait_s
    self.any_address_claim_wait_s = any_address_claim_wait_s
    self.owner_claim_wait_s = owner_claim_wait_s
    self.cost_weight = cost_weight
    self.last_add_time = start_time


# -- adding data -----------------------------------------------------------------------------
@internal
@view
def cost_to_add() -> uint256:
    """Cheap when data arrives slowly, dear when it floods in (per the square root of the gap)."""
    if block.timestamp <= self.last_add_time:
        raise "not enough time has passed since the last data was added"
    return max(1, self.cost_weight * 60 // isqrt(block.timestamp - self.last_add_time))


@internal
def record_add():
    self.last_add_time = block.timestamp


# -- the claim rules, for a call and for claim_preview alike ---------------------------------
struct ClaimFacts:
    is_author: bool          # the claimer is the contribution's author
    claimed: bool            # the claimer already claimed from it
    unclaimable: bool        # nothing more can be claimed from it (the mechanism says when)
    unclaimable_code: uint256
    age: uint256             # seconds since it was added
    agrees: bool             # the model's prediction for x equals y


@internal
@view
def refund_refusal(f: ClaimFacts) -> uint256:
    """The code of the first refund rule that refuses (reasons.OK if none)."""
    if not f.is_author:
        return reasons.NOT_AUTHOR
    if f.claimed:
        return reasons.ALREADY_REFUNDED
    if f.unclaimable:
        return f.unclaimable_code
    if f.age <= self.refund_wait_s:
        return reasons.TOO_EARLY_TO_REFUND
    if not f.agrees:
        return reasons.MODEL_DISAGREES
    return reasons.OK


@internal
@view
def takes_all(age: uint256, reporter: address) -> bool:
    """A report past the any-address wait (or the owner's, after the owner wait) takes all that is left."""
    return age >= self.any_address_claim_wait_s or (reporter == self.owner and age >= self.owner_claim_wait_s)


@internal
@view
def report_refusal(f: ClaimFacts, reporter: address) -> uint256:
    if f.unclaimable:
        return f.unclaimable_code
    if self.takes_all(f.age, reporter):
        return reasons.OK
    if f.is_author:
        return reasons.OWN_BEFORE_ANY_ADDRESS_WAIT
    if f.claimed:
        return reasons.ALREADY_REPORTED
    if f.age <= self.refund_wait_s:
        return reasons.TOO_EARLY_TO_REPORT
    if f.agrees:
        return reasons.MODEL_AGREES
    if self.verified[reporter] == 0:
        return reasons.NO_VERIFIED
    return reasons.OK


@internal
@view
def report_pays(record: data_handler.Contribution, reporter: address, takes_all: bool) -> uint256:
    """What an accepted report pays: floor(deposit * verified / total), or all that is left."""
    if takes_all:
        return record.claimable
    award: uint256 = record.initial_deposit * self.verified[reporter] // self.total_verified
    if award == 0 or award > record.claimable:
        return record.claimable
    return award


@internal
def record_refund(sender: address):
    if self.verified[sender] == 0:
        self.sharers[self.num_sharers] = sender
        self.num_sharers += 1
    self.verified[sender] += 1
    self.total_verified += 1


@internal
@pure
def unclaimable(record: data_handler.Contribution) -> bool:
    return record.claimable == 0


# -- paid predictions ------------------------------------------------------------------------
@internal
def pay_prediction_shares(payment: uint256) -> uint256:
    """Send each contributor payment * verified // total; return what was paid out."""
    if payment == 0:
        return 0
    assert self.total_verified > 0, "no verified contributions yet to share the payment with"
    paid: uint256 = 0
    for i: uint256 in range(self.num_sharers, bound=MAX_SHARERS):
        sharer: address = self.sharers[i]
        share: uint256 = payment * self.verified[sharer] // self.total_verified
        if share > 0:
            send(sharer, share)
            paid += share
    return paid
