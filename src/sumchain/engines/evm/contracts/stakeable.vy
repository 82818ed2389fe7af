# pragma version 0.4.3
"""
@title Deposit, Refund and Take ("stakeable"): the SUM incentive mechanism
@notice The same rules, integer arithmetic and refusal reasons as
        sumchain.contract.incentives.stakeable.Stakeable. Functions named *_amount and cost_to_add
        only compute (or revert); record_* change state and are called by the trainer only after
        every check of a call has passed. Amounts are in wei.
"""

import data_handler

uses: data_handler

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


# -- refunds ---------------------------------------------------------------------------------
@internal
@view
def check_refund_unclaimed(key: bytes32, sender: address):
    assert not data_handler.claimed_by[key][sender], "the deposit was already claimed by its author"


@internal
@view
def refund_amount(record: data_handler.Contribution, added_time: uint256, y: uint256, prediction: uint256) -> uint256:
    """The rest of the refund rules, after the author and claimable checks."""
    assert block.timestamp - added_time > self.refund_wait_s, "not enough time has passed to ask for a refund"
    assert prediction == y, "the model doesn't agree with your contribution"
    return record.claimable


@internal
def record_refund(sender: address):
    if self.verified[sender] == 0:
        self.sharers[self.num_sharers] = sender
        self.num_sharers += 1
    self.verified[sender] += 1
    self.total_verified += 1


# -- reports ---------------------------------------------------------------------------------
@internal
@view
def report_amount(key: bytes32, record: data_handler.Contribution, author: address, added_time: uint256,
                  y: uint256, prediction: uint256) -> uint256:
    """The report rules after the claimable check."""
    age: uint256 = block.timestamp - added_time
    if age >= self.any_address_claim_wait_s or (msg.sender == self.owner and age >= self.owner_claim_wait_s):
        return record.claimable
    assert msg.sender != author, "cannot report your own contribution before the any-address wait"
    assert not data_handler.claimed_by[key][msg.sender], "the deposit was already claimed by this reporter"
    assert age > self.refund_wait_s, "not enough time has passed to report this contribution"
    assert prediction != y, "the model agrees with the contribution"
    verified: uint256 = self.verified[msg.sender]
    assert verified > 0, "the reporter has no verified contributions"
    award: uint256 = record.initial_deposit * verified // self.total_verified
    if award == 0 or award > record.claimable:
        return record.claimable
    return award


@internal
@view
def check_claimable(record: data_handler.Contribution):
    assert record.claimable > 0, "there is nothing left to claim for this contribution"


@internal
@view
def is_settled(record: data_handler.Contribution) -> bool:
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
