"""The event loop: agents take turns adding data and claiming deposits on a deployed contract.

Faithful to the SUM simulation the study used: on its turn an agent with money submits the next
unsubmitted sample (label flipped if malicious, or by a rare mistake), then walks the outstanding
contributions oldest first, asking refunds for its own and reporting others' (or taking what is
left after the any-address wait). Which claim would succeed is never decided here: one batched
free read (`Trainer.claim_preview`) says, per pending contribution, what call would be accepted
and otherwise the contract's reason; only accepted calls are sent, the others are counted as
declined by that reason. An agent whose balance is 0 after its add takes no further turns, as in
the study's simulation. The simulator talks to the contract only through the trainer's public
functions and free reads.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from sumchain.config import Config
from sumchain.contract.reasons import REASONS, REFUND
from sumchain.data import Dataset
from sumchain.engines.protocols import TrainerHandle
from sumchain.errors import Rejected
from sumchain.ledger.money import to_coins, to_units
from sumchain.sim.agents import Agent, make_agents
from sumchain.sim.events import EventQueue
from sumchain.sim.outstanding import Outstanding

SAMPLE_INTERVAL_S = 3_600
"""Balances are recorded every simulated hour (and at every accuracy measurement)."""

STALL_LIMIT_S = 60 * 86_400
"""With nothing outstanding, a run in which no data is added for this long ends as stalled."""

DECLINED_NOT_CONTRIBUTING = "chose not to contribute (unsure of the label)"
DECLINED_UNDERPAID = "deposit below the cost of adding data"


class Simulation:
    def __init__(self, config: Config, dataset: Dataset, trainer: TrainerHandle, first_pool_row: int,
                 progress: bool = False):
        self.config = config
        self.trainer = trainer
        self.chain = trainer.chain
        self.X_test, self.y_test = dataset.X_test, np.asarray(dataset.y_test)
        pool_X = dataset.X_train[first_pool_row:]
        self.pool_indptr, self.pool_indices = pool_X.indptr, pool_X.indices
        self.pool_y = np.asarray(dataset.y_train[first_pool_row:])
        self.pool_size = pool_X.shape[0]
        self.agents = make_agents(config.agents, config.seed, round_waits=config.wait_rounding == "round",
                                  num_classes=dataset.num_classes)
        # A sample goes to the contract in the model's input form (sparse indices, or dense values).
        model = trainer.model
        self.dense_input = model.input_kind == "dense"
        self.sample_of = model.sample
        self.predict_row = (lambda row: trainer.predict(self.sample_of(row))) if self.dense_input else trainer.predict
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
        self.malicious = [a for a in self.agents if not a.honest]
        self.depleted_time: int | None = None
        self.min_malicious_pct = 100.0 if self.malicious else None
        self.end_reason = ""
        self._bar = tqdm(total=self.pool_size, desc="submitting data", unit="sample", disable=not progress,
                         leave=False, mininterval=0.5)

    # -- the run -------------------------------------------------------------------------
    def run(self) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(0, self.last_accuracy)
        for agent in self.agents:
            self.events.schedule(agent.first_turn_s(), self._turn_of(agent))
        self.events.schedule(self.config.first_accuracy_s, self._measurement)
        self.events.schedule(SAMPLE_INTERVAL_S, self._sample)
        while self.events and not self.finished():
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
        if not any(self.chain.balance_of(a.name) >= 1 for a in self.agents):
            self.end_reason = "no agent can act: no money left and nothing to claim"
            return True
        if self.chain.now - self.last_add_time > STALL_LIMIT_S:
            self.end_reason = f"stalled: no data could be added for {STALL_LIMIT_S // 86_400} days"
            return True
        return False

    def _turn_of(self, agent: Agent):
        def turn(now: int) -> None:
            self.counts["turns"] += 1
            added = False
            if self.outstanding.count < self.pool_size and self.chain.balance_of(agent.name) >= 1:
                added = self.submit(agent, now)
            self.claim(agent, now)
            self.track_malicious(now)
            if added and self.chain.balance_of(agent.name) == 0:
                return      # as in the study's simulation: an agent broke by its add stops taking turns
            self.events.schedule(now + agent.wait_s(), turn)
        return turn

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
        label = agent.label_for(int(self.pool_y[k]))
        if not agent.wants_to_contribute(self.last_accuracy):
            self.declined[DECLINED_NOT_CONTRIBUTING] += 1
            return False
        value = agent.deposit(self.chain.balance_of(agent.name))
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
        for i in np.flatnonzero(preview.action):
            self._send_claim(agent, int(rows[i]), int(preview.action[i]))

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
        x = self.pool_indices[self.pool_indptr[k]:self.pool_indptr[k + 1]]
        return self.sample_of(x) if self.dense_input else x

    # -- observations --------------------------------------------------------------------
    def measure_accuracy(self) -> float:
        if len(self.y_test) == 0:
            return float("nan")
        return float(np.mean(self.trainer.predict_many(self.X_test) == self.y_test))

    def record(self, now: int, accuracy: float) -> None:
        row = {"time_s": now, "day": now / 86_400, "accuracy": accuracy}
        for agent in self.agents:
            balance = self.chain.balance_of(agent.name)
            row[f"balance.{agent.name}"] = to_coins(balance)
            row[f"balance_pct.{agent.name}"] = self.percent_of_start(agent)
        if self.rows and self.rows[-1]["time_s"] == now:
            # One row per recorded time: an hourly sample and a measurement at the same second merge.
            if math.isnan(accuracy):
                row["accuracy"] = self.rows[-1]["accuracy"]
            self.rows[-1] = row
        else:
            self.rows.append(row)

    def percent_of_start(self, agent: Agent) -> float:
        return percent(self.chain.balance_of(agent.name), to_units(agent.config.start_balance))

    def track_malicious(self, now: int) -> None:
        if not self.malicious:
            return
        worst = max(self.percent_of_start(a) for a in self.malicious)
        self.min_malicious_pct = min(self.min_malicious_pct, worst)
        if self.depleted_time is None and worst <= self.config.depleted_pct:
            self.depleted_time = now


def percent(balance: int, start: int) -> float:
    """Percent of the start balance; NaN (undefined, written null in JSON) when an agent started with
    nothing but holds something, e.g. deposits it took."""
    return 100.0 * balance / start if start > 0 else (100.0 if balance == 0 else float("nan"))
