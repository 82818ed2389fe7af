"""Running configs: one in a worker (`run_one`), many through an executor into a store (`run_all`).

`run_one` is what executors ship to their workers. It loads each dataset once per worker process
(a small module-level cache keyed by `sumchain.data.data_key`), simulates, and turns the run into
a flat result row. Any exception becomes a row with status "error" and a one-line message, so
one bad config never stops a sweep.
"""

from __future__ import annotations

import math
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pandas as pd
from tqdm.auto import tqdm

from sumchain.config import Config, flatten
from sumchain.data import Dataset, data_key, load_dataset, prepare_data
from sumchain.experiments.grid import unique_configs
from sumchain.experiments.store import ERROR, OK, ResultStore

DATASET_CACHE_SIZE = 12
"""Datasets kept per worker: the study's sweeps use 11 distinct datasets (one per num_words), so a
worker loads each once whatever order runs come in (about 25 MB each on the built-in corpus)."""

_DATASETS: "OrderedDict[tuple, Dataset]" = OrderedDict()


@dataclass
class Outcome:
    """What a worker sends back: the result row and the run's time series (None on error)."""

    row: dict[str, Any]
    timeseries: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.row["status"] == OK


def dataset_for(config: Config) -> Dataset:
    """The config's dataset, loaded at most once per process while it stays in the small cache."""
    key = data_key(config)
    if key in _DATASETS:
        _DATASETS.move_to_end(key)
        return _DATASETS[key]
    dataset = load_dataset(config)
    _DATASETS[key] = dataset
    while len(_DATASETS) > DATASET_CACHE_SIZE:
        _DATASETS.popitem(last=False)
    return dataset


def run_one(config: Config) -> Outcome:
    """Simulate one config; never raises for a failing run (KeyboardInterrupt still does)."""
    from sumchain.sim import simulate

    started = time.perf_counter()
    try:
        run = simulate(config, dataset=dataset_for(config))
    except Exception as error:
        return error_outcome(config, error, time.perf_counter() - started)
    row = base_row(config, OK, time.perf_counter() - started)
    row.update(metric_columns(run.metrics))
    return Outcome(row, run.timeseries)


def base_row(config: Config, status: str, wall_s: float, error: str | None = None) -> dict[str, Any]:
    return {"config_hash": config.digest(), "status": status, "error": error, "wall_s": wall_s,
            **config.flat()}


def error_outcome(config: Config, error: BaseException, wall_s: float = math.nan) -> Outcome:
    message = " ".join(f"{type(error).__name__}: {error}".split())
    return Outcome(base_row(config, ERROR, wall_s, message))


def metric_columns(metrics: dict[str, Any]) -> dict[str, Any]:
    """Nested metrics as dotted columns (`balance_pct.Good`, `counts.adds`); None stays None."""
    return flatten(metrics)


# -- many runs --------------------------------------------------------------------------------

@dataclass
class SweepSummary:
    total: int          # distinct configs asked for
    skipped: int        # already stored with status ok
    ran: int            # executed now
    failed: int         # executed now and failed


def run_all(configs: Iterable[Config], store: ResultStore, executor, progress: bool = True) -> SweepSummary:
    """Run every config not yet stored as ok, storing each row as it completes.

    The data is checked before the store's folder is created or locked, so missing data leaves
    nothing behind. On KeyboardInterrupt the finished runs are already saved; the store is closed
    (time series folded, lock released) and the interrupt propagates so the command line can exit
    with 130.
    """
    configs = unique_configs(configs)
    for config in {(c.dataset, c.data_path): c for c in store.pending(configs)}.values():
        prepare_data(config)
    store.open()
    try:
        todo = longest_first(store.pending(configs))
    except BaseException:
        store.close()
        raise
    summary = SweepSummary(total=len(configs), skipped=len(configs) - len(todo), ran=0, failed=0)
    bar = tqdm(total=len(todo), desc="runs", unit="run", file=sys.stderr, disable=not progress or not todo,
               dynamic_ncols=True)
    try:
        if todo:
            for outcome in executor.map_runs(todo):
                store.add(outcome.row, outcome.timeseries)
                summary.ran += 1
                summary.failed += not outcome.ok
                bar.set_postfix(done=summary.ran - summary.failed, failed=summary.failed, refresh=False)
                bar.update(1)
    finally:
        bar.close()
        store.close()
    return summary


def longest_first(configs: Sequence[Config]) -> list[Config]:
    """The configs ordered by estimated run time, longest first (ties keep their order).

    Why: with runs handed out as workers free up, a long run started last keeps one worker busy
    while the others idle; started first, it overlaps the short ones.
    """
    return sorted(configs, key=estimated_cost, reverse=True)


def estimated_cost(config: Config) -> float:
    """A relative estimate of a run's time: one agent turn per pooled sample, each walking the
    contributions still waiting for their refund window (submissions per second x that window)."""
    train = config.max_train if config.max_train is not None else 25_000
    pool = (1.0 - config.train_size) * train
    submissions_per_s = sum(a.count / max(1.0, a.mean_update_wait_s) for a in config.agents)
    waiting = config.refund_wait_s * submissions_per_s
    return pool * (1.0 + waiting / 200.0)


def run_serially(configs: Sequence[Config]):
    """In-process execution, one after another: the reference every executor must match."""
    for config in configs:
        yield run_one(config)
