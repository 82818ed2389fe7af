"""Experiments: sweeps over configurations, run on swappable executors into a resumable store.

Layering: this package builds on `config`, `data` and `sim`; `report` and `cli` build on it.
- `grid`: which configs a sweep runs (grid or one factor at a time), as plain data.
- `runner`: one config to one result row (in a worker), many through an executor into a store.
- `executors`: where runs execute (a local process pool, or Dask distributed).
- `store`: the tidy results table and time series on disk, written atomically, resumable.
- `stats`: means with confidence intervals, rank correlations, effect sizes.
- `study`: the study's sweeps and its findings, judged against our measurements.
"""

from sumchain.experiments.grid import Axis, Point, grid, ofat, unique_configs
from sumchain.experiments.store import ResultStore

__all__ = ["Axis", "Point", "grid", "ofat", "unique_configs", "ResultStore"]
