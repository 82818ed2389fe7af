"""Shared fixtures: a small labelled dataset with real signal, and deployed contracts on every engine."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sumchain.config import Config
from sumchain.data import Dataset
from sumchain.engines import ENGINES

MECHANISM_NAMES = ("stakeable", "points")
ENGINE_NAMES = tuple(name for name in ENGINES if name != "rpc")
"""Engines the contract tests run on. `rpc` runs the same bytecode and trainer as `evm` on a node:
it is checked by the backend conformance suite and its own parity tests (tests/engines/*rpc*)."""


def make_dataset(n_train: int = 3000, n_test: int = 1000, width: int = 200, seed: int = 7) -> Dataset:
    """Sparse binary reviews where the first 20 features lean positive and the next 20 negative."""
    rng = np.random.default_rng(seed)

    def split(n: int):
        y = rng.integers(0, 2, n)
        p = np.full((n, width), 0.05)
        p[:, :20] += np.where(y[:, None] == 1, 0.15, 0.0)
        p[:, 20:40] += np.where(y[:, None] == 0, 0.15, 0.0)
        return sp.csr_matrix((rng.random((n, width)) < p).astype(np.int8)), y.astype(np.int64)

    X_train, y_train = split(n_train)
    X_test, y_test = split(n_test)
    return Dataset("tiny", X_train, y_train, X_test, y_test)


SLOW_FIXTURES = {"dev_node", "web_node", "browser", "research_runs"}
"""Fixtures that start a real outside component (a node, a browser) or build real outputs with many
runs (`research_runs`): a test using one, directly or through another fixture, is in the slow tier. `pytest -m "not slow"` is the quick tier for local work."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tiny_dataset() -> Dataset:
    return make_dataset()


@pytest.fixture(params=ENGINE_NAMES)
def engine(request) -> str:
    return request.param


@pytest.fixture(params=MECHANISM_NAMES)
def mechanism(request) -> str:
    return request.param


@pytest.fixture
def small_config() -> Config:
    return Config(num_words=200)


@pytest.fixture(scope="session")
def dev_node():
    """A real Hardhat node on a free 127.0.0.1 port for the whole session (one per xdist worker).

    Installed from npm on first use into the cache (see sumchain.engines.rpc.devnode); a missing
    Node.js or npm is an error, never a skip: CI must run the rpc tests.
    """
    from sumchain.engines.rpc.devnode import start_dev_node

    node = start_dev_node()
    yield node
    node.stop()


@pytest.fixture
def rpc_url(dev_node) -> str:
    return dev_node.url
