"""The Vyper nearest centroid (contracts/nearest_centroid.vy) computes exactly what the Python model does.

A harness contract exposes the module's internal functions; hypothesis drives both with the same
initial centroids and the same updates (true, flipped and any labels, signed running-mean steps) and
checks after every step that predictions, centroids, norms and sample counts are equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain.models.nearest_centroid import NearestCentroid
from tests.engines.evm.harness import Deployed, compile_harness

HARNESS = """# pragma version 0.4.3
import nearest_centroid
initializes: nearest_centroid

@deploy
def __init__(num_features: uint256, num_classes: uint256):
    nearest_centroid.__init__(num_features, 1024, num_classes, 0, 0)

@external
def set_centroid(label: uint256, samples: int256, first: uint256, values: DynArray[int256, 1024]):
    indices: DynArray[uint256, 1024] = []
    for i: uint256 in range(len(values), bound=1024):
        indices.append(first + i)
    nearest_centroid.set_state(label, indices, values)
    nearest_centroid.set_state(nearest_centroid.num_classes, [label], [samples])

@external
def update(x: DynArray[uint256, 1024], y: uint256) -> bool:
    return nearest_centroid.update(nearest_centroid.Sample(features=x), y)

@external
@view
def predict(x: DynArray[uint256, 1024]) -> uint256:
    return nearest_centroid.predict(nearest_centroid.Sample(features=x))

@external
@view
def centroid(label: uint256, first: uint256, count: uint256) -> (uint256, int256, DynArray[int256, 1024]):
    out: DynArray[int256, 1024] = []
    for i: uint256 in range(first, first + count, bound=1024):
        out.append(nearest_centroid.centroids[label][i])
    return nearest_centroid.class_samples[label], nearest_centroid.norms[label], out
"""

WIDTH, CLASSES = 24, 3


@pytest.fixture(scope="module")
def harness():
    pytest.importorskip("vyper")
    return compile_harness("nearest_centroid_harness", HARNESS)


def state_on_chain(contract: Deployed, num_features: int, num_classes: int):
    samples, norms, centroids = [], [], []
    for label in range(num_classes):
        n, norm, values = contract.read("centroid", label, 0, num_features)
        samples.append(n)
        norms.append(norm)
        centroids.append(list(values))
    return samples, norms, centroids


samples_strategy = st.lists(st.tuples(st.lists(st.integers(0, WIDTH - 1), max_size=10, unique=True),
                                      st.integers(0, CLASSES - 1)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.lists(st.lists(st.integers(0, 10 ** 6), min_size=WIDTH, max_size=WIDTH), min_size=CLASSES,
                      max_size=CLASSES),
       counts=st.lists(st.integers(0, 50), min_size=CLASSES, max_size=CLASSES), stream=samples_strategy)
def test_the_contract_and_the_python_model_agree_after_every_update(harness, start, counts, stream):
    model = NearestCentroid(WIDTH, CLASSES, centroids=np.array(start), class_samples=np.array(counts))
    contract = Deployed(harness, WIDTH, CLASSES)
    for label in range(CLASSES):
        contract.send("set_centroid", label, counts[label], 0, start[label])
    for x, y in stream:
        x = sorted(x)
        assert contract.read("predict", x)[0] == model.predict(np.array(x, dtype=np.int64))
        contract.send("update", x, y)
        model.update(np.array(x, dtype=np.int64), y)
        samples, norms, centroids = state_on_chain(contract, WIDTH, CLASSES)
        assert samples == model.class_samples.tolist()
        assert norms == model._norms.tolist()
        assert centroids == model.centroids.tolist()
        assert contract.read("predict", x)[0] == model.predict(np.array(x, dtype=np.int64))


def test_a_fitted_model_on_real_rows_predicts_alike(harness, tiny_dataset):
    from sumchain.models.nearest_centroid import fit_nearest_centroid

    X, y = tiny_dataset.X_train[:300], tiny_dataset.y_train[:300]
    model = fit_nearest_centroid(X[:200], y[:200], num_classes=2)
    width = tiny_dataset.num_features
    contract = Deployed(harness, width, 2)
    for label in range(2):
        contract.send("set_centroid", label, int(model.class_samples[label]), 0, model.centroids[label].tolist())
    for k in range(200, 300):
        x = X.indices[X.indptr[k]:X.indptr[k + 1]].tolist()
        assert contract.read("predict", x)[0] == model.predict(np.array(x))
        contract.send("update", x, 1 - int(y[k]))
        model.update(np.array(x), 1 - int(y[k]))
    assert state_on_chain(contract, width, 2) == (model.class_samples.tolist(), model._norms.tolist(),
                                                  model.centroids.tolist())
