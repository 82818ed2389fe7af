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
  before the next scheduled turn of an honest agent (now if that is sooner), so its add comes after
  the longest gap since the last add (the cheapest, as the stakeable cost falls with 1/sqrt(time
  since the last add)) and leaves the honest add right after it the dearest. It adds at most once
  per its own wait: its next turn is a wait after that add.
- `sleeper`: submits true labels (and never declines) for `honest_days`, earning verified
  contributions, then flips every label.
- `model_pusher`: the model-pushing reporter. It submits true labels (one at a time) until a free read
  shows it a verified contribution; then, on each turn, it picks the youngest pending honest
  submission that the model predicts right and that `push_copies` flipped updates of a local copy of
  the public model would turn around, and adds one copy of that sample with the label flipped while
  the model still agrees with the honest label. Once the honest refund wait ends with the model
  pushed, its claim walk reports the honest deposit; it refunds its own copies as the contract allows.
- `caller`: adds no data; on each turn pays `fee` coins (it stops when it has less) for the
  prediction of the next pool sample in turn (`Trainer.predict` with a value), once a free read
  (`Trainer.verified`) shows a verified contributor to share it (before, the contract would refuse).
The malicious kinds never decline a turn. Every kind but honest and caller counts as malicious.

Each agent takes its own turn (`turn_at`, `act`, `next_turn`) through the trainer's public calls and
free reads (`engines.protocols.TrainerHandle`), and reads what the simulation shares (`World`: the
pool of samples, what was submitted, the last measured accuracy) and tells it what happened, so that
the loop (`sim.loop`) only schedules turns, measures and records. A contributor's turn: it pulls its
earnings from paid predictions when a free read shows some owed (only once any paid prediction was
made, so a run without callers makes no such read), submits the next unsubmitted sample if it has
money (its label, its choice to contribute, its deposit; no add in the second of the last add, as in
the study's simulation), then, while the contract takes claims, walks the outstanding contributions
oldest first: the contract's batched free read (`Trainer.claim_preview`, asked only about the
answers that may have changed: `sim.claims`) says which refund or report would be accepted, and
only those are sent. An agent broke by its own add stops taking turns, as in the study.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Protocol

import numpy as np

from sumchain.config import DAY_S, AgentConfig
from sumchain.contract.reasons import REFUND
from sumchain.engines.protocols import TrainerHandle
from sumchain.errors import ConfigError, Rejected
from sumchain.ledger.money import to_units
from sumchain.sim.claims import ClaimView
from sumchain.sim.outstanding import Outstanding

MAX_REDRAWS = 10_000
"""A draw below 1 is redrawn; this many in a row means the configured distribution has no such values."""

CONTRIBUTION_MARGIN = 0.15
"""An honest agent contributes with probability (last measured accuracy + this margin)."""

UNSURE_WINDOW = 100
"""An unsure flipper ranks a sample's confidence among this many it looked at last."""

DECLINED_NOT_CONTRIBUTING = "chose not to contribute (unsure of the label)"
DECLINED_UNDERPAID = "deposit below the cost of adding data"
DECLINED_NO_SHARERS = "no verified contributor yet to pay for a prediction"
DECLINED_SAME_SECOND = "not enough time has passed since the last data was added"
"""The study's pacing: SUM's contract refused a second add in the second of the last one, so its
simulation never made one. The contract now takes it (priced as a one-second gap, so that one
account cannot block everyone's adds); the agents keep the study's pacing, and its results."""


class World(Protocol):
    """What the simulation shares with its agents, and how they tell it what happened (it records)."""

    trainer: TrainerHandle
    agents: list["Agent"]
    contributor_names: list[str]
    outstanding: Outstanding          # the submissions so far, and which are still to be claimed
    claims: ClaimView                 # each claimer's answers from the contract, asked again when due
    pool_size: int
    last_accuracy: float              # the last measured accuracy (an honest agent's chance to contribute)
    last_add_time: int
    model_version: int                # how many adds moved the model (when cached predictions go stale)
    paid_calls: int                   # paid predictions made so far, by anyone
    claims_open: bool                 # whether the contract takes refunds and reports now
    next_turn_at: list[int]           # each agent's next scheduled turn, by index

    def balance(self, agent: "Agent") -> int: ...

    def pool_row(self, k: int) -> np.ndarray: ...

    def true_label(self, k: int) -> int: ...

    def predict_row(self, k: int) -> int: ...

    def decline(self, reason: str) -> None: ...

    def reject(self, reason: str) -> None: ...

    def added(self, agent: "Agent", k: int, label: int, receipt, now: int) -> None: ...

    def added_copy(self, agent: "Agent", receipt, now: int) -> None: ...

    def claimed(self, action: int) -> None: ...

    def fee_marks(self) -> list[int]: ...

    def paid_prediction(self, caller: "Agent", marks: list[int]) -> None: ...


