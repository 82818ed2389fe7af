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

from sumchain.config import SAMPLE_INTERVAL_S, Config
from sumchain.contract.incentives.prediction_market import portion_hash, split_portions
from sumchain.data import Dataset
from sumchain.engines.protocols import ChainHandle
from sumchain.errors import ConfigError, Rejected
from sumchain.ledger.money import to_coins, to_units
from sumchain.sim.loop import STALL_LIMIT_S, Scenario, Simulation, percent

PROVIDER = "BountyProvider"
PROCESS_BATCH = 500
"""Contributions replayed per `process_contributions` call."""


class MarketScenario(Scenario):
    """The stakeable run's agents, turns, adds and observations (the shared loop), without claims,
    with the provider's calls and the market's phases around them."""

    claims_open = False
    not_replayable = ("its ledger records test-set portions by hash, so sumchain verify cannot replay it")

    def __init__(self, config: Config, dataset: Dataset, first_pool_row: int):
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
        self.params = params
        self.withdrawn: dict[str, float] = {}
        self.open = False
        self.portions: list = []
        self.revealed = -1

    def fund(self, chain: ChainHandle) -> None:
        chain.fund(PROVIDER, to_units(self.params.provider_balance))

    # -- the run -------------------------------------------------------------------------------
    def begin(self, sim: Simulation) -> None:
        """The provider commits the test set's portions with the bounty and reveals the one picked."""
        sim.counts["withdrawals"] = 0
        self.portions = split_portions(sim.X_test, sim.y_test, self.params.num_portions)
        self.revealed = sim.trainer.initialize_market(PROVIDER, [portion_hash(X, y) for X, y in self.portions],
                                                      to_units(self.params.bounty))
        sim.trainer.reveal_init_test_set(PROVIDER, *self.portions[self.revealed])
        self.open = True
        sim.events.schedule(self.params.min_length_s, lambda now: self._try_to_end(sim, now))

    def running(self, sim: Simulation) -> bool:
        return self.open

    def _try_to_end(self, sim: Simulation, now: int) -> None:
        try:
            sim.trainer.end_market(PROVIDER)
        except Rejected as refusal:
            sim.reject(refusal.reason)
            if now - sim.last_add_time > STALL_LIMIT_S or sim.outstanding.count >= sim.pool_size:
                sim.end_reason = "stalled: the market never had enough contributions to end"
                self.open = False
                return
            sim.events.schedule(now + SAMPLE_INTERVAL_S, lambda later: self._try_to_end(sim, later))
            return
        self.open = False
        sim.end_reason = "market ended, test set revealed, rewards computed and withdrawn"

    def end(self, sim: Simulation) -> None:
        """The provider reveals the other portions, then has the rewards computed, in the same second."""
        trainer = sim.trainer
        if trainer.phase != "reveal_test_set":
            return
        for k, (X, y) in enumerate(self.portions):
            if k != self.revealed:
                trainer.verify_next_test_set(PROVIDER, X, y)
        while trainer.phase == "reward":
            trainer.process_contributions(PROVIDER, PROCESS_BATCH)

    def settle(self, sim: Simulation) -> None:
        """Every agent, then the provider, withdraws; the balances are recorded again."""
        trainer = sim.trainer
        if trainer.phase == "withdraw":
            for table, name in [(a.table, a.name) for a in sim.agents] + [(PROVIDER, PROVIDER)]:
                try:
                    amount = to_coins(trainer.withdraw(name))
                    self.withdrawn[table] = self.withdrawn.get(table, 0.0) + amount
                    sim.counts["withdrawals"] += 1
                except Rejected as refusal:
                    sim.decline(refusal.reason)
        sim.track_malicious(sim.chain.now)
        sim.record(sim.chain.now, sim.last_accuracy)

    # -- observations ----------------------------------------------------------------------------
    def record(self, sim: Simulation, row: dict) -> None:
        """The provider's balance, after the agents'."""
        balance = sim.chain.balance_of(PROVIDER)
        row[f"balance.{PROVIDER}"] = to_coins(balance)
        row[f"balance_pct.{PROVIDER}"] = percent(balance, to_units(self.params.provider_balance))

    def metrics(self, sim: Simulation, metrics: dict) -> dict:
        """The stakeable run's metrics with the provider among the balances, plus `market`."""
        balance = sim.chain.balance_of(PROVIDER)
        metrics["balances"][PROVIDER] = to_coins(balance)
        metrics["balance_pct"][PROVIDER] = percent(balance, to_units(self.params.provider_balance))
        view = sim.trainer.market_view()
        metrics["market"] = {"phase": view.phase, "rounds": view.rounds, "dropped": view.dropped,
                             "contributions": view.contributions, "test_samples": view.test_samples,
                             "bounty": self.params.bounty, "withdrawn": dict(self.withdrawn)}
        return metrics
