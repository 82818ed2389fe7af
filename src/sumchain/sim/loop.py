"""The event loop: agents take turns on a deployed contract; the loop schedules, measures, records.

Faithful to the SUM simulation the study used: each agent takes its turn itself (`sim.agents`: what
it submits, what it claims, whether it pays for predictions, when it acts next) through the
trainer's public functions and free reads; the loop keeps the clock, runs the turns in order,
measures the model's accuracy and records the balances, and what each turn reports (`World`: the
calls made, declined and refused by their reasons). Which claim would succeed is never decided here
or by an agent: the contract's batched free read (`Trainer.claim_preview`) says, per pending
contribution, what call would be accepted and otherwise its reason, asked again only about the
contributions whose answer may have changed (`sim.claims`); only accepted calls are sent, the others
are counted as declined by that reason on every turn.

What happens around the turns is the run's `Scenario`: by default a contract open for contributions
and claims until the data and the claims run out, nobody can act or nothing is added for
`STALL_LIMIT_S`; the prediction market (`sim.market`) opens and ends a market around them.

Populations (`sim.agents` for the kinds): a table of `count` agents acts as that many agents; the
result columns per table (`balance.<table>`, `balance_pct.<table>`, `cost_per_add.<table>`) add up
its agents (total balance over total start, total paid over total adds). The contract credits each
verified contribution `fee // total verified` of a paid prediction and returns the rest to the
caller; what each contributor earned is the change of its `Trainer.withdrawable` across the call,
and the caller paid their sum. Balances are what agents hold: earnings not yet withdrawn (e.g. of an
agent that stopped taking turns) stay in the contract. Only contributors (every kind but caller)
keep a run going: it ends when none can act.
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
from sumchain.engines.protocols import ChainHandle, TrainerHandle
from sumchain.ledger.money import to_coins, to_units
from sumchain.sim.agents import Agent, make_agents
from sumchain.sim.claims import ClaimView
from sumchain.sim.events import EventQueue
from sumchain.sim.outstanding import Outstanding


STALL_LIMIT_S = 60 * 86_400
"""With nothing outstanding, a run in which no data is added for this long ends as stalled."""

TIME_LIMIT_REASON = (f"reached the simulated-time limit of {MAX_SIMULATED_S // (365 * 86_400)} years; "
                     f"shorten the agents' waits or give fewer samples (max_train)")


class Scenario:
    """What a run does around the agents' turns (the hooks `Simulation.run` calls, in its order).

    This one: a contract open for contributions and claims from the start until the run is finished
    (`Simulation.finished`). Another scenario (the prediction market) overrides the hooks it needs."""

    claims_open = True
    """Whether the contract takes refunds and reports during the turns."""
    not_replayable: str | None = None
    """Why `sumchain verify` could not replay the run's ledger (None: it can)."""

    def __init__(self, config: Config, dataset: Dataset, first_pool_row: int):
        """Refuse (`ConfigError`) a config this scenario cannot run on this data."""

    def fund(self, chain: ChainHandle) -> None:
        """Fund the participants other than the agents (the agents are funded before)."""

    def begin(self, sim: "Simulation") -> None:
        """At time 0, after the first measurement and the first turns are scheduled."""

    def running(self, sim: "Simulation") -> bool:
        """Whether the run goes on (the next event runs); when not, `sim.end_reason` says why."""
        return not sim.finished()

    def end(self, sim: "Simulation") -> None:
        """After the last turn, before the final measurement."""

    def settle(self, sim: "Simulation") -> None:
        """After the final measurement and its row."""

    def record(self, sim: "Simulation", row: dict) -> None:
        """Add the scenario's own columns to a time-series row."""

    def metrics(self, sim: "Simulation", metrics: dict) -> dict:
        """The run's metrics with the scenario's own."""
        return metrics


