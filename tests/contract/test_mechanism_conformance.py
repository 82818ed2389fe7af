"""One conformance suite for every incentive mechanism, on every engine it runs on (river's estimator
checks, for mechanisms): a seeded run is deterministic, a refused call changes nothing (balances,
state, model), money is conserved under any sequence of calls, and a call made out of its phase (or
its time) is refused with the contract's reason.

The deposit mechanisms (`stakeable`, `points`, `quality_priced`) share the trainer's functions; the
prediction market has its own, so each check has a driver per family (`TrainerFamily`,
`MarketFamily`) that makes random calls and reads the state through public reads only.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain import Config, Rejected, simulate
from sumchain.config import INCENTIVES, PYTHON_ONLY_INCENTIVES
from sumchain.contract import reasons as R
from sumchain.contract.incentives.prediction_market import portion_hash, split_portions
from sumchain.engines import deploy
from sumchain.ledger.money import to_units
from tests.conftest import ENGINE_NAMES
from tests.contract.helpers import NEGATIVE, POSITIVE

DAY = 86_400
PEOPLE = ("alice", "bob", "carol")
PROVIDER = "provider"
SAMPLES = (POSITIVE, NEGATIVE, POSITIVE[:5], NEGATIVE[3:9])
MARKET = {"min_length_s": 600, "min_num_contributions": 3, "num_portions": 4, "bounty": 50, "min_stake": 1}

CASES = [(m, e) for m in INCENTIVES for e in ENGINE_NAMES if e == "python" or m not in PYTHON_ONLY_INCENTIVES]
"""Every mechanism on every engine it runs on (the prediction market: python only)."""


def config_for(dataset, incentive, engine="python", **overrides) -> Config:
    tables = {"prediction_market": MARKET} if incentive == "prediction_market" else {}
    return Config.from_overrides({"num_words": dataset.num_features, "engine": engine, "incentive": incentive,
                                  **tables, **overrides})


class TrainerFamily:
    """stakeable, points, quality_priced: add, refund, report, paid predict."""

    def __init__(self, dataset, incentive, engine):
        self.incentive = incentive
        self.contract = deploy(config_for(dataset, incentive, engine), dataset)
        for name in PEOPLE:
            self.contract.chain.fund(name, to_units(1_000))
        self.added: list[tuple[int, int, int, str]] = []

    def people(self):
        return PEOPLE + ("owner",)

    def state(self):
        t = self.contract
        try:
            cost = [t.cost_to_add(), t.cost_to_add(NEGATIVE, 1)]
        except Rejected as refusal:
            cost = refusal.reason
        return ({n: t.chain.balance_of(n) for n in self.people() + (t.address,)}, t.model.state(),
                [t.verified(n) for n in PEOPLE], [t.reported(n) for n in PEOPLE], cost)

    def act(self, kind, who, sample, y, value):
        t = self.contract
        if kind == "add":
            receipt = t.add_data(who, SAMPLES[sample], y, value)
            self.added.append((sample, y, receipt.added_time, who))
        elif kind in ("refund", "report") and self.added:
            s, label, time, author = self.added[value % len(self.added)]
            if kind == "refund":
                t.refund(who, SAMPLES[s], label, time)
            else:
                t.report(who, SAMPLES[s], label, time, author)
        elif kind == "predict":
            t.predict(SAMPLES[sample], sender=who, value=value if self.incentive != "points" else 0)

    def out_of_time_calls(self):
        """Calls refused by the mechanism's clock, with the exact reason."""
        t = self.contract
        t.chain.advance(60)
        receipt = t.add_data("alice", POSITIVE, 1, to_units(100))
        return [(lambda: t.refund("alice", POSITIVE, 1, receipt.added_time), R.REASONS[R.TOO_EARLY_TO_REFUND]),
                (lambda: t.report("bob", POSITIVE, 1, receipt.added_time, "alice"),
                 R.REASONS[R.TOO_EARLY_TO_REPORT])]


