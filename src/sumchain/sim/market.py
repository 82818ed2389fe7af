"""The prediction market scenario: a bounty provider, honest and malicious contributors, one market.

How the simulator drives SUM's prediction market (`incentive = "prediction_market"`), talking to the
contract only through its public functions and free reads:

1. At time 0 the bounty provider (`PROVIDER`, funded with `prediction_market.provider_balance`
   coins) cuts the dataset's test set into `num_portions` contiguous portions, commits their hashes
   with the bounty (`initialize_market`) and at once reveals the portion the contract picked.
2. The agents of `agents.*` take turns exactly as in the stakeable simulation (its code: the study's
   waits, deposits, label flips, mistakes and the honest agent's chance of contributing): on a turn
   an agent with money adds the next unsubmitted training sample, offering its drawn deposit; the
   market takes its stake (`min_stake`) and leaves the rest. There are no claims during the market.
3. When the market has lasted `min_length_s` the provider ends it (`end_market`); if it holds too
   few contributions the contract refuses, and the provider tries again every simulated hour (a run
   in which no data is added for 60 days, or whose data runs out first, ends as stalled, with the
   stakes locked in the market). Agents stop adding.
4. The provider reveals the other portions (`verify_next_test_set`), then calls
   `process_contributions` in batches of `PROCESS_BATCH` until the rewards are computed, all in the
   same second (the reward phase costs computation, not time).
5. Every agent, then the provider, withdraws. Accuracy is measured on the whole test set (as in the
   stakeable runs) at the start, every `accuracy_interval_s` and at the end.

Metrics are the stakeable run's (`sim.metrics`) with the provider among the balances, plus
`market`: the phase reached, reward rounds, dropped units, the number of revealed test samples and
what each participant withdrew (coins).
"""

from __future__ import annotations

from sumchain.config import MAX_SIMULATED_S, Config
from sumchain.contract.incentives.prediction_market import portion_hash, split_portions
from sumchain.data import Dataset
from sumchain.errors import ConfigError, Rejected
from sumchain.ledger.money import to_coins, to_units
from sumchain.sim.agents import Agent
from sumchain.sim.loop import SAMPLE_INTERVAL_S, STALL_LIMIT_S, TIME_LIMIT_REASON, Simulation, percent

PROVIDER = "BountyProvider"
PROCESS_BATCH = 500
"""Contributions replayed per `process_contributions` call."""


class MarketSimulation(Simulation):
    """The stakeable simulation's agents, turns, adds and observations (inherited), without claims,
    with the provider's calls and the market's phases around them."""

    def __init__(self, config: Config, dataset: Dataset, market, first_pool_row: int, progress: bool = False):
        if any(agent.name == PROVIDER for agent in config.agents):
            raise ConfigError(f"config key 'agents.{PROVIDER}' is not allowed with incentive=prediction_market: "
                              f"that name is the bounty provider's")
        params = config.prediction_market
        if dataset.X_test.shape[0] < params.num_portions:
            raise ConfigError(f"config key 'prediction_market.num_portions' = {params.num_portions} is not allowed; "
                              f"the test set has only {dataset.X_test.shape[0]} samples")
        pool = dataset.X_train.shape[0] - first_pool_row
        if params.min_num_contributions > pool:
            # the market could never end: the bounty and every stake would stay locked
            raise ConfigError(f"config key 'prediction_market.min_num_contributions' = {params.min_num_contributions} "
                              f"is not allowed; the market can end only with that many contributions and the data "
                              f"holds {pool} samples to contribute (after {first_pool_row} for the initial model)")
        super().__init__(config, dataset, market, first_pool_row, progress=progress)
        self.params = params
        self.counts["withdrawals"] = 0
        self.withdrawn: dict[str, float] = {}
        self.open = False

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(0, self.last_accuracy)
        portions = split_portions(self.X_test, self.y_test, self.params.num_portions)
        index = self.trainer.initialize_market(PROVIDER, [portion_hash(X, y) for X, y in portions],
                                               to_units(self.params.bounty))
        self.trainer.reveal_init_test_set(PROVIDER, *portions[index])
        self.open = True
        self.schedule_first_turns()
        self.events.schedule(self.config.first_accuracy_s, self._measurement)
        self.events.schedule(SAMPLE_INTERVAL_S, self._sample)
        self.events.schedule(self.params.min_length_s, self._try_to_end)
        while self.events and self.open:
            if self.events.next_time() > MAX_SIMULATED_S:
                self.end_reason = TIME_LIMIT_REASON
                break
            time, action = self.events.pop()
            self.chain.advance_to(time)
            action(time)
        self._bar.close()
        if self.trainer.phase == "reveal_test_set":
            self._reveal_and_reward(portions, index)
        self._finish()

    def claim(self, agent: Agent, now: int) -> None:
        """No claims during a market: rewards come after it, in the reward phase."""

    def _try_to_end(self, now: int) -> None:
        try:
            self.trainer.end_market(PROVIDER)
        except Rejected as refusal:
            self.rejections[refusal.reason] += 1
            if now - self.last_add_time > STALL_LIMIT_S or self.outstanding.count >= self.pool_size:
                self.end_reason = "stalled: the market never had enough contributions to end"
                self.open = False
                return
            self.events.schedule(now + SAMPLE_INTERVAL_S, self._try_to_end)
            return
        self.open = False
        self.end_reason = "market ended, test set revealed, rewards computed and withdrawn"

    def _reveal_and_reward(self, portions, index: int) -> None:
        for k, (X, y) in enumerate(portions):
            if k != index:
                self.trainer.verify_next_test_set(PROVIDER, X, y)
        while self.trainer.phase == "reward":
            self.trainer.process_contributions(PROVIDER, PROCESS_BATCH)

    def _finish(self) -> None:
        self.last_accuracy = self.measure_accuracy()
        self.record(self.chain.now, self.last_accuracy)
        if self.trainer.phase == "withdraw":
            for agent, name in [(a.table, a.name) for a in self.agents] + [(PROVIDER, PROVIDER)]:
                try:
                    amount = to_coins(self.trainer.withdraw(name))
                    self.withdrawn[agent] = self.withdrawn.get(agent, 0.0) + amount
                    self.counts["withdrawals"] += 1
                except Rejected as refusal:
                    self.declined[refusal.reason] += 1
        self.track_malicious(self.chain.now)
        self.record(self.chain.now, self.last_accuracy)

    # -- observations ----------------------------------------------------------------------------
    def record(self, now: int, accuracy: float) -> None:
        """The agents' row (inherited), with the provider's balance."""
        super().record(now, accuracy)
        balance = self.chain.balance_of(PROVIDER)
        self.rows[-1][f"balance.{PROVIDER}"] = to_coins(balance)
        self.rows[-1][f"balance_pct.{PROVIDER}"] = percent(balance, to_units(self.params.provider_balance))

    def market_metrics(self) -> dict:
        view = self.trainer.market_view()
        return {"phase": view.phase, "rounds": view.rounds, "dropped": view.dropped,
                "contributions": view.contributions, "test_samples": view.test_samples,
                "bounty": self.params.bounty, "withdrawn": dict(self.withdrawn)}

    def add_market_metrics(self, metrics: dict) -> dict:
        """The stakeable run's metrics with the provider among the balances, plus `market`."""
        balance = self.chain.balance_of(PROVIDER)
        metrics["balances"][PROVIDER] = to_coins(balance)
        metrics["balance_pct"][PROVIDER] = percent(balance, to_units(self.params.provider_balance))
        metrics["market"] = self.market_metrics()
        return metrics
