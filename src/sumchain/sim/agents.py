"""Simulated contributors: small objects that own their random generator and draw their choices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sumchain.config import AgentConfig
from sumchain.ledger.money import to_units

CONTRIBUTION_MARGIN = 0.15
"""An honest agent contributes with probability (last measured accuracy + this margin)."""


@dataclass
class Agent:
    config: AgentConfig
    rng: np.random.Generator
    index: int

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def honest(self) -> bool:
        return self.config.honest

    def wait_s(self) -> int:
        """Seconds until the next turn: a normal draw, at least one second."""
        c = self.config
        return max(1, int(round(self.rng.normal(c.mean_update_wait_s, c.stdev_update_wait_s))))

    def deposit(self, balance: int) -> int:
        """The value offered with a contribution, in base units: a positive draw, capped at the balance."""
        c = self.config
        return min(balance, max(1, to_units(float(self.rng.normal(c.mean_deposit, c.stdev_deposit)))))

    def label_for(self, true_label: int) -> int:
        """The label the agent submits: flipped by a malicious agent, and by anyone's rare mistake."""
        label = 1 - true_label if not self.honest else true_label
        if self.rng.random() < self.config.prob_mistake:
            label = 1 - label
        return label

    def wants_to_contribute(self, last_accuracy: float) -> bool:
        if not self.honest:
            return True
        return self.rng.random() < last_accuracy + CONTRIBUTION_MARGIN


def make_agents(configs: tuple[AgentConfig, ...], seed: int) -> list[Agent]:
    """One independent generator per agent, spawned from the run's seed."""
    streams = np.random.SeedSequence(seed).spawn(len(configs) + 1)[1:]
    return [Agent(c, np.random.default_rng(s), i) for i, (c, s) in enumerate(zip(configs, streams))]
