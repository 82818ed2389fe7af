"""The event loop: agents take turns adding data and claiming deposits on a deployed contract.

Faithful to the SUM simulation the study used: on its turn an agent with money submits the next
unsubmitted sample (label flipped if malicious, or by a rare mistake), then walks the outstanding
contributions oldest first, asking refunds for its own and reporting others' (or taking what is
left after the any-address wait). Which claim would succeed is never decided here: one batched
free read (`Trainer.claim_preview`) says, per pending contribution, what call would be accepted
and otherwise the contract's reason; only accepted calls are sent, the others are counted as
declined by that reason. An agent whose balance is 0 after its add takes no further turns, and no
agent adds in the second of the last add (`DECLINED_SAME_SECOND`), as in the study's simulation.
The simulator talks to the contract only through the trainer's public functions and free reads.

Populations (`sim.agents` for the kinds): a table of `count` agents acts as that many agents; the
result columns per table (`balance.<table>`, `balance_pct.<table>`, `cost_per_add.<table>`) add up
its agents (total balance over total start, total paid over total adds). A `timing` agent's turn
waits until `lead_s` before the next scheduled turn of an honest agent (now if that is sooner); its
next turn is a wait after that. A `caller`'s turn pays `fee` coins (it stops when it has less) for the
prediction of the next pool sample in turn (`Trainer.predict` with a value), once a free read
(`Trainer.verified`) shows a verified contributor to share it (before, the contract would refuse).
The contract credits each verified contribution `fee // total verified` and returns the rest to the
caller; what each contributor earned is the change of its `Trainer.withdrawable` across the call,
and the caller paid their sum. A contributor pulls its earnings itself: at the start of its own
turn, once any paid prediction was made, it withdraws when a free read shows something owed (so a
run without callers makes no such read or call). Balances are what agents hold: earnings not yet
withdrawn (e.g. of an agent that stopped taking turns) stay in the contract. Only contributors
(every kind but caller) keep a run going: it ends when none can act.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from sumchain.config import MAX_SIMULATED_S, SAMPLE_INTERVAL_S, Config
from sumchain.contract.reasons import REASONS, REFUND
from sumchain.data import Dataset
from sumchain.data.dataset import product_dtype
from sumchain.engines.protocols import TrainerHandle
from sumchain.errors import Rejected
from sumchain.ledger.money import to_coins, to_units
from sumchain.sim.agents import Agent, make_agents
from sumchain.sim.events import EventQueue
from sumchain.sim.outstanding import Outstanding


STALL_LIMIT_S = 60 * 86_400
"""With nothing outstanding, a run in which no data is added for this long ends as stalled."""

TIME_LIMIT_REASON = (f"reached the simulated-time limit of {MAX_SIMULATED_S // (365 * 86_400)} years; "
                     f"shorten the agents' waits or give fewer samples (max_train)")

DECLINED_NOT_CONTRIBUTING = "chose not to contribute (unsure of the label)"
DECLINED_UNDERPAID = "deposit below the cost of adding data"
DECLINED_NO_SHARERS = "no verified contributor yet to pay for a prediction"
DECLINED_SAME_SECOND = "not enough time has passed since the last data was added"
"""The study's pacing: SUM's contract refused a second add in the second of the last one, so its
simulation never made one. The contract now takes it (priced as a one-second gap, so that one
account cannot block everyone's adds); the agents keep the study's pacing, and its results."""


class Simulation:
    def __init__(self, config: Config, dataset: Dataset, trainer: TrainerHandle, first_pool_row: int,
                 progress: bool = False):
        self.config = config
        self.trainer = trainer
        self.chain = trainer.chain
        # held in `product_dtype`: converting the int8 values was a third of each accuracy measurement
        self.X_test = dataset.X_test.astype(product_dtype(dataset.X_test.dtype), copy=False)
        self.y_test = np.asarray(dataset.y_test)
        pool_X = dataset.X_train[first_pool_row:]
        self.pool_indptr, self.pool_indices, self.pool_values = pool_X.indptr, pool_X.indices, pool_X.data
        self.pool_y = np.asarray(dataset.y_train[first_pool_row:])
        self.pool_size = pool_X.shape[0]
        self.agents = make_agents(config.agents, config.seed, round_waits=config.wait_rounding == "round",
                                  num_classes=dataset.num_classes, bad_share=config.bad_share)
        self.tables: dict[str, list[Agent]] = {}
        for agent in self.agents:
            self.tables.setdefault(agent.table, []).append(agent)
        self.contributors = [a for a in self.agents if a.adds_data]
        self.honest_agents = [a for a in self.agents if a.kind == "honest"]
        self.next_turn_at = [0] * len(self.agents)             # when each agent's next turn is scheduled
        self.fees_paid = [0] * len(self.agents)                # base units, callers' paid predictions
        self.fees_earned = [0] * len(self.agents)              # base units, contributors' shares of them
        self.paid_calls = 0
        self.anyone_verified = False
        # A sample goes to the contract in the model's input form (sparse indices, or dense values).
        model = trainer.model
        self.dense_input = model.input_kind == "dense"
        self.sample_of = model.sample
        self.predict_row = lambda k: trainer.predict(self.pool_row(k))
        self.outstanding = Outstanding(pool_X)
        self.events = EventQueue()
        self.model_version = 0
        self.last_accuracy = float("nan")
        self.last_add_time = 0
        self.counts = {"turns": 0, "adds": 0, "refunds": 0, "reports": 0}
        self.spent_on_adds = [0] * len(self.agents)            # base units paid in add costs, per agent
        self.adds_by = [0] * len(self.agents)
        self.rejections: Counter[str] = Counter()
        self.declined: Counter[str] = Counter()
        self._declined_claims = np.zeros(len(REASONS), dtype=np.int64)   # by reason code, merged at the end
        self.rows: list[dict] = []
        self.malicious = [a for a in self.agents if a.malicious]
        self.depleted_time: int | None = None
        self.min_malicious_pct = 100.0 if self.malicious else None
        self.end_reason = ""
        self._bar = tqdm(total=self.pool_size, desc="submitting data", unit="sample", disable=not progress,
                         leave=False, mininterval=0.5)

    # -- the run -------------------------------------------------------------------------
    def run(self) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(0, self.last_accuracy)
        self.schedule_first_turns()
        self.events.schedule(self.config.first_accuracy_s, self._measurement)
        self.events.schedule(SAMPLE_INTERVAL_S, self._sample)
        while self.events and not self.finished():
            if self.events.next_time() > MAX_SIMULATED_S:
                self.end_reason = TIME_LIMIT_REASON
                break
            time, action = self.events.pop()
            self.chain.advance_to(time)
            action(time)
        self._bar.close()
        for code in np.flatnonzero(self._declined_claims[1:]) + 1:
            self.declined[REASONS[code]] += int(self._declined_claims[code])
        self.last_accuracy = self.measure_accuracy()
        self.record(self.chain.now, self.last_accuracy)

    def finished(self) -> bool:
        if self.outstanding.num_active:
            return False
        if self.outstanding.count >= self.pool_size:
            self.end_reason = "all data submitted and nothing left to claim"
            return True
        if not any(self.chain.balance_of(a.name) >= 1 for a in self.contributors):
            self.end_reason = "no agent can act: no money left and nothing to claim"
            return True
        if self.chain.now - self.last_add_time > STALL_LIMIT_S:
            self.end_reason = f"stalled: no data could be added for {STALL_LIMIT_S // 86_400} days"
            return True
        return False

    def schedule_first_turns(self) -> None:
        for agent in self.agents:
            self._schedule_turn(agent, agent.first_turn_s(), self._turn_of(agent))

    def _schedule_turn(self, agent: Agent, time: int, turn) -> None:
        self.next_turn_at[agent.index] = time
        self.events.schedule(time, turn)

    def _turn_of(self, agent: Agent):
        def turn(now: int) -> None:
            if agent.kind == "timing":
                at = self.timed_add_at(agent, now)
                if at > now:
                    self.events.schedule(at, act)
                    return
            act(now)

        def act(now: int) -> None:
            self.counts["turns"] += 1
            if not agent.adds_data:
                if self.call(agent, now):
                    self._schedule_turn(agent, now + agent.wait_s(), turn)
                return
            added = False
            if self.paid_calls:
                self.withdraw(agent)
            if self.outstanding.count < self.pool_size and self.chain.balance_of(agent.name) >= 1:
                added = self.submit(agent, now)
            self.claim(agent, now)
            self.track_malicious(now)
            if added and self.chain.balance_of(agent.name) == 0:
                return      # as in the study's simulation: an agent broke by its add stops taking turns
            self._schedule_turn(agent, now + agent.wait_s(), turn)
        return turn

    def timed_add_at(self, agent: Agent, now: int) -> int:
        """A timing agent's add: `lead_s` before the next scheduled honest turn, or now if none is later."""
        upcoming = [self.next_turn_at[a.index] for a in self.honest_agents if self.next_turn_at[a.index] > now]
        return max(now, min(upcoming) - agent.config.lead_s) if upcoming else now

    def _measurement(self, now: int) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(now, self.last_accuracy)
        self.events.schedule(now + self.config.accuracy_interval_s, self._measurement)

    def _sample(self, now: int) -> None:
        self.record(now, float("nan"))
        self.events.schedule(now + SAMPLE_INTERVAL_S, self._sample)

    # -- adding data ---------------------------------------------------------------------
    def submit(self, agent: Agent, now: int) -> bool:
        """The agent's add of the next sample, if it wants to and a free read says it can pay; whether it added."""
        k = self.outstanding.count
        x = self.pool_row(k)
        label = agent.label_for(int(self.pool_y[k]), now, lambda: self.confidence(x))
        if not agent.wants_to_contribute(self.last_accuracy):
            self.declined[DECLINED_NOT_CONTRIBUTING] += 1
            return False
        value = agent.deposit(self.chain.balance_of(agent.name))
        if now <= self.last_add_time:
            self.declined[DECLINED_SAME_SECOND] += 1
            return False
        try:
            cost = self.trainer.cost_to_add(x, label)
        except Rejected as refusal:
            self.declined[refusal.reason] += 1
            return False
        if value < cost:
            self.declined[DECLINED_UNDERPAID] += 1
            return False
        try:
            receipt = self.trainer.add_data(agent.name, x, label, value)
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1
            return False
        self.outstanding.add(receipt.contribution_id, receipt.added_time, agent.index, label)
        self.model_version += receipt.model_updated
        self.counts["adds"] += 1
        self.spent_on_adds[agent.index] += receipt.cost
        self.adds_by[agent.index] += 1
        self.last_add_time = now
        self._bar.update(1)
        return True

    def confidence(self, x) -> int:
        """How sure the contract's model is of its prediction for x: its margin for that class (read
        from the trainer's public model, as `predict_many` is)."""
        model = self.trainer.model
        return int(model.margin(x, model.predict(x)))

    # -- paying for predictions ----------------------------------------------------------
    def call(self, agent: Agent, now: int) -> bool:
        """A caller's paid prediction of the next pool sample in turn; whether it can pay for more (a
        caller whose balance is below its fee stops)."""
        value = to_units(agent.config.fee)
        if self.chain.balance_of(agent.name) < value:
            return False
        if not self.anyone_verified:
            # a free read per contributor until one is verified: the contract refuses to share a payment before
            self.anyone_verified = any(self.trainer.verified(a.name) > 0 for a in self.contributors)
            if not self.anyone_verified:
                self.declined[DECLINED_NO_SHARERS] += 1
                return True
        x = self.pool_row(self.paid_calls % self.pool_size)
        before = [self.trainer.withdrawable(a.name) for a in self.contributors]
        try:
            self.trainer.predict(x, sender=agent.name, value=value)
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1
            return True
        self.paid_calls += 1
        for contributor, owed in zip(self.contributors, before):
            earned = self.trainer.withdrawable(contributor.name) - owed
            self.fees_earned[contributor.index] += earned
            self.fees_paid[agent.index] += earned
        return True

    def withdraw(self, agent: Agent) -> None:
        """A contributor pulls its earnings from paid predictions when a free read shows some owed."""
        if self.trainer.withdrawable(agent.name) > 0:
            try:
                self.trainer.withdraw(agent.name)
            except Rejected as refusal:
                self.rejections[refusal.reason] += 1

    # -- claiming deposits ---------------------------------------------------------------
    def claim(self, agent: Agent, now: int) -> None:
        """Ask the contract what each pending claim would do (one free read), send those it accepts."""
        out = self.outstanding
        rows = out.active()
        if not len(rows):
            return
        out.refresh_predictions(self.model_version, self.predict_row, self.trainer.predict_many)
        preview = self.trainer.claim_preview(agent.name, out.contribution_id[rows], out.prediction[rows])
        if preview.settled.any():
            out.settle(rows[preview.settled])
        self._declined_claims += np.bincount(preview.reason, minlength=len(REASONS))
        hits = preview.action.nonzero()[0]
        if len(hits):
            for k, action in zip(rows[hits].tolist(), preview.action[hits].tolist()):
                self._send_claim(agent, k, action)

    def _send_claim(self, agent: Agent, k: int, action: int) -> None:
        out = self.outstanding
        x = self.pool_row(k)
        label, added = int(out.label[k]), int(out.added_time[k])
        try:
            if action == REFUND:
                self.trainer.refund(agent.name, x, label, added)
                self.counts["refunds"] += 1
            else:
                self.trainer.report(agent.name, x, label, added, self.agents[out.author[k]].name)
                self.counts["reports"] += 1
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1

    def pool_row(self, k: int) -> np.ndarray:
        """Sample k of the pool as the contract takes it."""
        start, end = self.pool_indptr[k], self.pool_indptr[k + 1]
        x = self.pool_indices[start:end]
        return self.sample_of(x, self.pool_values[start:end]) if self.dense_input else x

    # -- observations --------------------------------------------------------------------
    def measure_accuracy(self) -> float:
        if len(self.y_test) == 0:
            return float("nan")
        return float(np.mean(self.trainer.predict_many(self.X_test) == self.y_test))

    def record(self, now: int, accuracy: float) -> None:
        row = {"time_s": now, "day": now / 86_400, "accuracy": accuracy}
        for table, members in self.tables.items():
            row[f"balance.{table}"] = to_coins(self.balance_of(members))
            row[f"balance_pct.{table}"] = self.percent_of_start(members)
        if self.rows and self.rows[-1]["time_s"] == now:
            # One row per recorded time: an hourly sample and a measurement at the same second merge.
            if math.isnan(accuracy):
                row["accuracy"] = self.rows[-1]["accuracy"]
            self.rows[-1] = row
        else:
            self.rows.append(row)

    def balance_of(self, agents: list[Agent]) -> int:
        return sum(self.chain.balance_of(a.name) for a in agents)

    def percent_of_start(self, agents: list[Agent]) -> float:
        """The agents' balance together as a percent of their start balances together."""
        return percent(self.balance_of(agents), sum(to_units(a.config.start_balance) for a in agents))

    def track_malicious(self, now: int) -> None:
        """The malicious agents together: their lowest percent so far, and when it first fell to
        `depleted_pct` (with one malicious agent, as the study: that agent's balance)."""
        if not self.malicious:
            return
        together = self.percent_of_start(self.malicious)
        self.min_malicious_pct = min(self.min_malicious_pct, together)
        if self.depleted_time is None and together <= self.config.depleted_pct:
            self.depleted_time = now


def percent(balance: int, start: int) -> float:
    """Percent of the start balance; NaN (undefined, written null in JSON) when an agent started with
    nothing but holds something, e.g. deposits it took."""
    return 100.0 * balance / start if start > 0 else (100.0 if balance == 0 else float("nan"))
