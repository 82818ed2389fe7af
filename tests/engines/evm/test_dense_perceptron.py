"""The Vyper dense perceptron (contracts/dense_perceptron.vy) computes exactly what the Python model does.

A harness contract exposes the module's internal functions; hypothesis drives both with the same
initial weights and the same dense samples (signed values, steps that divide with a remainder) and
checks after every step that the prediction, the weights and the intercept are equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain.models.dense_perceptron import DensePerceptron
from sumchain.models.protocol import MAX_DENSE_UNITS
from tests.engines.evm.harness import Deployed, compile_harness

HARNESS = """# pragma version 0.4.3
import dense_perceptron
initializes: dense_perceptron

@deploy
def __init__(num_features: uint256, learning_rate: int256, intercept: int256):
    dense_perceptron.__init__(num_features, learning_rate, intercept)

@external
def set_weights(first: uint256, values: DynArray[int256, 4096]):
    dense_perceptron.set_weights(first, values)

@external
def update(x: DynArray[int256, 4096], y: uint256) -> bool:
    dense_perceptron.check(x)
    return dense_perceptron.update(x, y)

@external
@view
def predict(x: DynArray[int256, 4096]) -> uint256:
    dense_perceptron.check(x)
    return dense_perceptron.predict(x)

@external
@view
def state() -> (int256, DynArray[int256, 4096]):
    out: DynArray[int256, 4096] = []
    for i: uint256 in range(dense_perceptron.num_features, bound=4096):
        out.append(dense_perceptron.weights[i])
    return dense_perceptron.intercept, out
"""

WIDTH = 12
VALUES = st.one_of(st.just(0), st.integers(-MAX_DENSE_UNITS, MAX_DENSE_UNITS), st.sampled_from([1000, -1000, 7, -7]))


@pytest.fixture(scope="module")
def harness():
    pytest.importorskip("vyper")
    return compile_harness("dense_perceptron_harness", HARNESS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weights=st.lists(st.integers(-10**6, 10**6), min_size=WIDTH, max_size=WIDTH),
       intercept=st.integers(-10**5, 10**5), learning_rate=st.sampled_from([1, 20, 333, 1000]),
       stream=st.lists(st.tuples(st.lists(VALUES, min_size=WIDTH, max_size=WIDTH), st.integers(0, 1)),
                       min_size=1, max_size=12))
def test_the_contract_and_the_python_model_agree_after_every_update(harness, weights, intercept, learning_rate,
                                                                    stream):
    model = DensePerceptron(WIDTH, learning_rate, np.array(weights), intercept)
    contract = Deployed(harness, WIDTH, learning_rate, intercept)
    contract.send("set_weights", 0, weights)
    for x, y in stream:
        assert contract.read("predict", x)[0] == model.predict(np.array(x, dtype=np.int64))
        contract.send("update", x, y)
        model.update(np.array(x, dtype=np.int64), y)
        intercept_now, weights_now = contract.read("state")
        assert (intercept_now, list(weights_now)) == (model.intercept, model.weights.tolist())


def test_a_sample_of_the_wrong_width_or_beyond_the_bound_is_refused(harness):
    contract = Deployed(harness, WIDTH, 20, 0)
    for x in ([0] * (WIDTH - 1), [MAX_DENSE_UNITS + 1] + [0] * (WIDTH - 1)):
        outcome = contract.backend.call(contract.address, contract.functions["predict"].calldata(x))
        assert not outcome.success
