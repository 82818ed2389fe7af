# pragma version 0.4.3
"""
@title Why a claim is refused: one code per reason, and its message
@notice The same codes and messages as sumchain.contract.reasons: a refused refund or report reverts
        with message(code); the batched free read claim_preview returns the codes.
"""

OK: constant(uint256) = 0
NO_SUCH_CONTRIBUTION: constant(uint256) = 1
NOT_AUTHOR: constant(uint256) = 2
ALREADY_REFUNDED: constant(uint256) = 3
NOTHING_LEFT: constant(uint256) = 4
ALREADY_SETTLED: constant(uint256) = 5
TOO_EARLY_TO_REFUND: constant(uint256) = 6
MODEL_DISAGREES: constant(uint256) = 7
OWN_BEFORE_ANY_ADDRESS_WAIT: constant(uint256) = 8
ALREADY_REPORTED: constant(uint256) = 9
TOO_EARLY_TO_REPORT: constant(uint256) = 10
MODEL_AGREES: constant(uint256) = 11
NO_VERIFIED: constant(uint256) = 12

# What claim_preview says a claimer can do with a contribution now.
NO_ACTION: constant(uint256) = 0
REFUND: constant(uint256) = 1
REPORT: constant(uint256) = 2


@internal
@pure
def message(code: uint256) -> String[80]:
    if code == NO_SUCH_CONTRIBUTION:
        return "no such contribution (check x, y, added_time and the original author)"
    if code == NOT_AUTHOR:
        return "only the original author can ask for a refund"
    if code == ALREADY_REFUNDED:
        return "the deposit was already claimed by its author"
    if code == NOTHING_LEFT:
        return "there is nothing left to claim for this contribution"
    if code == ALREADY_SETTLED:
        return "this contribution was already settled"
    if code == TOO_EARLY_TO_REFUND:
        return "not enough time has passed to ask for a refund"
    if code == MODEL_DISAGREES:
        return "the model doesn't agree with your contribution"
    if code == OWN_BEFORE_ANY_ADDRESS_WAIT:
        return "cannot report your own contribution before the any-address wait"
    if code == ALREADY_REPORTED:
        return "the deposit was already claimed by this reporter"
    if code == TOO_EARLY_TO_REPORT:
        return "not enough time has passed to report this contribution"
    if code == MODEL_AGREES:
        return "the model agrees with the contribution"
    if code == NO_VERIFIED:
        return "the reporter has no verified contributions"
    return ""


@internal
@pure
def refuse_if(code: uint256):
    if code != OK:
        raise self.message(code)