def confidence(trainer: TrainerHandle, x) -> int:
    """How sure the contract's model is of its prediction for x: its margin for that class (read from
    the trainer's public model, as `predict_many` is)."""
    model = trainer.model
    return int(model.margin(x, model.predict(x)))


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

    # -- its turn --------------------------------------------------------------------------------
    def turn_at(self, now: int, world: World) -> int:
        """When the turn scheduled for `now` acts: now (a timing agent may wait)."""
        return now

    def next_turn(self, now: int) -> int:
        """When its next turn is, after one taken at `now`: a wait later."""
        return now + self.wait_s()

    def act(self, now: int, world: World) -> bool:
        """A contributor's turn (see the module); whether it takes further turns."""
        if world.paid_calls:
            self.withdraw_earnings(world)
        added = False
        k = world.outstanding.count
        if k < world.pool_size and world.balance(self) >= 1:
            added = self.submit(k, now, world)
        if world.claims_open:
            self.claim(world)
        return not (added and world.balance(self) == 0)

    def withdraw_earnings(self, world: World) -> None:
        """Pull its earnings from paid predictions when a free read shows some owed."""
        trainer = world.trainer
        if trainer.withdrawable(self.name) > 0:
            try:
                trainer.withdraw(self.name)
            except Rejected as refusal:
                world.reject(refusal.reason)

    def submit(self, k: int, now: int, world: World) -> bool:
        """Its add of pool sample k, if it wants to and a free read says its deposit pays; whether it added."""
        trainer = world.trainer
        x = world.pool_row(k)
        label = self.label_for(world.true_label(k), now, lambda: confidence(trainer, x))
        if not self.wants_to_contribute(world.last_accuracy):
            world.decline(DECLINED_NOT_CONTRIBUTING)
            return False
        receipt = self.add(world, now, x, label)
        if receipt is None:
            return False
        world.added(self, k, label, receipt, now)
        return True

    def add(self, world: World, now: int, x, label: int):
        """Its add of (x, label) with the deposit `affordable_deposit` gives: the receipt, or None when the
        turn declined it or the contract refused it (counted either way)."""
        value = self.affordable_deposit(world, now, x, label)
        if value is None:
            return None
        try:
            return world.trainer.add_data(self.name, x, label, value)
        except Rejected as refusal:
            world.reject(refusal.reason)
            return None

    def affordable_deposit(self, world: World, now: int, x, label: int) -> int | None:
        """The deposit it would send with this add, or None (the turn declined, with the reason) when
        it may not add this second or a free read of the cost says the deposit would not pay."""
        value = self.deposit(world.balance(self))
        if now <= world.last_add_time:
            world.decline(DECLINED_SAME_SECOND)
            return None
        try:
            cost = world.trainer.cost_to_add(x, label)
        except Rejected as refusal:
            world.decline(refusal.reason)
            return None
        if value < cost:
            world.decline(DECLINED_UNDERPAID)
            return None
        return value

    def claim(self, world: World) -> None:
        """Ask the contract what its pending claims would do (the claim view asks only about those whose
        answer may have changed), send those it accepts."""
        if not world.outstanding.num_active:
            return
        for k, action in world.claims.turn(self.name, world.model_version, world.predict_row):
            self.send_claim(world, k, action)

    def send_claim(self, world: World, k: int, action: int) -> None:
        out, trainer = world.outstanding, world.trainer
        x = world.pool_row(k)
        label, added = int(out.label[k]), int(out.added_time[k])
        try:
            if action == REFUND:
                trainer.refund(self.name, x, label, added)
            else:
                trainer.report(self.name, x, label, added, world.agents[out.author[k]].name)
        except Rejected as refusal:
            world.reject(refusal.reason)
            return
        world.claimed(action)

    # -- its choices -------------------------------------------------------------------------------
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
class TimingAgent(Agent):
    honest_indices: list[int] | None = None

    def turn_at(self, now: int, world: World) -> int:
        """Its add: `lead_s` before the next scheduled honest turn, or now if none is later."""
        if self.honest_indices is None:
            self.honest_indices = [a.index for a in world.agents if a.kind == "honest"]
        turns = world.next_turn_at
        upcoming = [turns[i] for i in self.honest_indices if turns[i] > now]
        return max(now, min(upcoming) - self.config.lead_s) if upcoming else now


@dataclass
class Caller(Agent):
    sharers_seen: bool = False
    """Whether a free read showed a verified contributor (the contract shares a payment only then)."""

    @property
    def adds_data(self) -> bool:
        return False

    def act(self, now: int, world: World) -> bool:
        """A paid prediction of the next pool sample in turn; whether it can pay for more (a caller
        whose balance is below its fee stops)."""
        value = to_units(self.config.fee)
        if world.balance(self) < value:
            return False
        trainer = world.trainer
        if not self.sharers_seen:
            # a free read per contributor until one is verified: the contract refuses to share a payment before
            self.sharers_seen = any(trainer.verified(name) > 0 for name in world.contributor_names)
            if not self.sharers_seen:
                world.decline(DECLINED_NO_SHARERS)
                return True
        x = world.pool_row(world.paid_calls % world.pool_size)
        marks = world.fee_marks()
        try:
            trainer.predict(x, sender=self.name, value=value)
        except Rejected as refusal:
            world.reject(refusal.reason)
            return True
        world.paid_prediction(self, marks)
        return True


