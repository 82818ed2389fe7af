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
)

# What `claim_preview` says a claimer can do with a contribution now.
NONE, REFUND, REPORT = 0, 1, 2
ACTIONS = ("none", "refund", "report")
