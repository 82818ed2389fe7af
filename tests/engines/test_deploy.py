"""`engines.deploy`: a step that could carry a score past int64 over the run's data is refused before
anything is trained, and a step just within runs to the end on every engine with the same state."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import sparse

from sumchain import Config, simulate
from sumchain.components import vyper_constant
from sumchain.data import Dataset
from sumchain.engines import check_classes_fit, check_scores_fit
from sumchain.errors import ConfigError
from tests.conftest import make_dataset


@pytest.fixture(scope="module")
def small():
    return make_dataset(n_train=300, n_test=100, width=60)


@pytest.fixture(scope="module")
def valued(small):
    """The same rows with every present value 30 (as standardised columns reach): the dense family's worst."""
    scaled = [X.astype(np.float64) * 30.0 for X in (small.X_train, small.X_test)]
    return Dataset("valued", scaled[0], small.y_train, scaled[1], small.y_test)


def key_of(model: str) -> str:
    return "learning_rate" if model != "logistic_regression" else "logistic_regression.eta0"


def refused_limit(config: Config, dataset) -> tuple[float, float]:
    """(the largest step the config accepts, the largest `check_scores_fit` allows on this data)."""
    key = key_of(config.model)
    with pytest.raises(ConfigError) as static:
        Config.from_overrides({key: 1e300}, base=config)
    accepted = float(re.search(r" to (\S+) \(", str(static.value)).group(1)) * 0.99
    with pytest.raises(ConfigError) as refusal:
        check_scores_fit(Config.from_overrides({key: accepted}, base=config), dataset)
    message = str(refusal.value)
    assert "\n" not in message and f"config key '{key}' = {accepted!r} is not allowed with this data; at most " in message
    return accepted, float(re.search(r"at most (\S+) ", message).group(1))


@pytest.mark.parametrize("model", ["perceptron", "dense_perceptron", "logistic_regression"])
def test_a_step_beyond_what_the_data_allows_is_refused_and_one_within_runs(small, valued, model):
    data = valued if model == "dense_perceptron" else small
    config = Config.from_overrides({"num_words": data.num_features, "model": model})
    check_scores_fit(config, data)              # the defaults are far inside
    accepted, limit = refused_limit(config, data)
    assert limit < accepted
    check_scores_fit(Config.from_overrides({key_of(model): float(f"{limit * 0.99:.3g}")}, base=config), data)
    with pytest.raises(ConfigError, match="is not allowed with this data"):
        simulate(Config.from_overrides({key_of(model): limit * 1.01}, base=config), dataset=data)


@pytest.mark.parametrize("model", ["perceptron", "dense_perceptron"])
def test_the_largest_step_gives_the_same_model_on_python_and_evm(small, valued, model):
    data = valued if model == "dense_perceptron" else small
    config = Config.from_overrides({"num_words": data.num_features, "model": model})
    _, limit = refused_limit(config, data)
    big = Config.from_overrides({"learning_rate": float(f"{limit * 0.99:.3g}")}, base=config)
    runs = [simulate(big.replace(engine=engine), dataset=data) for engine in ("python", "evm")]
    assert runs[0].trainer.model.state() == runs[1].trainer.model.state()
    assert runs[0].metrics["counts"] == runs[1].metrics["counts"] and runs[0].metrics["counts"]["adds"] > 0
    assert max(abs(v) for v in runs[0].trainer.model.state()) > 2**32      # far beyond the default step of 20 units


@pytest.mark.parametrize("model", ["naive_bayes", "nearest_centroid", "dense_nearest_centroid"])
def test_more_classes_than_the_contract_holds_are_refused_before_deployment(model):
    limit = vyper_constant(model, "MAX_CLASSES")
    rng = np.random.default_rng(0)
    X = (rng.random((2 * (limit + 1), 8)) < 0.5).astype(np.int8)
    y = np.arange(2 * (limit + 1)) % (limit + 1)
    from scipy import sparse
    names = tuple(f"c{k}" for k in range(limit + 1))
    many = Dataset("many", sparse.csr_matrix(X), y, sparse.csr_matrix(X), y, class_names=names)
    config = Config.from_overrides({"model": model, "engine": "evm", "num_words": 8})
    with pytest.raises(ConfigError, match=f"at most {limit} classes and the data has {limit + 1}"):
        check_classes_fit(config, many)
    check_classes_fit(Config.from_overrides({"model": model, "num_words": 8}), many)    # python: no bound
    few = Dataset("few", sparse.csr_matrix(X), y % limit, sparse.csr_matrix(X), y % limit, class_names=names[:-1])
    check_classes_fit(config, few)
