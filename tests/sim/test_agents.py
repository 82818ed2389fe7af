"""Agents' labels: the study's flip for two classes, a drawn other class for more."""

from __future__ import annotations

import numpy as np

from sumchain.config import AgentConfig
from sumchain.sim.agents import make_agents

HONEST = AgentConfig(name="Good", prob_mistake=0.0)
MALICIOUS = AgentConfig(name="Bad", honest=False, prob_mistake=0.0)


def test_two_classes_flip_without_a_draw():
    agent, = make_agents((MALICIOUS,), seed=0)
    state = agent.rng.bit_generator.state
    assert [agent.label_for(y) for y in (0, 1, 1, 0)] == [1, 0, 0, 1]
    assert agent.rng.bit_generator.state["state"] != state["state"]      # only the mistake draws
    fresh, = make_agents((MALICIOUS,), seed=0)
    for _ in range(4):
        fresh.rng.random()
    assert fresh.rng.bit_generator.state == agent.rng.bit_generator.state


def test_with_more_classes_a_malicious_agent_never_submits_the_truth_and_is_deterministic():
    truth = np.random.default_rng(0).integers(0, 5, 2000)
    labels = [a.label_for(int(y)) for a in make_agents((MALICIOUS,), seed=4, num_classes=5) for y in truth]
    again = [a.label_for(int(y)) for a in make_agents((MALICIOUS,), seed=4, num_classes=5) for y in truth]
    assert labels == again
    labels = np.array(labels)
    assert np.all(labels != truth) and np.all((labels >= 0) & (labels < 5))
    assert all(np.count_nonzero(labels[truth == 0] == c) > 50 for c in (1, 2, 3, 4))   # every other class


def test_an_honest_agent_submits_the_truth():
    agent, = make_agents((HONEST,), seed=1, num_classes=3)
    assert [agent.label_for(y) for y in (0, 1, 2)] == [0, 1, 2]
