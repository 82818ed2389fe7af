"""Every model family passes the same checks (in the spirit of river's estimator checks).

Parametrized over `MODELS`: a family added to the registry is checked here without further work.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain import Config, Rejected, simulate
from sumchain.config import EVM_MODELS
from sumchain.config import MODELS as CONFIG_MODELS
from sumchain.data import Dataset, load_dataset
from sumchain.data.dataset import SparseRows
from sumchain.engines import deploy, initial_model, initial_training_size
from sumchain.errors import DataError
from sumchain.ledger.money import to_units
from sumchain.models import MODELS

FAMILIES = list(MODELS)


@pytest.fixture(scope="module")
def corpus() -> Dataset:
    """The built-in corpus at its defaults (synthetic, 1,000 words)."""
    return load_dataset(Config())


def fitted(name: str, dataset: Dataset, seed: int = 0):
    return initial_model(Config(model=name, seed=seed), dataset)


def rows(dataset: Dataset, model, first: int, count: int):
    X = dataset.X_train
    for k in range(first, first + count):
        lo, hi = X.indptr[k], X.indptr[k + 1]
        yield model.sample(X.indices[lo:hi]), int(dataset.y_train[k])


def test_the_registry_and_the_config_name_the_same_families():
    assert tuple(MODELS) == CONFIG_MODELS


@pytest.mark.parametrize("name", FAMILIES)
def test_the_same_seed_gives_the_same_model(name, corpus):
    n = initial_training_size(Config(), corpus)
    family = MODELS[name]
    a = family.fit(corpus.X_train[:n], corpus.y_train[:n], num_classes=2, seed=3,
                   params=Config(model=name).model_parameters())
    b = family.fit(corpus.X_train[:n], corpus.y_train[:n], num_classes=2, seed=3,
                   params=Config(model=name).model_parameters())
    assert a.state() == b.state()
    assert a.family == name


@pytest.mark.parametrize("name", FAMILIES)
def test_state_is_plain_integers(name, corpus):
    state = fitted(name, corpus).state()
    assert state and all(type(v) is int for v in state)


@pytest.mark.parametrize("name", FAMILIES)
def test_an_update_never_moves_the_model_away_from_the_label(name, corpus):
    """The label's margin (score, probability) after learning (x, y) is at least what it was before,
    for true and for flipped labels, over a stream of real samples."""
    model = fitted(name, corpus)
    rng = np.random.default_rng(1)
    for x, y in rows(corpus, model, 5000, 300):
        label = y if rng.random() < 0.5 else 1 - y
        before = model.margin(x, label)
        model.update(x, label)
        assert model.margin(x, label) >= before


@pytest.mark.parametrize("name", FAMILIES)
def test_the_margin_is_negative_exactly_for_a_label_the_model_does_not_predict(name, corpus):
    """What `quality_priced` prices: a label the model predicts has a margin >= 0, any other < 0
    (a tie goes to the predicted class, which may then share a margin of 0)."""
    model = fitted(name, corpus)
    for x, _ in rows(corpus, model, 7000, 200):
        predicted = model.predict(x)
        assert model.margin(x, predicted) >= 0
        assert all(model.margin(x, other) <= 0 for other in range(2) if other != predicted)
        assert any(model.margin(x, other) < 0 for other in range(2) if other != predicted) or \
            model.margin(x, predicted) == 0


@pytest.mark.parametrize("name", FAMILIES)
def test_batched_predictions_equal_one_by_one(name, corpus):
    model = fitted(name, corpus)
    for x, y in rows(corpus, model, 6000, 50):
        model.update(x, 1 - y)                       # a model that learnt on chain too
    picked = np.arange(100, 400, 3)
    singles = [model.predict(x) for x, _ in rows(corpus, model, 100, 300)][::3]
    assert model.predict_many(corpus.X_train[picked]).tolist() == singles
    assert model.predict_many(SparseRows(corpus.X_train, picked)).tolist() == singles
    assert model.predict_many(corpus.X_train[:0]).tolist() == []


@pytest.mark.parametrize("name", FAMILIES)
def test_a_copy_is_independent(name, corpus):
    model = fitted(name, corpus)
    state = model.state()
    twin = model.copy()
    assert twin.state() == state
    for x, y in rows(corpus, twin, 7000, 40):
        twin.update(x, 1 - y)
    assert model.state() == state
    assert twin.state() != state


@pytest.mark.parametrize("name", FAMILIES)
def test_the_off_chain_fit_is_well_above_chance_on_the_built_in_corpus(name, corpus):
    accuracy = fitted(name, corpus).evaluate(corpus.X_test, corpus.y_test)
    assert accuracy > 0.6, f"{name}: {accuracy:.3f}"       # chance is 0.5 (balanced classes)


@pytest.mark.parametrize("name", FAMILIES)
def test_a_short_default_simulation_runs_with_no_refused_call(name):
    run = simulate(Config(model=name, max_train=1500, max_test=500))
    counts = run.metrics["counts"]
    assert counts["rejections"] == {}
    assert counts["adds"] > 1000 and counts["refunds"] > 0 and counts["reports"] > 0
    assert run.trainer.model.family == name


def three_classes(seed: int = 5, n: int = 1500, width: int = 90) -> Dataset:
    """Sparse binary samples of three classes, each leaning on its own block of 30 features."""
    rng = np.random.default_rng(seed)

    def split(count: int):
        y = rng.integers(0, 3, count)
        p = np.full((count, width), 0.05)
        for c in range(3):
            p[y == c, 30 * c:30 * c + 30] += 0.2
        return sp.csr_matrix((rng.random((count, width)) < p).astype(np.int8)), y.astype(np.int64)

    X_train, y_train = split(n)
    X_test, y_test = split(n // 3)
    return Dataset("three", X_train, y_train, X_test, y_test, ("a", "b", "c"))


@pytest.mark.parametrize("name", FAMILIES)
def test_more_than_two_classes_where_the_family_allows(name):
    data = three_classes()
    config = Config(model=name, num_words=90, train_size=0.2)
    if MODELS[name].binary_only:
        with pytest.raises(DataError, match="binary"):
            initial_model(config, data)
        return
    model = initial_model(config, data)
    assert model.num_classes == 3
    assert model.evaluate(data.X_test, data.y_test) > 0.8
    run = simulate(config, dataset=data)
    assert run.metrics["counts"]["rejections"] == {} and run.metrics["counts"]["adds"] > 1000


calls = st.lists(st.tuples(st.sampled_from(("add", "add", "refund", "report", "predict")),
                           st.sampled_from(("alice", "bob")), st.integers(0, 5), st.sampled_from((0, 1, 1, 0, 2)),
                           st.sampled_from((0, 1, 10, 100)), st.sampled_from((0, 1, 600, 86_401, 800_000))),
                 max_size=25)


@pytest.mark.parametrize("name,engine", [(name, "python") for name in FAMILIES] + [(name, "evm") for name in EVM_MODELS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=calls)
def test_refused_calls_change_nothing_and_money_is_conserved(name, engine, tiny_dataset, steps):
    """Any sequence of calls on a contract with this model, on every engine it runs on: a refusal
    (underpaid, a label out of range, a claim the rules refuse) leaves balances and the model's state
    as they were, and no base unit is created or lost. On the EVM the state is read from the chain."""
    trainer = deploy(Config(num_words=tiny_dataset.num_features, model=name, engine=engine), tiny_dataset)
    state_of = trainer.read_model if engine == "evm" else lambda: trainer.model
    for person in ("alice", "bob"):
        trainer.chain.fund(person, to_units(500))
    X = tiny_dataset.X_train
    samples = [trainer.model.sample(X.indices[X.indptr[k]:X.indptr[k + 1]]) for k in range(6)]
    added, minted = [], trainer.chain.minted
    for kind, who, k, y, coins, wait in steps:
        trainer.chain.advance(wait)
        balances, state = trainer.chain.balances(), state_of().state()
        try:
            if kind == "add":
                added.append((k, y, trainer.add_data(who, samples[k], y, to_units(coins)).added_time, who))
            elif kind == "refund" and added:
                k, y, time, author = added[coins % len(added)]
                trainer.refund(who, samples[k], y, time)
            elif kind == "report" and added:
                k, y, time, author = added[coins % len(added)]
                trainer.report(who, samples[k], y, time, author)
            elif kind == "predict":
                trainer.predict(samples[k], sender=who, value=to_units(coins))
        except Rejected:
            assert trainer.chain.balances() == balances and state_of().state() == state
        held = trainer.chain.balances()
        held.setdefault(trainer.address, trainer.chain.balance_of(trainer.address))   # the EVM lists people only
        assert sum(held.values()) == minted
