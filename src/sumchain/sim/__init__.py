"""The simulator: a population of agents (honest, malicious of several kinds, callers) on a deployed
contract, over simulated time.

`simulate(config)` deploys a fresh contract (through `sumchain.engines.deploy`), funds the agents,
runs the event loop and returns a `Run` with the study's metrics and tidy time series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from sumchain.config import Config, as_config
from sumchain.data import Dataset, load_dataset
from sumchain.data.disk_cache import cached_value, fingerprint
from sumchain.engines import deploy, initial_training_size
from sumchain.engines.protocols import ChainHandle, TrainerHandle
from sumchain.ledger.money import to_units
from sumchain.models import MODELS
from sumchain.sim.loop import Scenario, Simulation
from sumchain.sim.market import MarketScenario
from sumchain.sim.metrics import summarise

__all__ = ["Run", "SCENARIOS", "Scenario", "Simulation", "baseline_accuracy", "scenario_type", "simulate"]

SCENARIOS: dict[str, type[Scenario]] = {"prediction_market": MarketScenario}
"""The incentives whose runs have their own lifecycle; every other incentive's run is `Scenario`'s."""


def scenario_type(config: Config) -> type[Scenario]:
    """What the configured run does around the agents' turns (see `sim.loop.Scenario`)."""
    return SCENARIOS.get(config.incentive, Scenario)


@dataclass
class Run:
    """A finished run: its config, metrics (a dict), time series (one row per recorded time)."""

    config: Config
    metrics: dict[str, Any]
    timeseries: pd.DataFrame
    trainer: TrainerHandle = field(repr=False)
    end_reason: str = ""

    @property
    def chain(self) -> ChainHandle:
        return self.trainer.chain


_BASELINES: dict[tuple, tuple[Dataset, float]] = {}


def baseline_accuracy(dataset: Dataset, seed: int, config: Config | None = None) -> float:
    """Accuracy of the same off-chain procedure trained on all the clean training data.

    The procedure is the configured model family's fit (`config.model`, default the perceptron).
    Cached per process for the dataset object, seed and model (a sweep reuses one loaded dataset for
    many runs whose baseline is the same), and on disk by the data's fingerprint, the seed, the model
    and its training procedure's version, so a second `sumchain simulate` does not train it again.
    """
    config = config if config is not None else Config()
    family, params = MODELS[config.model], config.model_parameters()
    key = (id(dataset), seed, config.model, tuple(sorted(params.items())))
    cached = _BASELINES.get(key)
    if cached is not None and cached[0] is dataset:
        return cached[1]
    data = fingerprint(dataset.X_train.indptr, dataset.X_train.indices, dataset.y_train,
                       dataset.X_test.indptr, dataset.X_test.indices, dataset.y_test,
                       [dataset.X_train.shape[1]])
    disk_key = {"data": data, "seed": seed, "model": config.model, "params": params,
                "training": family.training_version}
    accuracy = cached_value("baseline-accuracy", disk_key, lambda: family.fit(
        dataset.X_train, dataset.y_train, num_classes=dataset.num_classes, seed=seed,
        params=params).evaluate(dataset.X_test, dataset.y_test))
    if len(_BASELINES) > 64:
        _BASELINES.clear()
    _BASELINES[key] = (dataset, accuracy)
    return accuracy


def simulate(config: Config | Mapping[str, Any] | None = None, *, dataset: Dataset | None = None,
             progress: bool = False) -> Run:
    """Run one simulation. `dataset` lets callers reuse data they already loaded for this config."""
    config = as_config(config)
    dataset = dataset if dataset is not None else load_dataset(config)
    trainer = deploy(config, dataset)
    first_pool_row = initial_training_size(config, dataset)
    scenario = scenario_type(config)(config, dataset, first_pool_row)
    for agent in config.agents:
        for name in agent.member_names():
            trainer.chain.fund(name, to_units(agent.start_balance))
    scenario.fund(trainer.chain)
    sim = Simulation(config, dataset, trainer, first_pool_row, progress=progress, scenario=scenario)
    sim.run()
    # Sealed, with the hashes computed when first read (run.chain.head_hash, saving, verifying):
    # a sweep that keeps only metrics does not pay for them.
    trainer.chain.close()
    initial = float(sim.rows[0]["accuracy"])
    metrics = scenario.metrics(sim, summarise(sim, initial, baseline_accuracy(dataset, config.seed, config)))
    return Run(config, metrics, pd.DataFrame(sim.rows), trainer, sim.end_reason)