class Simulation:
    """The run: the agents, the clock and the records; also the `World` the agents read and report to."""

    def __init__(self, config: Config, dataset: Dataset, trainer: TrainerHandle, first_pool_row: int,
                 progress: bool = False, scenario: Scenario | None = None):
        self.config = config
        self.scenario = scenario if scenario is not None else Scenario(config, dataset, first_pool_row)
        self.claims_open = self.scenario.claims_open
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
        self.contributor_names = [a.name for a in self.contributors]
        self.next_turn_at = [0] * len(self.agents)             # when each agent's next turn is scheduled
        self.fees_paid = [0] * len(self.agents)                # base units, callers' paid predictions
        self.fees_earned = [0] * len(self.agents)              # base units, contributors' shares of them
        self.paid_calls = 0
        # A sample goes to the contract in the model's input form (sparse indices, or dense values).
        model = trainer.model
        self.dense_input = model.input_kind == "dense"
        self.sample_of = model.sample
        # from the trainer's local copy of the model, as `predict_many` (on a chain engine, no call per row)
        self.predict_row = lambda k: trainer.model.predict(self.pool_row(k))
        self.balance_of_address = self.chain.balance_of
        self.outstanding = Outstanding(pool_X)
        self.claims = ClaimView(self.outstanding, trainer, self.contributor_names, dataset.num_classes)
        self.events = EventQueue()
        self.model_version = 0
        self.last_accuracy = float("nan")
        self.last_add_time = 0
        self.counts = {"turns": 0, "adds": 0, "refunds": 0, "reports": 0}
        self.spent_on_adds = [0] * len(self.agents)            # base units paid in add costs, per agent
        self.adds_by = [0] * len(self.agents)
        self.rejections: Counter[str] = Counter()
        self.declined: Counter[str] = Counter()
        self.rows: list[dict] = []
        self.malicious = [a for a in self.agents if a.malicious]
        self.start_units = [to_units(a.config.start_balance) for a in self.agents]   # read on every turn
        self.depleted_time: int | None = None
        self.min_malicious_pct = 100.0 if self.malicious else None
        self.end_reason = ""
        self._bar = tqdm(total=self.pool_size, desc="submitting data", unit="sample", disable=not progress,
                         leave=False, mininterval=0.5)

    # -- the run -------------------------------------------------------------------------
    def run(self) -> None:
        scenario = self.scenario
        self.last_accuracy = self.measure_accuracy()
        self.record(0, self.last_accuracy)
        self.schedule_first_turns()
        self.events.schedule(self.config.first_accuracy_s, self._measurement)
        self.events.schedule(SAMPLE_INTERVAL_S, self._sample)
        scenario.begin(self)
        while self.events and scenario.running(self):
            if self.events.next_time() > MAX_SIMULATED_S:
                self.end_reason = TIME_LIMIT_REASON
                break
            time, action = self.events.pop()
            self.chain.advance_to(time)
            action(time)
        self._bar.close()
        declined_claims = self.claims.declined                 # by reason code, merged at the end
        for code in np.flatnonzero(declined_claims[1:]) + 1:
            self.declined[REASONS[code]] += int(declined_claims[code])
        scenario.end(self)
        self.last_accuracy = self.measure_accuracy()
        self.record(self.chain.now, self.last_accuracy)
        scenario.settle(self)

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
            at = agent.turn_at(now, self)
            if at > now:
                self.events.schedule(at, act)
                return
            act(now)

        def act(now: int) -> None:
            self.counts["turns"] += 1
            goes_on = agent.act(now, self)
            if agent.adds_data:
                self.track_malicious(now)
            if goes_on:
                self._schedule_turn(agent, agent.next_turn(now), turn)
        return turn

    def _measurement(self, now: int) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(now, self.last_accuracy)
        self.events.schedule(now + self.config.accuracy_interval_s, self._measurement)

    def _sample(self, now: int) -> None:
        self.record(now, float("nan"))
        self.events.schedule(now + SAMPLE_INTERVAL_S, self._sample)

    # -- the world the agents read and report to (`sim.agents.World`) ---------------------------
    def balance(self, agent: Agent) -> int:
        return self.balance_of_address(agent.name)

    def true_label(self, k: int) -> int:
        return int(self.pool_y[k])

    def decline(self, reason: str) -> None:
        self.declined[reason] += 1

    def reject(self, reason: str) -> None:
        self.rejections[reason] += 1

    def added(self, agent: Agent, k: int, label: int, receipt, now: int) -> None:
        self.outstanding.add(receipt.contribution_id, receipt.added_time, agent.index, label)
        self.model_version += receipt.model_updated
        self.counts["adds"] += 1
        self.spent_on_adds[agent.index] += receipt.cost
        self.adds_by[agent.index] += 1
        self.last_add_time = now
        self._bar.update(1)

    def added_copy(self, agent: Agent, receipt, now: int) -> None:
        """An add of a sample already submitted (the model pusher's copies): paid and counted as an add,
        not a pool submission."""
        self.model_version += receipt.model_updated
        self.counts["adds"] += 1
        self.spent_on_adds[agent.index] += receipt.cost
        self.adds_by[agent.index] += 1
        self.last_add_time = now

    def claimed(self, action: int) -> None:
        self.counts["refunds" if action == REFUND else "reports"] += 1

    def fee_marks(self) -> list[int]:
        """What each contributor is owed before a paid prediction (what it earned is the change)."""
        withdrawable = self.trainer.withdrawable
        return [withdrawable(name) for name in self.contributor_names]

    def paid_prediction(self, caller: Agent, marks: list[int]) -> None:
        self.paid_calls += 1
        withdrawable = self.trainer.withdrawable
        for contributor, owed in zip(self.contributors, marks):
            earned = withdrawable(contributor.name) - owed
            self.fees_earned[contributor.index] += earned
            self.fees_paid[caller.index] += earned

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
        self.scenario.record(self, row)
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
        return percent(self.balance_of(agents), sum(self.start_units[a.index] for a in agents))

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
