"""Deposit, Refund and Take ("stakeable"): the SUM incentive mechanism, in integer arithmetic.

Every rule of the mechanism lives here and nowhere else. Methods named `*_amount` and `cost_to_add`
only compute (or raise `Rejected`); methods named `record_*` change the mechanism's state and are
called by the trainer only after every check of a call has passed. Amounts, `cost_weight` (cw)
included, are in the chain's base units (`sumchain.ledger.money`: a configured cost_weight of 1 coin
is cw = 10**18 here, as wei on the EVM).

| call    | refused when                                                                  | pays                                       |
|---------|-------------------------------------------------------------------------------|--------------------------------------------|
| add     | now < the last add's time; now >= 2**64; value < cost                          | takes cost = max(1, cw*60 // isqrt(dt)),   |
|         |                                                                               | dt = max(1, now - last add's time)         |
| refund  | not the author's; already claimed by the author; nothing claimable;            | the whole claimable amount; the author    |
|         | age <= refund wait; the model's prediction differs from y                      | gains one verified contribution           |
| report  | (age >= any-address wait, or the owner after the owner wait: take all left)    | floor(deposit * verified(r) / total), or  |
|         | otherwise: the reporter is the author; already claimed by the reporter;        | all that is left when that is 0 or more    |
|         | age <= refund wait; the model agrees with y; the reporter has no verified data | than what is left                          |

The refund and report rules are written once, as `refund_refusal` and `report_refusal` over
`ClaimFacts` whose fields are either single values (one call) or numpy arrays: the same expressions
judge both, so a call and the batched free read (`Trainer.claim_preview`) cannot disagree. The
batched read asks them through a `ClaimTable`: the rules' answers for every class of facts,
computed by those expressions once per claimer state, then looked up per contribution.

A paid prediction's value is pulled, not pushed (`share_prediction`, `withdrawable`,
`record_withdraw`): each verified contribution is credited `value // total_verified` in one step
(an accumulator, `reward_per_unit`), the caller keeps the rest, and each contributor withdraws
`credited + verified * (reward_per_unit - snapshot)` when it likes. Its cost does not grow with
the number of contributors, and no contributor can make another's call fail. SUM pushed
`floor(value * verified / total)` to every contributor; this pays `verified * floor(value / total)`,
exact to the unit, so a contributor can get up to `verified - 1` units less per call (the caller
keeps them), and a value below `total_verified` units credits nothing.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any, NamedTuple

import numpy as np

from sumchain.components import MechanismDescriptor, vyper_constant
from sumchain.contract import reasons as R
from sumchain.contract.data_handler import Contribution
from sumchain.errors import Rejected
from sumchain.ledger.money import to_units

CLAIM_GAP_S = vyper_constant("stakeable", "CLAIM_GAP_S")
"""The least time between the refund wait's end and a claim that may take a whole deposit (7 days),
as the contract defines it (`stakeable.vy`)."""


class ClaimFacts(NamedTuple):
    """What the claim rules read about a claimer and contributions: scalars for one, arrays for many.

    A named tuple rather than a frozen dataclass: one is built per claim and per batched read
    (about 58,000 in the default run), and a frozen dataclass takes three times as long to build."""

    is_author: Any          # the claimer is the contribution's author
    claimed: Any            # the claimer already claimed from it
    has_claimable: Any      # some deposit is left (claimable > 0)
    num_claims: Any         # successful claims so far
    age: Any                # seconds since it was added
    agrees: Any             # the model's prediction for x equals y

    @classmethod
    def of(cls, record: Contribution, claimer: str, now: int, prediction: int) -> "ClaimFacts":
        return cls(record.sender == claimer, record.claimed(claimer), record.claimable > 0,
                   record.num_claims, now - record.added_time, prediction == record.y)


def first_refusal(checks: list[tuple[Any, int]]) -> Any:
    """The code of the first check that holds (R.OK if none): an int for scalars, an array for arrays."""
    for i, (condition, code) in enumerate(checks):      # one call's scalars: stop at the first that holds
        if isinstance(condition, np.ndarray):
            break
        if condition:
            if any(isinstance(c, np.ndarray) for c, _ in checks[i + 1:]):
                break
            return code
    else:
        return R.OK
    shape = next(np.shape(c) for c, _ in checks if isinstance(c, np.ndarray))
    codes = np.zeros(shape, dtype=np.int64)
    for condition, code in reversed(checks):     # earlier checks overwrite later ones
        if isinstance(condition, np.ndarray):
            codes[condition] = code
        elif condition:
            codes[:] = code
    return codes


class ClaimTable:
    """The claim rules' answers for every class of facts, for one claimer in one mechanism state.

    Why: a simulation asks what every pending claim would do on every turn (about 500 claims,
    27,000 turns in the default run); evaluating the rules' expressions over arrays took some 50
    numpy operations per turn. The rules' outcome depends on a contribution's facts only through
    a few booleans and through which interval of the mechanism's breakpoints (`age_breakpoints`,
    `claim_count_breakpoints`) its age and claim count fall in. So the table enumerates one
    representative of every class, judges all of them with the rules themselves (the same
    `refund_refusal`, `report_refusal`, `takes_all` and `unclaimable`), and a batch is answered by
    classifying its facts and indexing. The table holds for as long as `rules_state(claimer)`
    (the mechanism state the rules read besides the facts) is unchanged.

    Per class: `action` (reasons.REFUND when the claimer's refund would be accepted, else
    reasons.REPORT when a report would be, else reasons.NONE), `reason` (reasons.OK with an action,
    else the refund's refusal for the author and the report's for anyone else), `takes_all` (an
    accepted report takes all that is left) and `unclaimable` (settled).
    """

    def __init__(self, mechanism: "Stakeable", claimer: str):
        self.ages = np.asarray(mechanism.age_breakpoints(claimer), dtype=np.int64)
        self.counts = np.asarray(mechanism.claim_count_breakpoints, dtype=np.int64)
        ages = np.concatenate([[self.ages[0] - 1], self.ages])        # one age in each interval
        counts = np.concatenate([[self.counts[0] - 1], self.counts])
        self.shape = (2, 2, 2, len(counts), len(ages), 2)
        grid = np.array(list(itertools.product(*(range(size) for size in self.shape))), dtype=np.int64)
        facts = ClaimFacts(is_author=grid[:, 0] == 1, claimed=grid[:, 1] == 1, has_claimable=grid[:, 2] == 1,
                           num_claims=counts[grid[:, 3]], age=ages[grid[:, 4]], agrees=grid[:, 5] == 1)
        refund = np.asarray(mechanism.refund_refusal(facts), dtype=np.int64)
        report = np.asarray(mechanism.report_refusal(facts, claimer), dtype=np.int64)
        refunds, reports = refund == R.OK, report == R.OK
        self.action = np.where(refunds, R.REFUND, np.where(reports, R.REPORT, R.NONE))
        self.reason = np.where(self.action != R.NONE, R.OK, np.where(facts.is_author, refund, report))
        self.takes_all = np.broadcast_to(np.asarray(mechanism.takes_all(facts, claimer), dtype=bool), len(grid))
        self.unclaimable = np.asarray(mechanism.unclaimable(facts), dtype=bool)
        # the same answers as plain values, for `answer` (one contribution), with the refund's and the
        # report's own codes apart: a call asks about its own function (the author may report own data
        # whose refund is refused)
        self._answers = list(zip(self.action.tolist(), self.reason.tolist(), self.takes_all.tolist(),
                                 self.unclaimable.tolist(), refund.tolist(), report.tolist()))
        self._age_list, self._count_list = self.ages.tolist(), self.counts.tolist()

    def classes(self, facts: ClaimFacts) -> np.ndarray:
        """Each contribution's row in the table (the grid's order above)."""
        return np.ravel_multi_index((facts.is_author, facts.claimed, facts.has_claimable,
                                     self.counts.searchsorted(facts.num_claims, side="right"),
                                     self.ages.searchsorted(facts.age, side="right"), facts.agrees),
                                    self.shape)

    def answer(self, is_author: bool, claimed: bool, has_claimable: bool, num_claims: int, age: int,
               agrees: bool) -> tuple[int, int, bool, bool, int, int]:
        """One contribution's (action, reason, takes_all, unclaimable, refund's code, report's code)
        from its facts (`ClaimFacts`' fields, as plain values): its class as `classes` finds it,
        without numpy's per-call cost."""
        _, _, _, counts, ages, _ = self.shape
        row = ((is_author * 2 + claimed) * 2 + has_claimable) * counts + bisect.bisect_right(self._count_list, num_claims)
        return self._answers[(row * ages + bisect.bisect_right(self._age_list, age)) * 2 + agrees]


TAKES_ALL, REFUND_CODE, REPORT_CODE = 2, 4, 5
"""Positions in `ClaimTable.answer`'s tuple."""

TIME_LIMIT = 2**64
"""The contract stores a contribution's time in 64 bits: it refuses to add data at or after this time."""


class Stakeable:
    """Deposits that good contributors get back and reporters of bad data take."""

    name = "stakeable"
    unclaimable_reason = R.NOTHING_LEFT

    def __init__(self, refund_wait_s: int = 86_400, any_address_claim_wait_s: int = 9 * 86_400,
                 owner_claim_wait_s: int | None = None, cost_weight: int = 1, owner: str = "owner",
                 start_time: int = 0):
        if any_address_claim_wait_s < refund_wait_s + CLAIM_GAP_S:
            raise ValueError("any_address_claim_wait_s must be >= refund_wait_s + 7 days")
        self.refund_wait_s = int(refund_wait_s)
        self.any_address_claim_wait_s = int(any_address_claim_wait_s)
        self.owner_claim_wait_s = int(any_address_claim_wait_s if owner_claim_wait_s is None else owner_claim_wait_s)
        if self.owner_claim_wait_s < refund_wait_s + CLAIM_GAP_S:
            raise ValueError("owner_claim_wait_s must be >= refund_wait_s + 7 days")
        self.cost_weight = int(cost_weight)
        self.owner = owner
        self.last_add_time = int(start_time)
        self.verified: dict[str, int] = {}
        self.total_verified = 0
        self.reward_per_unit = 0
        self._credited: dict[str, int] = {}
        self._snapshot: dict[str, int] = {}
        self._claim_tables: dict[tuple, ClaimTable] = {}

    @classmethod
    def from_config(cls, section, owner: str, start_time: int = 0) -> "Stakeable":
        """Built from its own keys (the `incentive` section): the claim waits and `cost_weight` (coins,
        applied in base units)."""
        return cls(refund_wait_s=section.refund_wait_s, any_address_claim_wait_s=section.any_address_claim_wait_s,
                   owner_claim_wait_s=section.owner_claim_wait_s, cost_weight=to_units(section.cost_weight),
                   owner=owner, start_time=start_time)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(refund_wait_s={self.refund_wait_s}, "
                f"any_address_claim_wait_s={self.any_address_claim_wait_s}, "
                f"owner_claim_wait_s={self.owner_claim_wait_s}, cost_weight={self.cost_weight})")

    # -- adding data -----------------------------------------------------------------------
    def cost_to_add(self, now: int, x=None, y=None, model=None) -> int:
        """Cheap when data arrives slowly, dear when it floods in (per the square root of the gap);
        the same for any sample (x, y and model are not read). A zero gap (an add at the same time
        as the last, as in one block) is priced as a one-second gap: different contributors never
        collide, and the price of flooding is the dearest there is."""
        if now >= TIME_LIMIT:
            raise Rejected("the chain's time must be below 2**64 seconds")
        dt = now - self.last_add_time
        if dt < 0:
            raise Rejected("not enough time has passed since the last data was added")
        return max(1, self.cost_weight * 60 // math.isqrt(max(1, dt)))

    def record_add(self, now: int) -> None:
        self.last_add_time = now

    # -- the claim rules, for one contribution or a batch ----------------------------------
    def unclaimable(self, facts: ClaimFacts) -> Any:
        """Nothing more can be claimed from it: settled."""
        return facts.has_claimable ^ True

    # The batched read's view of the rules (see `ClaimTable`): where outcomes can change, and
    # what state besides the facts the rules read. Written beside the rules they describe.
    claim_count_breakpoints = (1,)
    """Claim counts at which a rule's outcome may change (`unclaimable` of points reads num_claims > 0)."""

    def age_breakpoints(self, claimer: str) -> list[int]:
        """Ages at which a rule's outcome may change for `claimer`: `age <= refund_wait_s` ends at
        refund_wait_s + 1, `takes_all` starts at the any-address (and for the owner, the owner's) wait."""
        ages = {self.refund_wait_s + 1, self.any_address_claim_wait_s}
        if claimer == self.owner:
            ages.add(self.owner_claim_wait_s)
        return sorted(ages)

    def rules_state(self, claimer: str) -> tuple:
        """The mechanism state the claim rules read for `claimer`, besides a contribution's facts."""
        return (claimer == self.owner, self.verified.get(claimer, 0) > 0)

    def claim_table(self, claimer: str) -> ClaimTable:
        """The rules' answers for `claimer` now, as a table (cached while `rules_state` holds)."""
        key = (claimer, self.rules_state(claimer))
        table = self._claim_tables.get(key)
        if table is None:
            table = self._claim_tables[key] = ClaimTable(self, claimer)
        return table

    def refund_refusal(self, facts: ClaimFacts) -> Any:
        return first_refusal([
            (facts.is_author ^ True, R.NOT_AUTHOR),
            (facts.claimed, R.ALREADY_REFUNDED),
            (self.unclaimable(facts), self.unclaimable_reason),
            (facts.age <= self.refund_wait_s, R.TOO_EARLY_TO_REFUND),
            (facts.agrees ^ True, R.MODEL_DISAGREES),
        ])

    def takes_all(self, facts: ClaimFacts, reporter: str) -> Any:
        """A report past the any-address wait (or the owner's, after the owner wait) takes all that is left."""
        waited = facts.age >= self.any_address_claim_wait_s
        if reporter == self.owner:
            waited = waited | (facts.age >= self.owner_claim_wait_s)
        return waited

    def report_refusal(self, facts: ClaimFacts, reporter: str) -> Any:
        return first_refusal([
            (self.unclaimable(facts), self.unclaimable_reason),
            (self.takes_all(facts, reporter), R.OK),
            (facts.is_author, R.OWN_BEFORE_ANY_ADDRESS_WAIT),
            (facts.claimed, R.ALREADY_REPORTED),
            (facts.age <= self.refund_wait_s, R.TOO_EARLY_TO_REPORT),
            (facts.agrees, R.MODEL_AGREES),
            (self.verified.get(reporter, 0) <= 0, R.NO_VERIFIED),
        ])

    # -- refunds ---------------------------------------------------------------------------
    def refund_amount(self, record: Contribution, sender: str, now: int, prediction: int) -> int:
        _raise_if_refused(self._judged(record, sender, now, prediction)[REFUND_CODE])
        return record.claimable

    def record_refund(self, sender: str) -> None:
        self._settle(sender)
        self.verified[sender] = self.verified.get(sender, 0) + 1
        self.total_verified += 1

    # -- reports ---------------------------------------------------------------------------
    def report_amount(self, record: Contribution, reporter: str, now: int, prediction: int) -> int:
        answer = self._judged(record, reporter, now, prediction)
        _raise_if_refused(answer[REPORT_CODE])
        return self.report_pays(record, reporter, answer[TAKES_ALL])

    def _judged(self, record: Contribution, claimer: str, now: int, prediction: int) -> tuple:
        """One call's answer from `claim_table`: the rules above, judged once per class of facts when
        the table was built, so that a call and `Trainer.claim_preview` read the very same answer."""
        return self.claim_table(claimer).answer(record.sender == claimer, record.claimed(claimer),
                                                record.claimable > 0, record.num_claims, now - record.added_time,
                                                prediction == record.y)

    def report_pays(self, record: Contribution, reporter: str, takes_all: bool) -> int:
        """What an accepted report pays: floor(deposit * verified / total), or all that is left."""
        if takes_all:
            return record.claimable
        award = record.initial_deposit * self.verified.get(reporter, 0) // self.total_verified
        return record.claimable if award == 0 or award > record.claimable else award

    def record_report(self, record: Contribution, reporter: str) -> None:
        """Reports change no mechanism state here; the data handler records the claim."""

    def is_settled(self, record: Contribution) -> bool:
        return bool(self.unclaimable(ClaimFacts.of(record, "", 0, 0)))

    # -- paid predictions, pulled ----------------------------------------------------------
    def share_prediction(self, value: int) -> int:
        """Credit each verified contribution value // total_verified; return what was credited
        (the caller keeps the rest). Changes state: call it only after every check has passed."""
        if value <= 0:
            return 0
        if self.total_verified <= 0:
            raise Rejected("no verified contributions yet to share the payment with")
        per_unit = value // self.total_verified
        self.reward_per_unit += per_unit
        return per_unit * self.total_verified

    def withdrawable(self, account: str) -> int:
        """What `account`'s verified contributions earned from paid predictions and it has not withdrawn."""
        return (self._credited.get(account, 0)
                + self.verified.get(account, 0) * (self.reward_per_unit - self._snapshot.get(account, 0)))

    def _settle(self, account: str) -> None:
        """Bank what `account` earned at its current verified count (before that count changes)."""
        self._credited[account] = self.withdrawable(account)
        self._snapshot[account] = self.reward_per_unit

    def withdraw_amount(self, account: str) -> int:
        amount = self.withdrawable(account)
        if amount <= 0:
            raise Rejected("nothing to withdraw: this address has no earnings from paid predictions")
        return amount

    def record_withdraw(self, account: str) -> None:
        self._credited[account] = 0
        self._snapshot[account] = self.reward_per_unit


def _raise_if_refused(code: int) -> None:
    if code != R.OK:
        raise Rejected(R.REASONS[code])


DESCRIPTOR = MechanismDescriptor(
    "stakeable",
    "SUM's deposit, refund and report rules",
    paid_predictions=True,
)
