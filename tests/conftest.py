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
