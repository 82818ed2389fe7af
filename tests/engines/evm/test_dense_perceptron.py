"""The Vyper dense perceptron (contracts/dense_perceptron.vy) computes exactly what the Python model does.

A harness contract exposes the module's internal functions; hypothesis drives both with the same
initial weights and the same dense samples (packed as the trainer takes them, dense_sample.vy) (signed values, steps that divide with a remainder) and
checks after every step that the prediction, the weights and the intercept are equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain.engines.evm.abi import pack_dense
from sumchain.models.dense_perceptron import DensePerceptron
from sumchain.models.protocol import MAX_DENSE_UNITS
from tests.engines.evm.harness import Deployed, compile_harness

HARNESS = """# pragma version 0.4.3
import dense_perceptron
initializes: dense_perceptron

@deploy
def __init__(num_features: uint256, learning_rate: int256, intercept: int256):
    dense_perceptron.__init__(num_features, 1024, 2, learning_rate, intercept)

@external
def set_weights(first: uint256, values: DynArray[int256, 1024]):
    indices: DynArray[uint256, 1024] = []
    for i: uint256 in range(len(values), bound=1024):
        indices.append(first + i)
    dense_perceptron.set_state(0, indices, values)

@external
def update(packed: DynArray[uint256, 128], y: uint256) -> bool:
    return dense_perceptron.update(dense_perceptron.unpack(packed), y)

@external
@view
def predict(packed: DynArray[uint256, 128]) -> uint256:
    return dense_perceptron.predict(dense_perceptron.unpack(packed))

@external
@view
def state() -> (int256, DynArray[int256, 1024]):
    return dense_perceptron.state_from(1, 0, 1)[0], dense_perceptron.state_from(0, 0, 1024)
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
        assert contract.read("predict", pack_dense(np.array(x)))[0] == model.predict(np.array(x, dtype=np.int64))
        contract.send("update", pack_dense(np.array(x)), y)
        model.update(np.array(x, dtype=np.int64), y)
        intercept_now, weights_now = contract.read("state")
        assert (intercept_now, list(weights_now)) == (model.intercept, model.weights.tolist())


def test_a_sample_of_the_wrong_width_or_beyond_the_bound_is_refused(harness):
    """Too few words, a value after the last feature (the packed form is canonical), a value over the bound."""
    contract = Deployed(harness, WIDTH, 20, 0)
    past_the_end = [0] * WIDTH + [5]
    for x in ([0] * 8, past_the_end, [MAX_DENSE_UNITS + 1] + [0] * (WIDTH - 1)):
        outcome = contract.backend.call(contract.address, contract.functions["predict"].calldata(pack_dense(np.array(x))))
        assert not outcome.success
    assert contract.read("predict", pack_dense(np.array([MAX_DENSE_UNITS] + [0] * (WIDTH - 1))))[0] in (0, 1)
