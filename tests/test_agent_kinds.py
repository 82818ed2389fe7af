"""Agent kinds are declared once (`sumchain.agent_kinds`); the config, its reference and the
simulator's behaviour classes all follow the declarations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sumchain import Config, ConfigError
from sumchain.agent_kinds import AGENT_KINDS, KIND_KEYS, KINDS, MALICIOUS_KINDS
from sumchain.config import AgentConfig, reference
from sumchain.sim.agents import KIND_CLASSES


def test_every_declared_kind_has_a_behaviour_and_no_other():
    assert set(KIND_CLASSES) == set(AGENT_KINDS)


@pytest.mark.parametrize("name", AGENT_KINDS)
def test_the_behaviour_follows_the_declaration(name):
    kind = KINDS[name]
    table = AgentConfig(name="A", kind=name)
    agent = KIND_CLASSES[name](table, np.random.default_rng(0), 0)
    assert agent.adds_data == kind.adds_data and table.malicious == kind.malicious == (name in MALICIOUS_KINDS)
    assert table.honest == (not kind.malicious)


def test_a_kinds_keys_are_agent_keys_with_their_declared_defaults_and_read_only_for_that_kind():
    fields = {f.name: f.default for f in dataclasses.fields(AgentConfig)}
    rows = {row["key"]: row for row in reference()}
    for name, kind in KINDS.items():
        for key in kind.keys:
            assert fields[key.name] == key.default
            assert rows[f"agents.*.{key.name}"]["component"] == f"kind={name}"
    honest = Config.from_overrides({"agents.Good.kind": "honest"}).to_dict()["agents"]["Good"]
    assert not set(honest) & {key for keys in KIND_KEYS.values() for key in keys}
    sleeper = Config.from_overrides({"agents.Bad.kind": "sleeper"}).to_dict()["agents"]["Bad"]
    assert sleeper["honest_days"] == KINDS["sleeper"].keys[0].default and "fee" not in sleeper


@pytest.mark.parametrize("key, value, message", [
    ("unsure_fraction", 0, "must be > 0 and <= 1"),
    ("lead_s", 0, "must be a whole number of seconds >= 1"),
    ("lead_s", 10**12, "must be at most"),
    ("honest_days", -1.0, "must be >= 0 days"),
    ("fee", 0.0, "must be >= 1e-18 coins"),
    ("fee", 1e30, r"must be <= 3.403e\+20 coins"),
])
def test_a_kinds_key_is_checked_by_its_declaration(key, value, message):
    with pytest.raises(ConfigError, match=f"config key 'agents.Good.{key}' = .* is not allowed; {message}"):
        Config.from_overrides({f"agents.Good.{key}": value})
