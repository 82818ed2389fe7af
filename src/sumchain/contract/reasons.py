"""Why a claim is refused: one code per reason, and its message, for every engine.

A refund or report that is refused raises `Rejected` with `REASONS[code]`; the batched free read
`Trainer.claim_preview` returns the codes. Codes are plain small integers so every engine (the
Python objects, the Vyper contract on an EVM) returns the same numbers for the same refusal.
"""

from __future__ import annotations

OK = 0
NO_SUCH_CONTRIBUTION = 1
NOT_AUTHOR = 2
ALREADY_REFUNDED = 3
NOTHING_LEFT = 4
ALREADY_SETTLED = 5
TOO_EARLY_TO_REFUND = 6
MODEL_DISAGREES = 7
OWN_BEFORE_ANY_ADDRESS_WAIT = 8
ALREADY_REPORTED = 9
TOO_EARLY_TO_REPORT = 10
MODEL_AGREES = 11
NO_VERIFIED = 12
# the prediction market's refusals (contract/incentives/prediction_market.py)
MARKET_ALREADY_INITIALIZED = 13
MARKET_NOT_INITIALIZING = 14
MARKET_NOT_OPEN = 15
MARKET_NOT_REVEALING = 16
MARKET_NOT_REWARDING = 17
MARKET_NOT_WITHDRAWING = 18
NOT_BOUNTY_PROVIDER = 19
PORTION_MISMATCH = 20
EMPTY_PORTION = 21
TOO_FEW_PORTIONS = 22
NO_BOUNTY = 23
MARKET_TOO_SHORT = 24
NOTHING_TO_WITHDRAW = 25

REASONS: tuple[str, ...] = (
    "",
    "no such contribution (check x, y, added_time and the original author)",
    "only the original author can ask for a refund",
    "the deposit was already claimed by its author",
    "there is nothing left to claim for this contribution",
    "this contribution was already settled",
    "not enough time has passed to ask for a refund",
    "the model doesn't agree with your contribution",
    "cannot report your own contribution before the any-address wait",
    "the deposit was already claimed by this reporter",
    "not enough time has passed to report this contribution",
    "the model agrees with the contribution",
    "the reporter has no verified contributions",
    "the market was already initialized",
    "the market is not waiting for its first test-set portion",
    "the market is not open for contributions",
    "the market is not revealing its test set",
    "the market is not computing rewards",
    "rewards cannot be withdrawn before they are computed",
    "only the bounty provider can do this",
    "the test-set portion does not match its committed hash",
    "a test-set portion must have at least one sample",
    "the market needs the hashes of at least two test-set portions",
    "the market needs a bounty (send a value of at least 1)",
    "the market cannot end before its minimum length and minimum number of contributions",
    "nothing to withdraw",
)

# What `claim_preview` says a claimer can do with a contribution now.
NONE, REFUND, REPORT = 0, 1, 2
ACTIONS = ("none", "refund", "report")
