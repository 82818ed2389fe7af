"""The agent kinds (`agents.<name>.kind`), each declared once: its name, whether it is malicious,
whether it adds data or pays for predictions, and its own keys with their defaults and checks.

Why here and not in `sim/agents.py`: the config checks an agent table against its kind before any
run, and the config sits below the simulator (`tests/test_layers.py`), so the declarations live at
the config's layer and import nothing of sumchain. How each kind acts is `sim.agents.KIND_CLASSES`,
one class per name declared here (a test checks that the two agree).

To add a kind: one `AgentKind(...)` in `KINDS` (its own keys become `AgentConfig` fields and
reference rows), and its class in `sim.agents.KIND_CLASSES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class KindKey:
    """One key that only its kind reads (in `to_dict` and the digest only for a table of that kind).

    `checks`: (condition on the value, what is allowed) in order, the first failing one refuses it.
    `unit`: "s" for a wait (then also at most the config's longest wait), "coins" for money (at most
    what a run may hold), checked by the config with its own bounds."""

    name: str
    type: type
    default: Any
    checks: tuple[tuple[Callable[[Any], bool], str], ...] = ()
    unit: str | None = None
    doc: str = ""
    """What it means, for the reference."""


@dataclass(frozen=True)
class AgentKind:
    name: str
    summary: str
    malicious: bool
    """Submits wrong labels on purpose: `honest = false` goes with it."""
    keys: tuple[KindKey, ...] = ()
    adds_data: bool = True
    pays_for_predictions: bool = False
    """Needs an incentive whose trainer shares a paid prediction's value."""


KINDS: dict[str, AgentKind] = {kind.name: kind for kind in (
    AgentKind("honest", "the true label; declines a turn when unsure of it", malicious=False),
    AgentKind("flipper", "flips every label", malicious=True),
    AgentKind("unsure_flipper", "flips only the samples the model is least sure of", malicious=True, keys=(
        KindKey("unsure_fraction", float, 0.25,
                ((lambda v: 0 < v <= 1, "must be > 0 and <= 1 (the share of samples, least sure first, that are "
                                        "flipped)"),), doc="the share of samples, least sure first, that it flips"),)),
    AgentKind("timing", "flips every label, adding just before an honest agent's turn", malicious=True, keys=(
        KindKey("lead_s", int, 1, ((lambda v: v >= 1, "must be a whole number of seconds >= 1"),), unit="s",
                doc="seconds before the next honest turn at which it adds"),)),
    AgentKind("sleeper", "true labels for a while, then flips every label", malicious=True, keys=(
        KindKey("honest_days", float, 10.0, ((lambda v: math.isfinite(v) and v >= 0, "must be >= 0 days"),),
                doc="days of honest data before it flips every label"),)),
    AgentKind("caller", "adds no data; pays for predictions", malicious=False, adds_data=False,
              pays_for_predictions=True, keys=(
                  KindKey("fee", float, 1.0, ((lambda v: math.isfinite(v) and v >= 1e-18,
                                               "must be >= 1e-18 coins (one base unit)"),), unit="coins",
                          doc="coins each paid prediction offers"),)),
    AgentKind("model_pusher", "honest until one contribution is verified, then adds flipped copies of an honest "
              "contributor's pending sample to turn the model, reports that deposit and refunds its copies",
              malicious=True, keys=(
                  KindKey("push_copies", int, 3, ((lambda v: 1 <= v <= 100, "must be a whole number from 1 to 100"),),
                          doc="the most flipped copies it expects to need to turn the model around on a target"),)),
)}
"""Every kind, in the order they are offered."""

AGENT_KINDS = tuple(KINDS)
MALICIOUS_KINDS = tuple(name for name, kind in KINDS.items() if kind.malicious)
KIND_KEYS = {name: tuple(key.name for key in kind.keys) for name, kind in KINDS.items() if kind.keys}
"""Agent keys read only by one kind, by kind."""
