"""Engines run the same contract rules; each presents the trainer's public functions.

`deploy(config)` is the one way to get a contract: it trains the initial model off chain on the
first `train_size` portion of the training data and deploys it with the configured mechanism, on a
chain that starts from the genesis of the config and the data (`run_genesis`).
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any, Callable, Mapping

from sumchain.config import Config, as_config
from sumchain.contract import Trainer
from sumchain.data import Dataset, load_dataset
from sumchain.data.fingerprint import dataset_fingerprint, file_fingerprint
from sumchain.errors import ConfigError
from sumchain.ledger.genesis import genesis_evidence
from sumchain.models import MODELS, SCALE, Model

ENGINES = {"python": "deploy_python", "evm": "deploy_evm", "rpc": "deploy_rpc"}
"""Each engine's package and its deploy function, imported when first used: the rpc engine needs
web3 (2-3 s to import) and the evm engine pyrevm, which a python-engine run never touches."""


def deployer(engine: str) -> Callable[[Config, Model], Trainer]:
    """The engine's deploy function (its package imported on first use)."""
    if engine not in ENGINES:
        raise ConfigError(f"config key 'engine' = {engine!r} is not allowed; choose one of: {', '.join(ENGINES)}")
    return getattr(importlib.import_module(f"sumchain.engines.{engine}"), ENGINES[engine])


def initial_training_size(config: Config, dataset: Dataset) -> int:
    """How many of the first training samples the model sees off chain before deployment."""
    return max(1, int(config.train_size * dataset.X_train.shape[0]))


_INITIAL_MODELS: dict[tuple, tuple[Dataset, Model]] = {}


def initial_model(config: Config, dataset: Dataset) -> Model:
    """The configured model trained off chain on the first samples; a fresh copy for every deployment.

    Cached per process for the dataset object, size, seed, model and its parameters: the runs of a
    sweep that differ only in agents or rules deploy the same initial model, trained once per worker.
    """
    n = initial_training_size(config, dataset)
    step = max(1, round(config.learning_rate * SCALE))
    params = config.model_parameters()
    key = (id(dataset), n, config.seed, step, config.model, tuple(sorted(params.items())))
    cached = _INITIAL_MODELS.get(key)
    if cached is None or cached[0] is not dataset:
        if len(_INITIAL_MODELS) > 64:
            _INITIAL_MODELS.clear()
        model = MODELS[config.model].fit(dataset.X_train[:n], dataset.y_train[:n], num_classes=dataset.num_classes,
                                         seed=config.seed, step=step, params=params)
        cached = _INITIAL_MODELS[key] = (dataset, model)
    return cached[1].copy()


def check_scores_fit(config: Config, dataset: Dataset) -> None:
    """Refuse a step (`learning_rate`, `logistic_regression.eta0`) that could carry a score past int64
    over this run on this data, before anything is trained.

    For the families whose weights grow by a step per update (their `score_growth` says how, from
    the initial training size, the number of updates and the rows): the run updates at most once per
    pool sample, and a prediction market replays its contributions at most once per round, a round
    per contribution and one more. int64 is what the Python side of every engine holds (the
    contract's int256 holds more)."""
    from sumchain.config import MAX_INT64
    from sumchain.models.protocol import as_csr

    growth_of = MODELS[config.model].score_growth
    if growth_of is None:
        return
    n = initial_training_size(config, dataset)
    pool = max(0, dataset.X_train.shape[0] - n)
    updates = pool * (pool + 2) if config.incentive == "prediction_market" else pool
    rows = [as_csr(X) for X in (dataset.X_train, dataset.X_test) if X.shape[0]]
    g = growth_of(config, rows, n, updates)
    step = max(1, round(g.current * g.units))
    if g.fixed + g.per_step * step <= MAX_INT64:
        return
    limit = (MAX_INT64 - g.fixed) / g.per_step / g.units if g.per_step else math.inf
    allowed = (f"at most {limit:.4g}" if limit >= 1 / g.units else
               "no value fits: give fewer samples (max_train) or fewer features (num_words)")
    raise ConfigError(f"config key '{g.key}' = {g.current!r} is not allowed with this data; {allowed} ({updates:,} "
                      f"updates of rows of up to {g.widest:,.0f} feature units could carry a score past 2**63, the "
                      f"int64 the engines hold)")


def check_classes_fit(config: Config, dataset: Dataset) -> None:
    """Refuse data with more classes than the family's contract holds on a chain engine (its
    compiled `MAX_CLASSES`), before anything is trained or deployed. Binary families refuse other
    labels themselves, naming the labels."""
    family = MODELS[config.model]
    limit = family.max_classes(config.engine)
    if family.binary_only or limit is None or dataset.num_classes <= limit:
        return
    raise ConfigError(f"config key 'model' = {config.model!r} is not allowed with this data on engine={config.engine}; "
                      f"its contract holds at most {limit} classes and the data has {dataset.num_classes} "
                      f"(merge labels, or use engine=python)")


def deploy(config: Config | Mapping[str, Any] | None = None, dataset: Dataset | None = None) -> Trainer:
    """A fresh chain with the trainer, its mechanism and a model initialised from the dataset."""
    config = as_config(config)
    deploy_engine = deployer(config.engine)
    dataset = dataset if dataset is not None else load_dataset(config)
    check_classes_fit(config, dataset)
    check_scores_fit(config, dataset)
    contract = deploy_engine(config, initial_model(config, dataset))
    contract.chain.start_from(lambda: run_genesis(config, dataset))
    return contract


def run_genesis(config: Config, dataset: Dataset) -> dict[str, Any]:
    """The genesis evidence of a run: its whole config, and the fingerprints of the dataset it loaded
    and (for `text`/`csv` data) of the data file as read from disk."""
    data = {"dataset_sha256": dataset_fingerprint(dataset)}
    if config.data_path:
        data["sha256"] = file_fingerprint(Path(config.data_path).expanduser())
    return genesis_evidence(config.to_dict(), data)


__all__ = ["ENGINES", "check_classes_fit", "check_scores_fit", "deploy", "deployer", "initial_model", "initial_training_size",
           "run_genesis"]
