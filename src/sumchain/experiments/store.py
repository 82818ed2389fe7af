"""The results store of a sweep folder: a tidy table of runs and their time series, resumable.

Files in the folder:
- `results.parquet` and `results.csv`: one row per run (config hash), every resolved parameter,
  the seed, the flattened metrics, `wall_s`, `status` ("ok" or "error") and `error`. Rewritten
  atomically after every finished run, so an interrupted sweep loses at most the runs in flight.
- `timeseries.parquet`: every run's time series with a `config_hash` column. While a sweep runs,
  each finished run's series goes to its own file under `.timeseries-parts/` (cheap, atomic);
  `close()` folds the parts into `timeseries.parquet`. Parts left by a killed sweep are folded in
  by the next one, so nothing is lost.

Rerunning a sweep skips every config whose hash already has status "ok"; failed runs run again.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from sumchain.config import Config
from sumchain.errors import DataError
from sumchain.files import write_atomically

RESULTS = "results.parquet"
RESULTS_CSV = "results.csv"
TIMESERIES = "timeseries.parquet"
PARTS = ".timeseries-parts"
FIRST_COLUMNS = ("config_hash", "status", "error", "wall_s", "seed")
OK, ERROR = "ok", "error"


def read_results(out: str | Path) -> pd.DataFrame:
    """The stored results table of a sweep folder (empty if there is none yet)."""
    path = Path(out) / RESULTS
    if not path.exists():
        return pd.DataFrame(columns=list(FIRST_COLUMNS))
    try:
        return pd.read_parquet(path)
    except Exception as error:   # pyarrow raises several types for a damaged file
        raise DataError(f"results table '{path}' is not readable Parquet ({type(error).__name__}); "
                        f"move it away to start the sweep afresh") from None


def read_timeseries(out: str | Path) -> pd.DataFrame:
    """All stored time series of a sweep folder, folded parts included, keyed by `config_hash`."""
    out = Path(out)
    frames = [pd.read_parquet(out / TIMESERIES)] if (out / TIMESERIES).exists() else []
    frames += [pd.read_parquet(part) for part in sorted((out / PARTS).glob("*.parquet"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["config_hash"])


class ResultStore:
    """The results of one sweep folder: read on open, updated run by run, closed to fold series."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, dict] = {str(row["config_hash"]): row
                                       for row in read_results(self.out).to_dict("records")}

    # -- reading ---------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return _ordered(pd.DataFrame(list(self._rows.values())))

    def status_of(self, config_hash: str) -> str | None:
        row = self._rows.get(config_hash)
        return None if row is None else row.get("status")

    def pending(self, configs: Iterable[Config]) -> list[Config]:
        """The configs still to run: distinct, without a stored "ok" row."""
        todo: dict[str, Config] = {}
        for config in configs:
            digest = config.digest()
            if self.status_of(digest) != OK:
                todo.setdefault(digest, config)
        return list(todo.values())

    # -- writing ---------------------------------------------------------------------------
    def add(self, row: dict[str, Any], timeseries: pd.DataFrame | None = None) -> None:
        """Store one finished run (replacing an earlier row of the same config) and save."""
        digest = str(row["config_hash"])
        if timeseries is not None and len(timeseries):
            part = self.out / PARTS / f"{digest}.parquet"
            write_atomically(part, lambda temp: timeseries.assign(config_hash=digest).to_parquet(temp, index=False))
        self._rows[digest] = row
        self.save()

    def save(self) -> None:
        frame = self.frame
        write_atomically(self.out / RESULTS, lambda temp: frame.to_parquet(temp, index=False))
        write_atomically(self.out / RESULTS_CSV, lambda temp: frame.to_csv(temp, index=False))

    def close(self) -> None:
        """Fold the per-run time series parts into `timeseries.parquet`, newest part winning."""
        parts = sorted((self.out / PARTS).glob("*.parquet"))
        if not parts:
            return
        new = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        path = self.out / TIMESERIES
        if path.exists():
            old = pd.read_parquet(path)
            new = pd.concat([old[~old["config_hash"].isin(set(new["config_hash"]))], new], ignore_index=True)
        write_atomically(path, lambda temp: new.to_parquet(temp, index=False))
        for part in parts:
            part.unlink(missing_ok=True)
        with contextlib.suppress(OSError):     # another writer may have added a part meanwhile
            (self.out / PARTS).rmdir()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in FIRST_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]