PUSH_CANDIDATES = 20
"""A model pusher looks for its next target among this many of the youngest pending honest submissions."""


@dataclass
class ModelPusher(Agent):
    """The model-pushing reporter (see the module): honest until it has a verified contribution, then it
    pushes the model against an honest contributor's pending sample so that it can report that deposit.

    Its pushed adds are copies of a sample already submitted, so they are not pool submissions: it keeps
    them itself (`copies`) and claims their refunds itself, asking the contract (`claim_preview`) which
    would be accepted; the other agents' claim walks do not see them."""

    verified: bool = False
    target: int | None = None
    """The pool submission it is pushing (None: it looks for one)."""
    copies: list = field(default_factory=list)
    """Its pushed adds not yet refunded: (contribution id, pool submission, label, added time)."""

    def flips(self, now: int, confidence: Callable[[], int] | None) -> bool:
        return False          # its own pool submissions are honest: they earn it the verified contribution

    def act(self, now: int, world: World) -> bool:
        """Earn one verified contribution, then add one flipped copy of its target per turn while the
        model still agrees with the target's label; claim (reports come from the usual walk) and
        refund its copies."""
        if world.paid_calls:
            self.withdraw_earnings(world)
        if not self.verified:
            self.verified = world.trainer.verified(self.name) > 0
        added = False
        if world.balance(self) >= 1:
            if not self.verified:
                if not self._own_pending(world) and world.outstanding.count < world.pool_size:
                    added = self.submit(world.outstanding.count, now, world)
            else:
                added = self.push(now, world)
        if world.claims_open:
            self.claim(world)
            self.refund_copies(world)
        return not (added and world.balance(self) == 0)

    def _own_pending(self, world: World) -> bool:
        out = world.outstanding
        return bool((out.author[out.active()] == self.index).any())

    def push(self, now: int, world: World) -> bool:
        """One flipped copy of the target's sample, when the model still predicts the target's label."""
        out, trainer = world.outstanding, world.trainer
        if self.target is not None and out.settled[self.target]:
            self.target = None
        if self.target is None:
            self.target = self.pick_target(world)
            if self.target is None:
                return False
        k = self.target
        x, label = world.pool_row(k), int(out.label[k])
        if int(trainer.predict(x)) != label:
            return False          # pushed: the usual claim walk reports it once its refund wait ends
        flipped = self.other_class(label)
        receipt = self.add(world, now, x, flipped)
        if receipt is None:
            return False
        world.added_copy(self, receipt, now)
        self.copies.append((receipt.contribution_id, k, flipped, receipt.added_time))
        return True

    def pick_target(self, world: World) -> int | None:
        """The youngest pending honest submission the model predicts right and that `push_copies` flipped
        updates of the public model (simulated on a local copy) would turn around."""
        out, trainer = world.outstanding, world.trainer
        rows = out.active()
        honest = [k for k in rows[::-1].tolist() if world.agents[int(out.author[k])].kind == "honest"]
        for k in honest[:PUSH_CANDIDATES]:
            x, label = world.pool_row(k), int(out.label[k])
            if int(trainer.predict(x)) != label:
                continue
            pushed = trainer.model.copy()
            flipped = self.other_class(label)
            for _ in range(self.config.push_copies):
                pushed.update(x, flipped)
            if int(pushed.predict(x)) != label:
                return k
        return None

    def refund_copies(self, world: World) -> None:
        """Refund each pushed copy the contract would refund now; forget those settled."""
        if not self.copies:
            return
        trainer = world.trainer
        ids = np.array([c[0] for c in self.copies], dtype=np.int64)
        predictions = np.array([trainer.predict(world.pool_row(c[1])) for c in self.copies], dtype=np.int64)
        preview = trainer.claim_preview(self.name, ids, predictions)
        kept = []
        for copy, action, settled in zip(self.copies, preview.action.tolist(), preview.settled.tolist()):
            if action == REFUND:
                try:
                    trainer.refund(self.name, world.pool_row(copy[1]), copy[2], copy[3])
                    world.claimed(REFUND)
                    continue
                except Rejected as refusal:
                    world.reject(refusal.reason)
            if not settled:
                kept.append(copy)
        self.copies = kept


KIND_CLASSES = {"honest": Agent, "flipper": Agent, "unsure_flipper": UnsureFlipper, "timing": TimingAgent,
                "sleeper": Sleeper, "caller": Caller, "model_pusher": ModelPusher}
"""How each kind acts: one class per kind declared in `sumchain.agent_kinds` (its name, own keys and
checks), which `tests/test_agent_kinds.py` holds these to."""


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
