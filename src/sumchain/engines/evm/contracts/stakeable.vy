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
TIME_LIMIT: constant(uint256) = 2**64      # data_handler stores a time in 64 bits
# The least time between the refund wait's end and the first claim that may take a whole deposit (by
# anyone, or by the owner): an author always has this long to take back a deposit the model agrees with.
# The Python engine and the config read it from here (sumchain.components.vyper_constant).
CLAIM_GAP_S: constant(uint256) = 7 * DAY_S

owner: public(address)
refund_wait_s: public(uint256)
any_address_claim_wait_s: public(uint256)
owner_claim_wait_s: public(uint256)
cost_weight: public(uint256)
last_add_time: public(uint256)
verified: public(HashMap[address, uint256])
total_verified: public(uint256)
# Paid predictions, pulled: each verified contribution has earned reward_per_unit wei so far; an
# account's earnings up to its last settlement are in credited, and reward_per_unit then in snapshot.
reward_per_unit: public(uint256)
credited: HashMap[address, uint256]
snapshot: HashMap[address, uint256]


@deploy
def __init__(owner: address, refund_wait_s: uint256, any_address_claim_wait_s: uint256,
             owner_claim_wait_s: uint256, cost_weight: uint256, start_time: uint256):
    assert any_address_claim_wait_s >= refund_wait_s + CLAIM_GAP_S, "any_address_claim_wait_s must be >= refund_wait_s + 7 days"
    assert owner_claim_wait_s >= refund_wait_s + CLAIM_GAP_S, "owner_claim_wait_s must be >= refund_wait_s + 7 days"
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
    """Cheap when data arrives slowly, dear when it floods in (per the square root of the gap); a
    zero gap (an add in the same block as the last) is priced as a one-second gap."""
    assert block.timestamp < TIME_LIMIT, "the chain's time must be below 2**64 seconds"
    if block.timestamp < self.last_add_time:
        raise "not enough time has passed since the last data was added"
    return max(1, self.cost_weight * 60 // isqrt(max(1, block.timestamp - self.last_add_time)))


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
    self.settle(sender)
    self.verified[sender] += 1
    self.total_verified += 1


@internal
@pure
def unclaimable(record: data_handler.Contribution) -> bool:
    return record.claimable == 0


# -- paid predictions, pulled ---------------------------------------------------------------
@internal
def share_prediction(payment: uint256) -> uint256:
    """Credit each verified contribution payment // total_verified (O(1): nobody is paid here);
    return what was credited, payment minus the dust under total_verified the caller keeps."""
    if payment == 0:
        return 0
    assert self.total_verified > 0, "no verified contributions yet to share the payment with"
    per_unit: uint256 = payment // self.total_verified
    self.reward_per_unit += per_unit
    return per_unit * self.total_verified


@internal
@view
def withdrawable(account: address) -> uint256:
    return self.credited[account] + self.verified[account] * (self.reward_per_unit - self.snapshot[account])


@internal
def settle(account: address):
    """Bank what `account` earned at its current verified count (before that count changes)."""
    self.credited[account] = self.withdrawable(account)
    self.snapshot[account] = self.reward_per_unit


@internal
def record_withdraw(account: address) -> uint256:
    amount: uint256 = self.withdrawable(account)
    assert amount > 0, "nothing to withdraw: this address has no earnings from paid predictions"
    self.credited[account] = 0
    self.snapshot[account] = self.reward_per_unit
    return amount
