"""Simulated agents: small objects that own their random generator and draw their choices.

How they draw is an assumption of the simulation, not a contract rule. The defaults are the
behaviour of the simulation the study ran (the earlier SUM simulation): waits are whole seconds
`int(normal(mean, stdev))` (truncated toward zero, so a mean of 600 s gives 599.5 s on average),
redrawn until at least 1 s; deposits are whole coins `int(normal(mean, stdev))`, redrawn until
positive and capped at the balance. `wait_rounding = "round"` draws exact-mean waits instead.

Kinds (`agents.<name>.kind`; every kind but `caller` also makes a rare mistake, `prob_mistake`):
- `honest`: the study's honest agent: the true label; declines a turn with probability
  1 - (last measured accuracy + CONTRIBUTION_MARGIN). With `prob_mistake` up to 0.3 it is an honest
  agent with noisy labels.
- `flipper` (`honest = false`): the study's malicious agent: flips every label.
- `unsure_flipper`: flips only the samples the current model is least sure of: those whose
  confidence (the model's margin for its own prediction, `model.margin(x, predict(x))`, read from
  the trainer's public model) ranks within the lowest `unsure_fraction` of the last
  `UNSURE_WINDOW` samples it looked at, this one included; it submits the others' true label.
- `timing`: flips every label and times its adds: on its turn it waits until `lead_s` seconds
  before the next scheduled turn of an honest agent, so its add comes after the longest gap since
  the last add (the cheapest, as the stakeable cost falls with 1/sqrt(time since the last add)) and
  leaves the honest add right after it the dearest. It adds at most once per its own wait: its next
  turn is a wait after that add (see `sim.loop`).
- `sleeper`: submits true labels (and never declines) for `honest_days`, earning verified
  contributions, then flips every label.
- `caller`: adds no data; on each turn pays `fee` coins for a prediction (`Trainer.predict` with a
  value, shared among verified contributors by the contract; see `sim.loop`).
The malicious kinds never decline a turn. Every kind but honest and caller counts as malicious.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from sumchain.config import DAY_S, AgentConfig
from sumchain.errors import ConfigError
from sumchain.ledger.money import to_units

MAX_REDRAWS = 10_000
"""A draw below 1 is redrawn; this many in a row means the configured distribution has no such values."""

CONTRIBUTION_MARGIN = 0.15
"""An honest agent contributes with probability (last measured accuracy + this margin)."""

UNSURE_WINDOW = 100
"""An unsure flipper ranks a sample's confidence among this many it looked at last."""


@dataclass
class Agent:
    """One agent of a table (`config`): the honest and flipper kinds; the other kinds subclass it."""

    config: AgentConfig
    rng: np.random.Generator
    index: int
    round_waits: bool = False
    num_classes: int = 2
    name: str = ""
    """Its address on the chain: the table's name, or `table#k` for a table of several (`member_names`)."""

    def __post_init__(self) -> None:
        self.name = self.name or self.config.name

    @property
    def table(self) -> str:
        return self.config.name

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def honest(self) -> bool:
        return self.config.honest

    @property
    def malicious(self) -> bool:
        return self.config.malicious

    @property
    def adds_data(self) -> bool:
        return True

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

    def label_for(self, true_label: int, now: int = 0, confidence: Callable[[], int] | None = None) -> int:
        """The label the agent submits: flipped when its kind flips this one (`flips`), and by anyone's
        rare mistake. `confidence()` reads the model's confidence in its prediction for the sample."""
        label = self.other_class(true_label) if self.flips(now, confidence) else true_label
        if self.rng.random() < self.config.prob_mistake:
            label = self.other_class(label)
        return label

    def flips(self, now: int, confidence: Callable[[], int] | None) -> bool:
        """The study's two agents: the malicious one flips every label, the honest one none."""
        return not self.honest

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


@dataclass
class UnsureFlipper(Agent):
    seen: deque = field(default_factory=lambda: deque(maxlen=UNSURE_WINDOW))

    def flips(self, now: int, confidence: Callable[[], int] | None) -> bool:
        """Whether this sample's confidence ranks within the lowest `unsure_fraction` of those seen."""
        mine = confidence()
        self.seen.append(mine)
        below = sum(1 for c in self.seen if c < mine)
        return below < math.ceil(self.config.unsure_fraction * len(self.seen))


@dataclass
class Sleeper(Agent):
    def flips(self, now: int, confidence: Callable[[], int] | None) -> bool:
        return now >= self.config.honest_days * DAY_S


@dataclass
class Caller(Agent):
    @property
    def adds_data(self) -> bool:
        return False


KIND_CLASSES = {"honest": Agent, "flipper": Agent, "unsure_flipper": UnsureFlipper, "timing": Agent,
                "sleeper": Sleeper, "caller": Caller}
"""How each kind acts here; the timing agent's timing and the caller's calls live in `sim.loop`."""


def make_agents(configs: tuple[AgentConfig, ...], seed: int, round_waits: bool = False,
                num_classes: int = 2, bad_share: float | None = None) -> list[Agent]:
    """Every table's agents, in table order, each with its own generator spawned from the run's seed:
    a table's stream from the seed, and for a table of several agents one stream per agent spawned from
    the table's (so a table's count changes no other table's draws)."""
    configs = waits_for_bad_share(configs, bad_share)
    streams = np.random.SeedSequence(seed).spawn(len(configs) + 1)[1:]
    agents: list[Agent] = []
    for config, stream in zip(configs, streams):
        names = config.member_names()
        member_streams = [stream] if len(names) == 1 else stream.spawn(len(names))
        for name, member_stream in zip(names, member_streams):
            agents.append(KIND_CLASSES[config.kind](config, np.random.default_rng(member_stream), len(agents),
                                                    round_waits, num_classes, name))
    return agents


def waits_for_bad_share(configs: tuple[AgentConfig, ...], bad_share: float | None) -> tuple[AgentConfig, ...]:
    """The tables with the malicious ones' mean waits set so that, of all add attempts, the expected
    share by malicious agents is `bad_share` (unchanged when it is None).

    Agent j of a table tries to add once per `mean_update_wait_s` (w), so with H = sum of count / w
    over the honest tables and M the same over the malicious ones, the malicious share of attempts
    is M / (H + M). Each malicious table's wait is multiplied by one factor, M (1 - s) / (s H),
    which keeps their rates in proportion and makes the share s. Not what reaches the chain:
    honest agents decline some turns, deposits can fall short and agents go broke, so runs report
    the measured `bad_share_submitted`. `stdev_update_wait_s` is kept."""
    if bad_share is None:
        return configs
    honest = sum(c.count / c.mean_update_wait_s for c in configs if c.kind == "honest")
    malicious = sum(c.count / c.mean_update_wait_s for c in configs if c.malicious)
    factor = malicious * (1 - bad_share) / (bad_share * honest)
    return tuple(replace(c, mean_update_wait_s=c.mean_update_wait_s * factor) if c.malicious else c
                 for c in configs)


def _rounded(draw: float) -> int:
    return int(round(draw))
