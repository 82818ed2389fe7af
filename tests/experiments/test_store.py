"""The results store: atomic, resumable, no duplicates; time series survive a killed sweep."""

from __future__ import annotations

import pandas as pd
import pytest

from sumchain import Config
from sumchain.errors import DataError
from sumchain.experiments.runner import Outcome, base_row, run_all
from sumchain.experiments.store import RESULTS, ResultStore, read_results, read_timeseries


def configs(n: int) -> list[Config]:
    return [Config.from_overrides({"num_words": 100 + i, "max_train": 50}) for i in range(n)]


def fake_outcome(config: Config, status: str = "ok") -> Outcome:
    row = base_row(config, status, 0.01, None if status == "ok" else "boom")
    series = pd.DataFrame({"time_s": [0, 3600], "accuracy": [0.5, 0.6]}) if status == "ok" else None
    return Outcome({**row, "final_accuracy": 0.6 if status == "ok" else None}, series)


def test_rows_persist_and_resume_skips_ok_runs_only(tmp_path):
    first, second, third = configs(3)
    with ResultStore(tmp_path) as store:
        store.add(**vars(fake_outcome(first)))
        store.add(**vars(fake_outcome(second, "error")))
    reopened = ResultStore(tmp_path)
    assert [c.digest() for c in reopened.pending([first, second, third, third])] == [second.digest(), third.digest()]
    reopened.add(**vars(fake_outcome(second)))      # a rerun replaces the failed row
    table = read_results(tmp_path)
    assert len(table) == 2 and table["config_hash"].is_unique and set(table["status"]) == {"ok"}
    assert list(table.columns[:5]) == ["config_hash", "status", "error", "wall_s", "seed"]
    assert len(pd.read_csv(tmp_path / "results.csv")) == 2


def test_timeseries_parts_are_folded_keyed_by_hash(tmp_path):
    a, b = configs(2)
    store = ResultStore(tmp_path)
    store.add(**vars(fake_outcome(a)))
    # before close (as after a kill), the series are already readable from their parts
    assert set(read_timeseries(tmp_path)["config_hash"]) == {a.digest()}
    store.close()
    store = ResultStore(tmp_path)
    store.add(**vars(fake_outcome(b)))
    store.add(**vars(fake_outcome(a)))       # rerun: its series replaces the old one
    store.close()
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert series.groupby("config_hash").size().to_dict() == {a.digest(): 2, b.digest(): 2}
    assert not list((tmp_path / ".timeseries-parts").glob("*"))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unreadable_results_table_is_a_data_error(tmp_path):
    (tmp_path / RESULTS).write_bytes(b"not parquet")
    with pytest.raises(DataError, match="results.parquet"):
        ResultStore(tmp_path)


class InterruptingExecutor:
    """Finishes `n` runs, then behaves like Ctrl-C; records what it was asked to run."""

    def __init__(self, n: int | None):
        self.n, self.asked = n, []

    def map_runs(self, todo):
        self.asked = [c.digest() for c in todo]
        for i, config in enumerate(todo):
            if i == self.n:
                raise KeyboardInterrupt
            yield fake_outcome(config)


def test_interrupt_keeps_finished_runs_and_the_rerun_does_only_the_rest(tmp_path):
    todo = configs(5)
    with pytest.raises(KeyboardInterrupt):
        run_all(todo, ResultStore(tmp_path), InterruptingExecutor(2), progress=False)
    assert len(read_results(tmp_path)) == 2
    assert len(read_timeseries(tmp_path)) == 4 and (tmp_path / "timeseries.parquet").exists()
    executor = InterruptingExecutor(None)
    summary = run_all(todo, ResultStore(tmp_path), executor, progress=False)
    assert executor.asked == [c.digest() for c in todo[2:]]
    assert (summary.total, summary.skipped, summary.ran, summary.failed) == (5, 2, 3, 0)
    table = read_results(tmp_path)
    assert sorted(table["config_hash"]) == sorted(c.digest() for c in todo)
