"""Agents: the study's flip for two classes, a drawn other class for more; every kind's labels; populations
(counts, generators) and the waits `bad_share` sets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain import Config
from sumchain.config import AGENT_KINDS, MALICIOUS_KINDS, AgentConfig
from sumchain.ledger.money import to_units
from sumchain.sim.agents import UNSURE_WINDOW, make_agents, waits_for_bad_share

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


# -- populations: counts, kinds, bad_share -------------------------------------------------------

def test_a_table_of_several_gets_named_agents_with_their_own_generators():
    config = Config.from_overrides({"agents.Good.count": 3})
    agents = make_agents(config.agents, seed=0)
    assert [(a.name, a.table, a.index) for a in agents] == [("Good#1", "Good", 0), ("Good#2", "Good", 1),
                                                            ("Good#3", "Good", 2), ("Bad", "Bad", 3)]
    draws = [a.rng.random() for a in agents]
    assert len(set(draws)) == 4
    # a table's count changes no other table's draws, and one agent keeps the table's own stream
    single = make_agents(Config().agents, seed=0)
    assert single[1].rng.random() == draws[3]
    assert make_agents(Config.from_overrides({"agents.Good.count": 5}).agents, seed=0)[5].rng.random() == draws[3]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(AGENT_KINDS), st.integers(1, 4)), min_size=1, max_size=4),
       st.integers(0, 2**32 - 1))
def test_any_population_expands_to_count_agents_of_each_kind(tables, seed):
    configs = tuple(AgentConfig(name=f"T{i}", kind=kind, count=count) for i, (kind, count) in enumerate(tables))
    agents = make_agents(configs, seed)
    assert len(agents) == sum(count for _, count in tables)
    assert len({a.name for a in agents}) == len(agents) and all("." not in a.name for a in agents)
    assert [a.index for a in agents] == list(range(len(agents)))
    for agent in agents:
        assert agent.kind == agent.config.kind and agent.malicious == (agent.kind in MALICIOUS_KINDS)
        assert agent.adds_data == (agent.kind != "caller")
    again = make_agents(configs, seed)
    assert [a.rng.random() for a in agents] == [a.rng.random() for a in again]


@pytest.mark.parametrize("kind, flips", [("honest", False), ("flipper", True), ("timing", True)])
def test_honest_flipper_and_timing_labels(kind, flips):
    agent, = make_agents((AgentConfig(kind=kind, prob_mistake=0.0),), seed=0)
    assert [agent.label_for(y, now=10**7) for y in (0, 1)] == ([1, 0] if flips else [0, 1])


def test_a_sleeper_is_honest_for_its_honest_days_then_flips():
    agent, = make_agents((AgentConfig(kind="sleeper", honest_days=2, prob_mistake=0.0),), seed=0)
    assert agent.malicious and agent.wants_to_contribute(0.0)        # never declines, even at 0 accuracy
    assert [agent.label_for(1, now=t) for t in (0, 2 * 86_400 - 1, 2 * 86_400, 30 * 86_400)] == [1, 1, 0, 0]


def test_an_unsure_flipper_flips_the_least_sure_share_of_what_it_sees():
    agent, = make_agents((AgentConfig(kind="unsure_flipper", unsure_fraction=0.25, prob_mistake=0.0),), seed=0)
    confidences = np.random.default_rng(1).permutation(np.arange(4000))
    flipped = np.array([agent.label_for(1, confidence=lambda c=int(c): c) == 0 for c in confidences])
    assert flipped[0]                                                 # alone in its window: least sure
    share = flipped[UNSURE_WINDOW:].mean()
    assert 0.2 < share < 0.3
    later = confidences[UNSURE_WINDOW:]
    assert later[flipped[UNSURE_WINDOW:]].mean() < later[~flipped[UNSURE_WINDOW:]].mean() / 2


def test_an_unsure_flipper_with_fraction_one_flips_everything():
    agent, = make_agents((AgentConfig(kind="unsure_flipper", unsure_fraction=1.0, prob_mistake=0.0),), seed=0)
    assert all(agent.label_for(0, confidence=lambda c=c: c) == 1 for c in (5, 3, 9, 0, 0, 7))


def test_noisy_honest_labels_are_wrong_at_prob_mistake():
    agent, = make_agents((AgentConfig(prob_mistake=0.3),), seed=2)
    wrong = np.mean([agent.label_for(1) == 0 for _ in range(20_000)])
    assert abs(wrong - 0.3) < 0.015
    assert not agent.malicious


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5, 0.9])
def test_bad_share_sets_the_malicious_waits_so_attempts_have_that_share(share):
    config = Config.from_overrides({"bad_share": share, "agents.Good.count": 3, "agents.Bad.count": 2,
                                    "agents.Evil.kind": "sleeper", "agents.Evil.mean_update_wait_s": 900,
                                    "agents.Pay.kind": "caller"})
    tables = waits_for_bad_share(config.agents, config.bad_share)
    rate = {t.name: t.count / t.mean_update_wait_s for t in tables}
    assert rate["Bad"] / (rate["Good"] + rate["Bad"] + rate["Evil"]) + rate["Evil"] / (
        rate["Good"] + rate["Bad"] + rate["Evil"]) == pytest.approx(share)
    before = {t.name: t.count / t.mean_update_wait_s for t in config.agents}
    assert rate["Bad"] / rate["Evil"] == pytest.approx(before["Bad"] / before["Evil"])      # kept in proportion
    assert rate["Good"] == before["Good"] and rate["Pay"] == before["Pay"]
    assert waits_for_bad_share(config.agents, None) == config.agents


def test_bad_share_one_half_of_the_defaults_gives_the_malicious_agent_the_honest_wait():
    bad = waits_for_bad_share(Config().agents, 0.5)[1]
    assert bad.mean_update_wait_s == pytest.approx(600)


# -- each kind takes its own turn through the trainer's public calls and reads --------------------

class FakeTrainer:
    """The trainer's calls an agent's turn may make, recorded; what the reads answer is set by the test."""

    def __init__(self, owed=0, verified=0):
        self.owed, self.verified_count, self.calls = owed, verified, []

    def withdrawable(self, name):
        self.calls.append(("withdrawable", name))
        return self.owed

    def withdraw(self, name):
        self.calls.append(("withdraw", name))
        return self.owed

    def verified(self, name):
        self.calls.append(("verified", name))
        return self.verified_count

    def predict(self, x, sender=None, value=0):
        self.calls.append(("predict", sender, value))
        return 0


class FakeWorld:
    def __init__(self, agents, trainer, balance=10**24, paid_calls=0, next_turn_at=None):
        self.agents, self.trainer, self._balance, self.paid_calls = agents, trainer, balance, paid_calls
        self.contributor_names = [a.name for a in agents if a.adds_data]
        self.next_turn_at = next_turn_at or [0] * len(agents)
        self.pool_size, self.claims_open, self.events = 10, False, []

        class Nothing:                     # no sample left to submit, nothing outstanding
            count = 10
        self.outstanding = Nothing()

    def balance(self, agent):
        return self._balance

    def pool_row(self, k):
        return np.array([k])

    def decline(self, reason):
        self.events.append(("declined", reason))

    def reject(self, reason):
        self.events.append(("rejected", reason))

    def fee_marks(self):
        return []

    def paid_prediction(self, caller, marks):
        self.events.append(("paid", caller.name))


def test_a_timing_agent_acts_lead_s_before_the_next_honest_turn():
    configs = (AgentConfig(name="Good", count=2), AgentConfig(name="T", kind="timing", lead_s=5),
               AgentConfig(name="Bad", honest=False))
    agents = make_agents(configs, seed=0)
    timing = agents[2]
    world = FakeWorld(agents, FakeTrainer(), next_turn_at=[700, 650, 100, 601])
    assert timing.turn_at(600, world) == 645                       # the flipper's turn at 601 does not count
    assert timing.turn_at(648, world) == 648                       # less than lead_s away: now
    assert timing.turn_at(800, world) == 800                       # no honest turn later: now
    honest = agents[0]
    assert honest.turn_at(600, world) == 600


def test_a_caller_pays_once_someone_is_verified_and_stops_below_its_fee():
    configs = (AgentConfig(name="Good"), AgentConfig(name="Pay", kind="caller", fee=2.0))
    good, caller = make_agents(configs, seed=0)
    trainer = FakeTrainer(verified=0)
    world = FakeWorld([good, caller], trainer)
    assert caller.act(0, world) and world.events == [("declined", "no verified contributor yet to pay for a "
                                                                  "prediction")]
    trainer.verified_count = 1
    assert caller.act(0, world) and world.events[-1] == ("paid", "Pay")
    assert trainer.calls[-1] == ("predict", "Pay", to_units(2))
    reads = len(trainer.calls)
    assert caller.act(0, world) and len(trainer.calls) == reads + 1      # once seen, no more verified reads
    broke = FakeWorld([good, caller], trainer, balance=to_units(2) - 1)
    assert not caller.act(0, broke) and len(trainer.calls) == reads + 1  # below its fee: stops, sends nothing


@pytest.mark.parametrize("paid_calls, owed, calls", [(0, 5, []), (3, 0, [("withdrawable", "Good")]),
                                                      (3, 5, [("withdrawable", "Good"), ("withdraw", "Good")])])
def test_a_contributor_withdraws_its_earnings_only_when_a_read_shows_some_owed(paid_calls, owed, calls):
    good, = make_agents((AgentConfig(name="Good"),), seed=0)
    trainer = FakeTrainer(owed=owed)
    assert good.act(0, FakeWorld([good], trainer, paid_calls=paid_calls))
    assert trainer.calls == calls


def test_a_model_pusher_copies_a_pending_honest_sample_flipped_and_reports_it():
    """On the contract: after its first verified contribution, its adds are flipped copies of honest
    samples, and it reports at least one honest contribution it pushed and refunds its copies."""
    import json

    from sumchain.sim import simulate

    run = simulate({"num_words": 60, "max_train": 400, "max_test": 150, "agents.Bad.kind": "model_pusher", "seed": 1})
    txs = [t for t in run.trainer.chain.transactions() if t.status == "ok"]
    honest = {(t.args_x, json.loads(t.args_json)["y"]) for t in txs if t.sender == "Good" and t.function == "add_data"}
    honest_x = {x for x, _ in honest}
    adds = [t for t in txs if t.sender == "Bad" and t.function == "add_data"]
    copies = [t for t in adds if t.args_x in honest_x]
    assert len(copies) >= 3 and len(adds) - len(copies) <= 2          # one or two honest adds, then only copies
    assert all((t.args_x, 1 - json.loads(t.args_json)["y"]) in honest for t in copies)   # flipped
    copied = {t.args_x for t in copies}
    assert any(t.sender == "Bad" and t.function == "report" and t.args_x in copied for t in txs)
    assert any(t.sender == "Bad" and t.function == "refund" and t.args_x in copied for t in txs)
