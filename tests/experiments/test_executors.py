"""Executors: the same sweep gives the same rows on every backend; errors become rows; one load per worker."""

from __future__ import annotations

import pandas as pd
import pytest

from sumchain import Config
from sumchain.errors import ConfigError
from sumchain.experiments import runner
from sumchain.experiments.executors import DaskExecutor, LocalExecutor, make_executor
from sumchain.experiments.runner import run_one, run_serially

SMALL = {"max_train": 1500, "max_test": 500, "num_words": 100}
BROKEN = Config.from_overrides({"dataset": "csv", "data_path": "/nonexistent/reviews.csv", "max_train": 10})


def sweep_configs() -> list[Config]:
    configs = [Config.from_overrides({**SMALL, "cost_weight": c, "seed": s}) for c in (1, 5) for s in (0, 1)]
    return configs + [Config.from_overrides({**SMALL, "num_words": 120}), BROKEN]


def frame(outcomes) -> pd.DataFrame:
    rows = pd.DataFrame([o.row for o in outcomes]).drop(columns="wall_s")
    return rows.sort_values("config_hash").reset_index(drop=True)


@pytest.fixture(scope="module")
def serial():
    return list(run_serially(sweep_configs()))


def test_a_failing_run_is_a_row_with_its_message(serial):
    broken = [o for o in serial if o.row["config_hash"] == BROKEN.digest()]
    assert len(broken) == 1 and not broken[0].ok and broken[0].timeseries is None
    assert broken[0].row["status"] == "error" and "Error" in broken[0].row["error"]
    assert "\n" not in broken[0].row["error"]
    ok = [o for o in serial if o.ok]
    assert len(ok) == 5 and all(o.row["final_accuracy"] > 0 for o in ok)
    assert {"balance_pct.Good", "counts.adds", "agents.Bad.mean_deposit", "seed"} <= set(ok[0].row)


def test_the_dataset_is_loaded_once_per_data_key(monkeypatch):
    loads = []
    real = runner.load_dataset
    monkeypatch.setattr(runner, "load_dataset", lambda config: loads.append(config) or real(config))
    monkeypatch.setattr(runner, "_DATASETS", type(runner._DATASETS)())
    for config in sweep_configs()[:4]:      # four runs, one data key (cost_weight and seed don't change data)
        assert run_one(config).ok
    assert len(loads) == 1


@pytest.mark.slow
@pytest.mark.parametrize("make", [lambda: LocalExecutor(workers=2), lambda: DaskExecutor(workers=2)],
                         ids=["local", "dask"])
def test_backend_equality(make, serial):
    outcomes = list(make().map_runs(sweep_configs()))
    pd.testing.assert_frame_equal(frame(outcomes), frame(serial))
    by_hash = {o.row["config_hash"]: o.timeseries for o in serial}
    for outcome in outcomes:
        if outcome.ok:
            pd.testing.assert_frame_equal(outcome.timeseries, by_hash[outcome.row["config_hash"]])


def test_executor_options_are_checked():
    with pytest.raises(ConfigError, match="executor 'ray'"):
        make_executor("ray")
    with pytest.raises(ConfigError, match="--scheduler"):
        make_executor("local", scheduler="tcp://localhost:1")
    with pytest.raises(ConfigError, match="--workers"):
        make_executor("local", workers=0)