class MarketFamily:
    """prediction_market: its phases, driven by random calls of its own functions."""

    def __init__(self, dataset, incentive="prediction_market", engine="python"):
        self.contract = deploy(config_for(dataset, incentive, engine), dataset)
        self.portions = split_portions(dataset.X_test[:40], dataset.y_test[:40], MARKET["num_portions"])
        self.hashes = [portion_hash(X, y) for X, y in self.portions]
        for name in PEOPLE + (PROVIDER,):
            self.contract.chain.fund(name, to_units(1_000))

    def people(self):
        return PEOPLE + (PROVIDER,)

    def state(self):
        m = self.contract
        return ({n: m.chain.balance_of(n) for n in self.people() + (m.address,)}, m.model.state(), m.market_view(),
                [m.market_balance(n) for n in self.people()])

    def open(self):
        m = self.contract
        index = m.initialize_market(PROVIDER, self.hashes, to_units(MARKET["bounty"]))
        m.reveal_init_test_set(PROVIDER, *self.portions[index])
        return index

    def act(self, kind, who, sample, y, value):
        m = self.contract
        who = PROVIDER if value % 2 else who
        if kind == "add":
            m.add_data(who, SAMPLES[sample], y, value)
        elif kind == "init":
            m.initialize_market(who, self.hashes, value)
        elif kind == "reveal":
            view = m.market_view()
            index = view.reveal_index if view.phase == "initialization" else value % len(self.portions)
            m.reveal_init_test_set(who, *self.portions[index]) if view.phase == "initialization" else \
                m.verify_next_test_set(who, *self.portions[index])
        elif kind == "end":
            m.end_market(who)
        elif kind == "process":
            m.process_contributions(who, 1 + value % 4)
        elif kind == "withdraw":
            m.withdraw(who)
        elif kind == "predict":
            m.predict(SAMPLES[sample])

    def out_of_phase_calls(self):
        """Each function called in a phase it does not belong to, with the exact reason."""
        m = self.contract
        x = SAMPLES[0]
        calls = [(lambda: m.add_data("alice", x, 1, to_units(1)), R.MARKET_NOT_OPEN),
                 (lambda: m.end_market(PROVIDER), R.MARKET_NOT_OPEN),
                 (lambda: m.reveal_init_test_set(PROVIDER, *self.portions[0]), R.MARKET_NOT_INITIALIZING),
                 (lambda: m.verify_next_test_set(PROVIDER, *self.portions[0]), R.MARKET_NOT_REVEALING),
                 (lambda: m.process_contributions(PROVIDER, 1), R.MARKET_NOT_REWARDING),
                 (lambda: m.withdraw("alice"), R.MARKET_NOT_WITHDRAWING)]
        return [(call, R.REASONS[code]) for call, code in calls]


def family(dataset, incentive, engine):
    return (MarketFamily if incentive == "prediction_market" else TrainerFamily)(dataset, incentive, engine)


# -- determinism --------------------------------------------------------------------------------

@pytest.mark.parametrize("incentive,engine", CASES)
def test_the_same_seeded_calls_give_the_same_chain(tiny_dataset, incentive, engine):
    def run():
        driver = family(tiny_dataset, incentive, engine)
        if isinstance(driver, MarketFamily):
            driver.open()
        rng = np.random.default_rng(11)
        kinds = ("add", "add", "refund", "report", "predict", "end", "process", "withdraw")
        for _ in range(40):
            driver.contract.chain.advance(int(rng.choice([1, 600, DAY + 1])))
            try:
                driver.act(kinds[rng.integers(len(kinds))], PEOPLE[rng.integers(3)], int(rng.integers(len(SAMPLES))),
                           int(rng.integers(2)), int(rng.choice([0, to_units(1), to_units(60)])))
            except Rejected:
                pass
        return driver.state(), driver.contract.chain.head_hash
    first, second = run(), run()
    assert first == second


