"""The event loop: agents take turns adding data and claiming deposits on a deployed contract.

Faithful to the SUM simulation the study used: on its turn an agent with money submits the next
unsubmitted sample (label flipped if malicious, or by a rare mistake), then walks the outstanding
contributions oldest first, taking expired deposits, asking refunds for its own and reporting
others'. It only sends calls a free read says would succeed; the others are counted as declined,
by the reason the contract would have given. The simulator talks to the contract only through the
trainer's public functions and free reads.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from sumchain.config import Config
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
DECLINED_DISAGREES = "the model doesn't agree with your contribution"
DECLINED_AGREES = "the model agrees with the contribution"
DECLINED_ALREADY_CLAIMED = "the deposit was already claimed by this reporter"
DECLINED_NO_VERIFIED = "the reporter has no verified contributions"


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
        self.agents = make_agents(config.agents, config.seed)
        self.outstanding = Outstanding(pool_X, len(self.agents))
        self.events = EventQueue()
        self.model_version = 0
        self.last_accuracy = float("nan")
        self.last_add_time = 0
        self.counts = {"turns": 0, "adds": 0, "refunds": 0, "reports": 0}
        self.rejections: Counter[str] = Counter()
        self.declined: Counter[str] = Counter()
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
            self.events.schedule(agent.wait_s(), self._turn_of(agent))
        self.events.schedule(self.config.first_accuracy_s, self._measurement)
        self.events.schedule(SAMPLE_INTERVAL_S, self._sample)
        while self.events and not self.finished():
            time, action = self.events.pop()
            self.chain.advance_to(time)
            action(time)
        self._bar.close()
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
            if self.outstanding.count < self.pool_size and self.chain.balance_of(agent.name) >= 1:
                self.submit(agent, now)
            self.claim(agent, now)
            self.track_malicious(now)
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
    def submit(self, agent: Agent, now: int) -> None:
        k = self.outstanding.count
        x = self.pool_indices[self.pool_indptr[k]:self.pool_indptr[k + 1]]
        label = agent.label_for(int(self.pool_y[k]))
        if not agent.wants_to_contribute(self.last_accuracy):
            self.declined[DECLINED_NOT_CONTRIBUTING] += 1
            return
        value = agent.deposit(self.chain.balance_of(agent.name))
        try:
            cost = self.trainer.cost_to_add()
        except Rejected as refusal:
            self.declined[refusal.reason] += 1
            return
        if value < cost:
            self.declined[DECLINED_UNDERPAID] += 1
            return
        try:
            receipt = self.trainer.add_data(agent.name, x, label, value)
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1
            return
        self.outstanding.add(receipt.added_time, agent.index, label)
        self.model_version += receipt.model_updated
        self.counts["adds"] += 1
        self.last_add_time = now
        self._bar.update(1)

    # -- claiming deposits ---------------------------------------------------------------
    def claim(self, agent: Agent, now: int) -> None:
        out = self.outstanding
        if not out.num_active:
            return
        c = self.config
        if out.count < self.pool_size:
            rows, num_expired = out.split(now, c.refund_wait_s, c.any_address_claim_wait_s)
        else:   # all data is in: only expired deposits are taken
            rows = out.expired_rows(now, c.any_address_claim_wait_s)
            num_expired = len(rows)
        if not len(rows):
            return
        for k, expired in self._candidates(agent, rows, num_expired):
            if self._claim_one(agent, k, expired):
                out.settle(k)

    def _candidates(self, agent: Agent, rows: np.ndarray, num_expired: int) -> list[tuple[int, bool]]:
        """Which of `rows` this agent would claim now, oldest first; count the rest as declined."""
        out = self.outstanding
        live = rows[num_expired:]
        chosen = [(int(k), True) for k in rows[:num_expired]]
        if not len(live):
            return chosen
        own = out.author[live] == agent.index
        claimed = out.claimed[live, agent.index]
        out.refresh_predictions(live[own | ~claimed], self.model_version,
                                self.trainer.predict, self.trainer.predict_many)
        agrees = out.prediction[live] == out.label[live]
        refund = own & agrees
        report = ~own & ~claimed & ~agrees
        self.declined[DECLINED_DISAGREES] += int(np.count_nonzero(own & ~agrees))
        self.declined[DECLINED_ALREADY_CLAIMED] += int(np.count_nonzero(~own & claimed))
        self.declined[DECLINED_AGREES] += int(np.count_nonzero(~own & ~claimed & agrees))
        return chosen + [(int(k), False) for k in live[refund | report]]

    def _claim_one(self, agent: Agent, k: int, expired: bool) -> bool:
        """Send one claim; return whether the contribution is now settled."""
        out = self.outstanding
        x = self.pool_indices[self.pool_indptr[k]:self.pool_indptr[k + 1]]
        label, added, author = int(out.label[k]), int(out.added_time[k]), self.agents[out.author[k]].name
        own = author == agent.name
        if not expired and not own and self.trainer.verified(agent.name) <= 0:
            self.declined[DECLINED_NO_VERIFIED] += 1
            return False
        try:
            if own and not expired:
                self.trainer.refund(agent.name, x, label, added)
                self.counts["refunds"] += 1
            else:
                self.trainer.report(agent.name, x, label, added, author)
                self.counts["reports"] += 1
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1
            return False
        out.claimed[k, agent.index] = True
        # A refund pays everything claimable and an expired deposit is taken whole (the rules'
        # table in contract/incentives/stakeable.py); only an early report may leave a remainder.
        if own or expired:
            return True
        return self.trainer.contribution(x, label, added, author).settled

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
    return 100.0 * balance / start if start > 0 else (100.0 if balance == 0 else float("inf"))
