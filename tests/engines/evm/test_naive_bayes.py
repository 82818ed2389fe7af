"""The Vyper naive Bayes (contracts/naive_bayes.vy, fixed_log.vy) computes exactly what the Python model does.

A harness contract exposes the module's internal functions; hypothesis drives both with the same
initial counts and updates and checks after every step that every class's score (the integer
log2 sums), the prediction and the counts are equal; the integer log2 is checked on its own over
the whole input range.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain.models.fixedpoint import log2_fixed
from sumchain.models.naive_bayes import NaiveBayes, fit_naive_bayes
from tests.engines.evm.harness import Deployed, compile_harness

HARNESS = """# pragma version 0.4.3
import naive_bayes
import fixed_log
initializes: naive_bayes

@deploy
def __init__(num_features: uint256, num_classes: uint256, smoothing_units: int256):
    naive_bayes.__init__(num_features, 1024, num_classes, smoothing_units, 0)

@external
def set_counts(label: uint256, samples: int256, indices: DynArray[uint256, 1024], values: DynArray[int256, 1024]):
    naive_bayes.set_state(label, indices, values)
    naive_bayes.set_state(naive_bayes.num_classes, [label], [samples])

@external
def update(x: DynArray[uint256, 1024], y: uint256) -> bool:
    return naive_bayes.update(naive_bayes.Sample(features=x), y)

@external
@view
def predict(x: DynArray[uint256, 1024]) -> uint256:
    return naive_bayes.predict(naive_bayes.Sample(features=x))

@external
@view
def score(x: DynArray[uint256, 1024], c: uint256) -> int256:
    return naive_bayes.score(naive_bayes.Sample(features=x), c)

@external
@view
def log2(v: uint256) -> int256:
    return fixed_log.log2_fixed(v)

@external
@view
def class_state(c: uint256) -> (uint256, uint256):
    return naive_bayes.class_samples[c], naive_bayes.totals[c]
"""

WIDTH, CLASSES = 20, 3


@pytest.fixture(scope="module")
def harness():
    pytest.importorskip("vyper")
    return compile_harness("naive_bayes_harness", HARNESS)


@pytest.fixture(scope="module")
def deployed_once(harness) -> Deployed:
    return Deployed(harness, 5, 2, 1000)


def check_alike(contract: Deployed, model: NaiveBayes, x: list[int]) -> None:
    sample = np.array(x, dtype=np.int64)
    assert [contract.read("score", x, c)[0] for c in range(model.num_classes)] == model.scores(sample).tolist()
    assert contract.read("predict", x)[0] == model.predict(sample)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.integers(1, 5000), st.integers(1, (1 << 62) - 1)))
def test_the_integer_log2_is_the_same_on_the_evm(deployed_once, v):
    assert deployed_once.read("log2", v)[0] == log2_fixed(v)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(smoothing=st.sampled_from([1, 250, 1000, 3000]),
       start=st.lists(st.lists(st.integers(0, 40), min_size=WIDTH, max_size=WIDTH), min_size=CLASSES,
                      max_size=CLASSES),
       samples=st.lists(st.integers(0, 30), min_size=CLASSES, max_size=CLASSES),
       stream=st.lists(st.tuples(st.lists(st.integers(0, WIDTH - 1), max_size=8, unique=True),
                                 st.integers(0, CLASSES - 1)), min_size=1, max_size=12))
def test_the_contract_and_the_python_model_agree_after_every_update(harness, smoothing, start, samples, stream):
    model = NaiveBayes(WIDTH, CLASSES, smoothing, np.array(start), np.array(samples))
    contract = Deployed(harness, WIDTH, CLASSES, smoothing)
    for label in range(CLASSES):
        nonzero = [i for i in range(WIDTH) if start[label][i]]
        contract.send("set_counts", label, samples[label], nonzero, [start[label][i] for i in nonzero])
    for x, y in stream:
        x = sorted(x)
        check_alike(contract, model, x)
        contract.send("update", x, y)
        model.update(np.array(x, dtype=np.int64), y)
        check_alike(contract, model, x)
        assert [contract.read("class_state", c) for c in range(CLASSES)] == \
            [(int(model.class_samples[c]), int(model.totals[c])) for c in range(CLASSES)]


def test_a_fitted_model_on_real_rows_predicts_alike(harness, tiny_dataset):
    X, y = tiny_dataset.X_train[:400], tiny_dataset.y_train[:400]
    model = fit_naive_bayes(X[:300], y[:300], num_classes=2)
    contract = Deployed(harness, tiny_dataset.num_features, 2, model.smoothing_units)
    for label in range(2):
        nonzero = np.flatnonzero(model.counts[label])
        contract.send("set_counts", label, int(model.class_samples[label]), nonzero.tolist(),
                      model.counts[label, nonzero].tolist())
    for k in range(300, 400):
        x = X.indices[X.indptr[k]:X.indptr[k + 1]].tolist()
        check_alike(contract, model, x)
        contract.send("update", x, 1 - int(y[k]))
        model.update(np.array(x), 1 - int(y[k]))