@pytest.mark.parametrize("incentive", INCENTIVES)
def test_a_seeded_simulation_is_deterministic(tiny_dataset, incentive):
    config = config_for(tiny_dataset, incentive, max_train=150, max_test=100, seed=5)
    first, second = (simulate(config, dataset=tiny_dataset) for _ in range(2))
    assert first.metrics == second.metrics
    assert first.timeseries.equals(second.timeseries)
    assert first.chain.head_hash == second.chain.head_hash
    assert first.metrics["counts"]["adds"] > 0


# -- refused calls change nothing; money is conserved -----------------------------------------

KINDS = ("add", "add", "add", "refund", "report", "predict", "init", "reveal", "end", "process", "withdraw")
"""Every family's functions; a family ignores the kinds it has not got."""
STEPS = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(PEOPLE), st.integers(0, len(SAMPLES) - 1),
                           st.integers(0, 1), st.sampled_from((0, 1, 7, to_units(1), to_units(5), to_units(60))),
                           st.sampled_from((0, 1, 60, 600, DAY + 1, 10 * DAY))), max_size=30)


@pytest.mark.parametrize("incentive,engine", CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, open_market=st.booleans())
def test_refusals_change_nothing_and_money_is_conserved(tiny_dataset, incentive, engine, steps, open_market):
    driver = family(tiny_dataset, incentive, engine)
    chain = driver.contract.chain
    if open_market and isinstance(driver, MarketFamily):
        driver.open()
    total = chain.minted
    for kind, who, sample, y, value, wait in steps:
        chain.advance(wait)
        before = driver.state()
        try:
            driver.act(kind, who, sample, y, value)
        except Rejected:
            assert driver.state() == before
        balances = chain.balances()
        assert sum(balances.values()) == total
        assert min(balances.values()) >= 0


def test_a_whole_market_conserves_money_to_the_unit(tiny_dataset):
    driver = MarketFamily(tiny_dataset)
    m, chain = driver.contract, driver.contract.chain
    index = driver.open()
    X = tiny_dataset.X_train
    for i in range(30):
        chain.advance(60)
        x = X.indices[X.indptr[i]:X.indptr[i + 1]]
        m.add_data(PEOPLE[i % 3], x, int(tiny_dataset.y_train[i]) ^ (i % 3 == 2), to_units(3))
    m.end_market(PROVIDER)
    for k, portion in enumerate(driver.portions):
        if k != index:
            m.verify_next_test_set(PROVIDER, *portion)
    while m.phase == "reward":
        m.process_contributions("carol", 7)
    owed = sum(m.market_balance(n) for n in PEOPLE) + m.market_view().pool
    assert owed == chain.balance_of(m.address)
    for name in PEOPLE + (PROVIDER,):
        if m.market_balance(name) or name == PROVIDER:
            m.withdraw(name)
    assert chain.balance_of(m.address) == 0
    assert sum(chain.balances().values()) == chain.minted


# -- out-of-phase calls -------------------------------------------------------------------------

@pytest.mark.parametrize("incentive,engine", [c for c in CASES if c[0] != "prediction_market"])
def test_calls_out_of_their_time_are_refused_with_the_reason(tiny_dataset, incentive, engine):
    driver = TrainerFamily(tiny_dataset, incentive, engine)
    for call, reason in driver.out_of_time_calls():
        before = driver.state()
        with pytest.raises(Rejected) as refusal:
            call()
        assert refusal.value.reason == reason
        assert driver.state() == before


def _advance_market_to(driver, phase):
    m = driver.contract
    order = ["awaiting_bounty", "initialization", "participation", "reveal_test_set", "reward", "withdraw"]
    index = None
    while order.index(m.phase) < order.index(phase):
        if m.phase == "awaiting_bounty":
            index = m.initialize_market(PROVIDER, driver.hashes, to_units(MARKET["bounty"]))
        elif m.phase == "initialization":
            m.reveal_init_test_set(PROVIDER, *driver.portions[index])
        elif m.phase == "participation":
            for i in range(3):
                m.chain.advance(300)
                m.add_data(PEOPLE[i], SAMPLES[i], i % 2, to_units(1))
            m.end_market(PROVIDER)
        elif m.phase == "reveal_test_set":
            for k, portion in enumerate(driver.portions):
                if k != index:
                    m.verify_next_test_set(PROVIDER, *portion)
        elif m.phase == "reward":
            m.process_contributions(PROVIDER, 100)


