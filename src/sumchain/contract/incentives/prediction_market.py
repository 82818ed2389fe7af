"""SUM's prediction market: a bounty paid out by how much each contribution improves a hidden test set.

The rules of Harris & Waggoner's third mechanism, in integer arithmetic (money in base units, accuracy
as a count of correct test predictions). This module holds the market's state and computes; the
contract (`sumchain.contract.market`) moves the money and records every call.

Phases, in order (`Phase`); a call outside its phase is refused with a reason from `reasons.py`:

1. `AWAITING_BOUNTY`: a bounty provider commits the SHA-256 of each of k >= 2 portions of a test
   set (`portion_hash`) and sends the bounty. The contract picks one portion to be revealed now
   (`reveal_index`, from the commitments and the block time, as a contract would from a block hash).
2. `INITIALIZATION`: the provider reveals that portion; it must match its hash. The market opens.
3. `PARTICIPATION`: contributors add (x, y) with a stake of `min_stake` (the rest of what they send
   stays theirs). As in SUM's own code, the model does not learn yet. The provider may end the
   market once it has lasted `min_length_s` *and* holds `min_num_contributions` contributions.
4. `REVEAL_TEST_SET`: the provider reveals the other portions, in order, each checked against its
   hash. The test set of the reward phase is all of them except the first revealed portion (it was
   public while contributors could still fit to it).
5. `REWARD`: anyone processes contributions (`process`, a few per call as gas would force). A
   *round* replays the contributions still in the market, in order, on the model, and gives each
   *unit* (a contribution, or with `group_contributions` a contributor's contributions) a score: the
   change in correct test predictions across it (per contiguous run of a contributor's
   contributions, summed, when grouped). With `reset_model` every round starts again from the
   deployed model and measures as it goes; without (SUM's default), the model trains on from where
   the last round left it and each contribution keeps the count measured on its first replay.
   After a round the market moves, for r rounds at once, `score * r // n` base units (n the size
   of the test set) between the pool (the bounty) and each unit's balance, where r is the number of
   rounds until the first unit with a negative score runs out (`balance * n // -score`, at least 1),
   capped by the rounds left (the bounty, one round per base unit, as in SUM). Units whose balance
   is now below `min_stake` per contribution are dropped and a new round begins; a round with no
   negative score, or one that uses the last rounds, or a market with no units left, ends the
   phase. Integer floors keep the pool >= 0: the scores of a round telescope to the change in
   correct predictions over the whole replay, at most n, so a round pays at most r.
6. `WITHDRAW`: each contributor withdraws the sum of its units' balances, once; the provider
   withdraws what is left of the pool (unpaid bounty, the stakes lost by bad data, rounding dust).
   Money is conserved to the unit.

Where we differ from SUM's Python code: ending needs both the minimum length and the minimum
number of contributions (SUM's needed either); a unit stops at the first round that would take it
below zero rather than the round of the single worst score (so no balance goes negative); ungrouped
balances are added to, not overwritten by, the last round's change; the provider gets the rest of
the pool back; the reveal index comes from the commitments and time rather than a process-wide
random generator. SUM's optional `add_test_set_hashes`, a deposit above the minimum stake, and
taking a contributor's unclaimed balance after a wait are not built.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from sumchain.components import MechanismDescriptor
from sumchain.config import DAY_S, MAX_MONEY_UNITS, WEI_PER_COIN, check, check_wait
from sumchain.contract import reasons as R
from sumchain.errors import Rejected


class Phase(IntEnum):
    AWAITING_BOUNTY = 0
    INITIALIZATION = 1
    PARTICIPATION = 2
    REVEAL_TEST_SET = 3
    REWARD = 4
    WITHDRAW = 5


PHASE_REFUSALS = {
    Phase.AWAITING_BOUNTY: R.MARKET_ALREADY_INITIALIZED,
    Phase.INITIALIZATION: R.MARKET_NOT_INITIALIZING,
    Phase.PARTICIPATION: R.MARKET_NOT_OPEN,
    Phase.REVEAL_TEST_SET: R.MARKET_NOT_REVEALING,
    Phase.REWARD: R.MARKET_NOT_REWARDING,
    Phase.WITHDRAW: R.MARKET_NOT_WITHDRAWING,
}
"""The refusal of a call that needs a phase the market is not in."""


def portion_hash(X: sp.spmatrix, y) -> str:
    """The commitment to a test-set portion: SHA-256 of its shape, each row's present feature indices
    and the labels (binary features: present or not)."""
    X = sp.csr_matrix(X, copy=True)
    X.eliminate_zeros()
    X.sort_indices()
    labels = np.asarray(y, dtype="<i8")
    if labels.shape != (X.shape[0],):
        raise Rejected("a test-set portion needs one label per row")
    digest = hashlib.sha256(f"{X.shape[0]}:{X.shape[1]}|".encode())
    digest.update(X.indptr.astype("<i8").tobytes())
    digest.update(X.indices.astype("<i8").tobytes())
    digest.update(labels.tobytes())
    return digest.hexdigest()


def split_portions(X: sp.spmatrix, y, k: int) -> list[tuple[sp.csr_matrix, np.ndarray]]:
    """A test set cut into k contiguous portions (the provider's side, before committing)."""
    X, y = sp.csr_matrix(X), np.asarray(y)
    n = X.shape[0]
    if not 2 <= k <= n:
        raise ValueError(f"cannot cut {n} test samples into {k} non-empty portions")
    bounds = [i * n // k for i in range(k + 1)]
    return [(X[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def reveal_index_for(hashes: list[str], now: int) -> int:
    digest = hashlib.sha256(("|".join(hashes) + f"|{now}").encode()).digest()
    return int.from_bytes(digest[:8], "big") % len(hashes)


@dataclass(slots=True)
class MarketContribution:
    contributor: str
    x: np.ndarray
    y: int
    stake: int
    correct_after: int | None = None      # without reset_model: the count measured on its first replay


@dataclass(slots=True)
class Unit:
    """Who wins or loses together: one contribution, or a contributor's all (grouped)."""

    contributor: str
    balance: int
    contributions: int = 0


@dataclass
class RoundState:
    cursor: int = 0
    prev_correct: int = 0
    current_correct: int = 0
    scores: dict = field(default_factory=dict)


class PredictionMarket:
    """The market's rules and state. `check_*` only judge (raise `Rejected`); the rest change state and
    are called by the contract only after every check of a call passed."""

    name = "prediction_market"

    def __init__(self, model, min_stake: int, min_length_s: int, min_num_contributions: int,
                 group_contributions: bool = False, reset_model: bool = False):
        if min_stake < 1 or min_length_s < 0 or min_num_contributions < 1:
            raise ValueError("min_stake and min_num_contributions must be >= 1, min_length_s >= 0")
        self.model = model
        self.initial_model = model.copy()
        self.min_stake = int(min_stake)
        self.min_length_s = int(min_length_s)
        self.min_num_contributions = int(min_num_contributions)
        self.group_contributions = bool(group_contributions)
        self.reset_model = bool(reset_model)
        self.phase = Phase.AWAITING_BOUNTY
        self.provider: str | None = None
        self.bounty = 0
        self.pool = 0                       # base units of the bounty not (yet) paid to anyone
        self.remaining_rounds = 0
        self.hashes: list[str] = []
        self.reveal_index = -1
        self.next_portion = 0
        self.opened_at = 0
        self.contributions: list[MarketContribution] = []
        self.test_X: list[sp.csr_matrix] = []
        self.test_y: list[np.ndarray] = []
        self.units: dict = {}
        self.in_market: list[int] = []      # contribution ids still in the reward phase, in order
        self.rounds_done = 0
        self.dropped = 0
        self.original_correct = 0
        self.round: RoundState | None = None
        self.withdrawn: set[str] = set()
        self.provider_withdrawn = False

    def __repr__(self) -> str:
        return (f"PredictionMarket(min_stake={self.min_stake}, min_length_s={self.min_length_s}, "
                f"min_num_contributions={self.min_num_contributions}, "
                f"group_contributions={self.group_contributions}, reset_model={self.reset_model})")

    # -- checks ------------------------------------------------------------------------------
    def check_phase(self, needed: Phase) -> None:
        if self.phase != needed:
            refuse(PHASE_REFUSALS[needed])

    def check_provider(self, sender: str) -> None:
        if sender != self.provider:
            refuse(R.NOT_BOUNTY_PROVIDER)

    def check_portion(self, index: int, X, y) -> None:
        if X.shape[0] < 1:
            refuse(R.EMPTY_PORTION)
        if X.shape[1] != self.model.num_features:
            raise Rejected(f"a test-set portion must have {self.model.num_features} features, got {X.shape[1]}")
        if portion_hash(X, y) != self.hashes[index]:
            refuse(R.PORTION_MISMATCH)

    # -- the phases ----------------------------------------------------------------------------
    def initialize(self, provider: str, hashes: list[str], bounty: int, now: int) -> int:
        self.check_phase(Phase.AWAITING_BOUNTY)
        if len(hashes) < 2 or not all(isinstance(h, str) and len(h) == 64 for h in hashes):
            refuse(R.TOO_FEW_PORTIONS)
        if bounty < 1:
            refuse(R.NO_BOUNTY)
        self.provider, self.hashes = provider, list(hashes)
        self.bounty = self.pool = self.remaining_rounds = int(bounty)
        self.reveal_index = reveal_index_for(self.hashes, now)
        self.next_portion = 1 if self.reveal_index == 0 else 0
        self.phase = Phase.INITIALIZATION
        return self.reveal_index

    def reveal_first(self, sender: str, X, y, now: int) -> None:
        self.check_phase(Phase.INITIALIZATION)
        self.check_provider(sender)
        self.check_portion(self.reveal_index, X, y)
        self.opened_at = now
        self.phase = Phase.PARTICIPATION

    def stake_for(self, value: int) -> int:
        """What an add takes now: `min_stake`, if the sender sent at least that."""
        self.check_phase(Phase.PARTICIPATION)
        if value < self.min_stake:
            raise Rejected(f"did not pay enough: sent {value} but the market's stake is {self.min_stake}")
        return self.min_stake

    def add(self, contributor: str, x: np.ndarray, y: int, stake: int) -> int:
        self.contributions.append(MarketContribution(contributor, x, int(y), int(stake)))
        return len(self.contributions) - 1

    def check_end(self, sender: str, now: int) -> None:
        self.check_phase(Phase.PARTICIPATION)
        self.check_provider(sender)
        if now - self.opened_at < self.min_length_s or len(self.contributions) < self.min_num_contributions:
            refuse(R.MARKET_TOO_SHORT)

    def end(self) -> None:
        self.phase = Phase.REVEAL_TEST_SET

    def reveal_next(self, sender: str, X, y) -> int:
        self.check_phase(Phase.REVEAL_TEST_SET)
        self.check_provider(sender)
        index = self.next_portion
        self.check_portion(index, X, y)
        self.test_X.append(sp.csr_matrix(X))
        self.test_y.append(np.asarray(y, dtype=np.int64))
        self.next_portion += 1
        if self.next_portion == self.reveal_index:
            self.next_portion += 1
        if self.next_portion >= len(self.hashes):
            self._start_reward_phase()
        return index

    # -- the reward phase -------------------------------------------------------------------------
    def _start_reward_phase(self) -> None:
        self._X = sp.vstack(self.test_X, format="csr")
        self._y = np.concatenate(self.test_y)
        self.n = len(self._y)
        for i, c in enumerate(self.contributions):
            key = c.contributor if self.group_contributions else i
            unit = self.units.setdefault(key, Unit(c.contributor, 0))
            unit.balance += c.stake
            unit.contributions += 1
        self.in_market = list(range(len(self.contributions)))
        self.original_correct = self.correct()
        self.phase = Phase.REWARD if self.in_market else Phase.WITHDRAW

    def correct(self) -> int:
        """Correct predictions of the current model on the revealed test set."""
        return int(np.count_nonzero(self.model.predict_many(self._X) == self._y))

    def unit_key(self, contribution_id: int):
        return self.contributions[contribution_id].contributor if self.group_contributions else contribution_id

    def process(self, max_steps: int) -> int:
        """Replay up to `max_steps` contributions (settling a round when its replay ends); how many."""
        self.check_phase(Phase.REWARD)
        steps = 0
        while steps < max_steps and self.phase == Phase.REWARD:
            if self.round is None:
                self._begin_round()
            self._step()
            steps += 1
            if self.round.cursor >= len(self.in_market):
                self._settle_round()
        return steps

    def _begin_round(self) -> None:
        if self.reset_model:
            self.model = self.initial_model.copy()
        self.round = RoundState(prev_correct=self.original_correct, current_correct=self.original_correct)

    def _step(self) -> None:
        state = self.round
        cid = self.in_market[state.cursor]
        c = self.contributions[cid]
        updated = self.model.update(c.x, c.y)
        if self.reset_model:
            if updated:
                state.current_correct = self.correct()
            after = state.current_correct
        else:
            if c.correct_after is None:            # the first replay measures, later ones reuse it
                if updated:
                    state.current_correct = self.correct()
                c.correct_after = state.current_correct
            after = c.correct_after
        state.cursor += 1
        last = state.cursor >= len(self.in_market)
        next_author = None if last else self.contributions[self.in_market[state.cursor]].contributor
        if not self.group_contributions or next_author != c.contributor:
            key = self.unit_key(cid)
            state.scores[key] = state.scores.get(key, 0) + after - state.prev_correct
            state.prev_correct = after

    def _settle_round(self) -> None:
        scores, n = self.round.scores, self.n
        negative = [key for key, score in scores.items() if score < 0]
        rounds = self.remaining_rounds
        if negative:
            rounds = min(rounds, min(self.units[key].balance * n // -scores[key] for key in negative))
        for key, score in scores.items():
            change = score * rounds // n
            self.units[key].balance += change
            self.pool -= change
        if self.pool < 0 or any(self.units[key].balance < 0 for key in scores):
            raise AssertionError("prediction market arithmetic broke its invariant")   # cannot happen (see module)
        self.remaining_rounds -= rounds
        self.rounds_done += 1
        self.round = None
        if not negative or self.remaining_rounds == 0:
            self.phase = Phase.WITHDRAW
            return
        drop = {key for key in scores if self.units[key].balance < self.min_stake * self.units[key].contributions}
        self.dropped += len(drop)
        self.in_market = [cid for cid in self.in_market if self.unit_key(cid) not in drop]
        if not self.in_market:
            self.phase = Phase.WITHDRAW

    # -- withdrawals ----------------------------------------------------------------------------
    def balance_of(self, contributor: str) -> int:
        """What `contributor` can withdraw once rewards are computed (its stakes until then)."""
        if contributor in self.withdrawn:
            return 0
        if self.units:
            return sum(u.balance for u in self.units.values() if u.contributor == contributor)
        return sum(c.stake for c in self.contributions if c.contributor == contributor)

    def withdrawal(self, sender: str) -> int:
        """What a withdrawal by `sender` pays: its balance, and for the provider the pool too."""
        self.check_phase(Phase.WITHDRAW)
        amount = self.balance_of(sender)
        if sender == self.provider and not self.provider_withdrawn:
            amount += self.pool
        elif amount == 0:
            refuse(R.NOTHING_TO_WITHDRAW)
        return amount

    def record_withdrawal(self, sender: str) -> None:
        self.withdrawn.add(sender)
        if sender == self.provider:
            self.provider_withdrawn = True
            self.pool = 0


@dataclass(frozen=True)
class Parameters:
    """`incentive = "prediction_market"`: SUM's prediction market (see `sumchain.contract.market` and
    `sumchain.sim.market`)."""

    bounty: int = field(default=100_000, metadata={"doc": "the bounty (coins)"})
    provider_balance: int = field(default=100_000, metadata={
        "doc": "the bounty provider's start balance (coins, >= the bounty)"})
    min_stake: int = field(default=1, metadata={
        "doc": "the stake each contribution takes (coins); the rest of what an agent offers stays with it"})
    num_portions: int = field(default=10, metadata={
        "doc": "test-set portions committed by hash (>= 2); one is revealed before the market opens"})
    min_length_s: int = field(default=7 * DAY_S, metadata={
        "doc": "the market ends only after this many seconds and `min_num_contributions`"})
    min_num_contributions: int = field(default=100, metadata={
        "doc": "the market ends only after this many contributions and `min_length_s`"})
    group_contributions: bool = field(default=False, metadata={
        "doc": "score a contributor's contributions together (SUM's option)"})
    reset_model: bool = field(default=False, metadata={
        "doc": "restart every reward round from the deployed model (SUM's option)"})

    funds = "provider_balance"
    """The key of the coins the mechanism's own account starts with (counted in the run's money)."""

    def check(self, config) -> None:
        check(self.bounty >= 1, "prediction_market.bounty", "must be a whole number of coins >= 1", self.bounty)
        check(self.provider_balance >= self.bounty, "prediction_market.provider_balance",
              f"must be >= prediction_market.bounty = {self.bounty} coins", self.provider_balance)
        check(self.min_stake >= 1, "prediction_market.min_stake", "must be a whole number of coins >= 1", self.min_stake)
        check(self.num_portions >= 2, "prediction_market.num_portions",
              "must be a whole number >= 2 (one portion is revealed before the market opens)", self.num_portions)
        check(self.min_length_s >= 0, "prediction_market.min_length_s", "must be >= 0 seconds", self.min_length_s)
        check_wait("prediction_market.min_length_s", self.min_length_s)
        check(self.min_stake * WEI_PER_COIN <= MAX_MONEY_UNITS, "prediction_market.min_stake",
              f"must be <= {MAX_MONEY_UNITS // WEI_PER_COIN:,} coins (2**128 wei, the most money a run holds)",
              self.min_stake)
        check(self.min_num_contributions >= 1, "prediction_market.min_num_contributions",
              "must be a whole number >= 1", self.min_num_contributions)


def refuse(code: int) -> None:
    raise Rejected(R.REASONS[code])


DESCRIPTOR = MechanismDescriptor(
    "prediction_market",
    "SUM's prediction market: a bounty shared by the contributions that help",
    parameters=Parameters,
    own_contract="sumchain.contract.market:deploy_market",
)
