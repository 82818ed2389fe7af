"""Simulated contributors: small objects that own their random generator and draw their choices.

How they draw is an assumption of the simulation, not a contract rule. The defaults are the
behaviour of the simulation the study ran (the earlier SUM simulation): waits are whole seconds
`int(normal(mean, stdev))` (truncated toward zero, so a mean of 600 s gives 599.5 s on average),
redrawn until at least 1 s; deposits are whole coins `int(normal(mean, stdev))`, redrawn until
positive and capped at the balance. `wait_rounding = "round"` draws exact-mean waits instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sumchain.config import AgentConfig
from sumchain.errors import ConfigError
from sumchain.ledger.money import to_units

MAX_REDRAWS = 10_000
"""A draw below 1 is redrawn; this many in a row means the configured distribution has no such values."""

CONTRIBUTION_MARGIN = 0.15
"""An honest agent contributes with probability (last measured accuracy + this margin)."""


@dataclass
class Agent:
    config: AgentConfig
    rng: np.random.Generator
    index: int
    round_waits: bool = False
    num_classes: int = 2

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def honest(self) -> bool:
        return self.config.honest

    def first_turn_s(self) -> int:
        """The first turn: a wait from the start, shifted by the agent's phase."""
        return self.config.phase_s + self.wait_s()

    def wait_s(self) -> int:
        """Seconds until the next turn: a normal draw, truncated (or rounded), redrawn until >= 1."""
        c = self.config
        whole = _rounded if self.round_waits else int
        return self._redrawn(lambda: whole(self.rng.normal(c.mean_update_wait_s, c.stdev_update_wait_s)),
                             "mean_update_wait_s")

    def deposit(self, balance: int) -> int:
        """The value offered with a contribution, in base units: whole coins, redrawn until positive,
        capped at the balance."""
        c = self.config
        coins = self._redrawn(lambda: int(self.rng.normal(c.mean_deposit, c.stdev_deposit)), "mean_deposit")
        return min(balance, to_units(coins))

    def _redrawn(self, draw, key: str) -> int:
        for _ in range(MAX_REDRAWS):
            value = draw()
            if value >= 1:
                return value
        raise ConfigError(f"config key 'agents.{self.name}.{key}' with its stdev gives no whole value >= 1 "
                          f"in {MAX_REDRAWS} draws; raise the mean or the stdev")

    def label_for(self, true_label: int) -> int:
        """The label the agent submits: flipped by a malicious agent, and by anyone's rare mistake."""
        label = self.other_class(true_label) if not self.honest else true_label
        if self.rng.random() < self.config.prob_mistake:
            label = self.other_class(label)
        return label

    def other_class(self, label: int) -> int:
        """A wrong label: the other class of two (no draw, as the study's flip), else one of the
        other `num_classes - 1` classes drawn uniformly from the agent's generator."""
        if self.num_classes == 2:
            return 1 - label
        return (label + 1 + int(self.rng.integers(self.num_classes - 1))) % self.num_classes

    def wants_to_contribute(self, last_accuracy: float) -> bool:
        if not self.honest:
            return True
        return self.rng.random() < last_accuracy + CONTRIBUTION_MARGIN


def make_agents(configs: tuple[AgentConfig, ...], seed: int, round_waits: bool = False,
                num_classes: int = 2) -> list[Agent]:
    """One independent generator per agent, spawned from the run's seed."""
    streams = np.random.SeedSequence(seed).spawn(len(configs) + 1)[1:]
    return [Agent(c, np.random.default_rng(s), i, round_waits, num_classes)
            for i, (c, s) in enumerate(zip(configs, streams))]


def _rounded(draw: float) -> int:
    return int(round(draw))