@pytest.mark.parametrize("phase", ["awaiting_bounty", "initialization", "participation", "reveal_test_set",
                                   "reward", "withdraw"])
def test_market_calls_out_of_phase_are_refused_with_the_reason(tiny_dataset, phase):
    driver = MarketFamily(tiny_dataset)
    _advance_market_to(driver, phase)
    assert driver.contract.phase == phase
    belongs = {"add_data": "participation", "end_market": "participation", "reveal_init": "initialization",
               "verify_next": "reveal_test_set", "process": "reward", "withdraw": "withdraw"}
    refused = 0
    for (call, reason), needs in zip(driver.out_of_phase_calls(), belongs.values()):
        if needs == phase:
            continue
        before = driver.state()
        with pytest.raises(Rejected) as refusal:
            call()
        assert refusal.value.reason == reason
        assert driver.state() == before
        refused += 1
    assert refused >= 4
    if phase != "awaiting_bounty":
        with pytest.raises(Rejected, match=R.REASONS[R.MARKET_ALREADY_INITIALIZED]):
            driver.contract.initialize_market(PROVIDER, driver.hashes, to_units(1))


def test_only_the_provider_ends_and_reveals(tiny_dataset):
    driver = MarketFamily(tiny_dataset)
    m = driver.contract
    index = m.initialize_market(PROVIDER, driver.hashes, to_units(5))
    with pytest.raises(Rejected, match=R.REASONS[R.NOT_BOUNTY_PROVIDER]):
        m.reveal_init_test_set("alice", *driver.portions[index])
    wrong = driver.portions[(index + 1) % len(driver.portions)]
    with pytest.raises(Rejected, match=R.REASONS[R.PORTION_MISMATCH]):
        m.reveal_init_test_set(PROVIDER, *wrong)
    m.reveal_init_test_set(PROVIDER, *driver.portions[index])
    m.chain.advance(60)
    m.add_data("alice", POSITIVE, 1, to_units(1))
    with pytest.raises(Rejected, match=R.REASONS[R.MARKET_TOO_SHORT]):
        m.end_market(PROVIDER)                               # too short and too few
    for name in ("bob", "carol"):
        m.chain.advance(60)
        m.add_data(name, NEGATIVE, 0, to_units(1))
    with pytest.raises(Rejected, match=R.REASONS[R.MARKET_TOO_SHORT]):
        m.end_market(PROVIDER)                               # enough data, but too short
    m.chain.advance(600)
    with pytest.raises(Rejected, match=R.REASONS[R.NOT_BOUNTY_PROVIDER]):
        m.end_market("alice")
    m.end_market(PROVIDER)
    assert m.phase == "reveal_test_set"


def test_every_mechanism_is_listed_and_refused_where_it_cannot_run():
    assert {m for m, _ in CASES} == set(INCENTIVES)
    for incentive in PYTHON_ONLY_INCENTIVES:
        for engine in ("evm", "rpc"):
            with pytest.raises(Exception, match=f"config key 'incentive' = '{incentive}' is not allowed"):
                Config.from_overrides({"incentive": incentive, "engine": engine, "rpc_url": "http://127.0.0.1:1"})


def test_state_reads_are_plain_values(tiny_dataset):
    """The snapshot compares by value: a check that could not fail would prove nothing."""
    driver = MarketFamily(tiny_dataset)
    before = driver.state()
    driver.open()
    assert driver.state() != before
    assert np.array_equal(driver.contract.predict_many(tiny_dataset.X_test[:5]),
                          driver.contract.model.predict_many(tiny_dataset.X_test[:5]))
