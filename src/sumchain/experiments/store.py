"""The results store of a sweep folder: a tidy table of runs and their time series, resumable.

Files in the folder:
- `results.parquet` and `results.csv`: one row per run (config hash), every resolved parameter,
  the seed, the flattened metrics, `wall_s`, `status` ("ok" or "error") and `error`. Rewritten
  atomically after every finished run, so an interrupted sweep loses at most the runs in flight.
- `timeseries.parquet`: every run's time series with a `config_hash` column. While a sweep runs,
  each finished run's series goes to its own file under `.timeseries-parts/` (cheap, atomic);
  `close()` folds the parts into `timeseries.parquet`. Parts left by a killed sweep are folded in
  by the next one, so nothing is lost.

Rerunning a sweep skips every config whose hash already has status "ok" and whose time series is
stored; failed runs, and runs whose series went missing, run again. Opening the store for writing
checks every file in it (an unreadable table, or one without `config_hash`, is a one-line error
naming it) and claims the folder (`sumchain.files.claim_folder`): a folder of another kind of output
is refused, the folder is marked as this kind, and its lock (`.lock`, a POSIX record lock the kernel
drops when the process dies) refuses any other sumchain command while this one writes, so no
command overwrites another's rows.

Readers open each file once and read from that handle: a file replaced meanwhile (every write is
an atomic rename) is then read whole, old or new, never as a mix of the two.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from sumchain.config import Config
from sumchain.errors import DataError
from sumchain.files import FLOAT_DIGITS, FolderLock, claim_folder, write_atomically

RESULTS = "results.parquet"
RESULTS_CSV = "results.csv"
TIMESERIES = "timeseries.parquet"
PARTS = ".timeseries-parts"
FIRST_COLUMNS = ("config_hash", "status", "error", "wall_s", "seed")
OK, ERROR = "ok", "error"
CSV_FLOATS = f"%.{FLOAT_DIGITS}g"
"""results.csv rounds floats as JSON output does: 3.4560000000000035 is written 3.456."""


def read_results(out: str | Path) -> pd.DataFrame:
    """The stored results table of a sweep folder (empty if there is none yet)."""
    path = Path(out) / RESULTS
    if not path.exists():
        return pd.DataFrame(columns=list(FIRST_COLUMNS))
    return read_table(path, "results table", "move it away to start the sweep afresh")


def read_table(path: Path, what: str, remedy: str, columns: list[str] | None = None,
               required: tuple[str, ...] = ("config_hash",)) -> pd.DataFrame:
    """One Parquet file of the store, read from a single open handle; a damaged one, or one without
    the store's key column (another command's table), is a DataError naming what is wrong."""
    import pyarrow.parquet as pq

    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise
    except OSError as error:        # a folder in its place, no permission, ...
        raise DataError(f"{what} '{path}' cannot be read ({error.strerror or type(error).__name__}); {remedy}") from None
    with handle:
        try:
            names = pq.ParquetFile(handle).schema_arrow.names
            missing = [c for c in (*required, *(columns or ())) if c not in names]
            if not missing:
                handle.seek(0)
                return pd.read_parquet(handle, columns=columns)
        except Exception as error:   # pyarrow raises several types for a damaged file
            raise DataError(f"{what} '{path}' is not readable Parquet ({type(error).__name__}); {remedy}") from None
    raise DataError(f"{what} '{path}' has no '{missing[0]}' column, so no sumchain sweep wrote it; {remedy}")


def _series_files(out: Path) -> list[tuple[Path, str, str]]:
    remedy = "move it away and rerun: the runs whose series are missing run again"
    files = [(out / TIMESERIES, "time series table", remedy)] if (out / TIMESERIES).exists() else []
    return files + [(part, "time series part", remedy) for part in sorted((out / PARTS).glob("*.parquet"))]


def read_timeseries(out: str | Path) -> pd.DataFrame:
    """All stored time series of a sweep folder, folded parts included, keyed by `config_hash`."""
    frames = [read_table(*file) for file in _series_files(Path(out))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["config_hash"])


class ResultStore:
    """The results of one sweep folder: read on open, updated run by run, closed to fold series."""

    def __init__(self, out: str | Path, kind: str = "sweep"):
        self.out = Path(out)
        self.kind = kind
        self._lock: FolderLock | None = None
        self._rows: dict[str, dict] = self._read_rows()
        self._without_series: set[str] = set()

    def _read_rows(self) -> dict[str, dict]:
        return {str(row["config_hash"]): row for row in read_results(self.out).to_dict("records")}

    def open(self) -> "ResultStore":
        """Take the folder for writing: create it, lock it, and check every file in it.

        Runs stored as ok whose time series is missing (a deleted or replaced series file) are
        run again; an unreadable file is a one-line DataError naming it; `results.csv` is
        rewritten from `results.parquet`.
        """
        if self._lock is not None:
            return self
        self._lock = claim_folder(self.out, self.kind)
        try:
            self._rows = self._read_rows()
            with_series: set[str] = set()
            for file in _series_files(self.out):
                with_series |= set(read_table(*file, columns=["config_hash"])["config_hash"].astype(str))
            self._without_series = {h for h, row in self._rows.items() if row.get("status") == OK} - with_series
            if self._rows:
                self.save()
        except BaseException:
            self._release()
            raise
        return self

    # -- reading ---------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return _ordered(pd.DataFrame(list(self._rows.values())))

    def status_of(self, config_hash: str) -> str | None:
        row = self._rows.get(config_hash)
        return None if row is None else row.get("status")

    def pending(self, configs: Iterable[Config]) -> list[Config]:
        """The configs still to run: distinct, without a stored "ok" row and its time series."""
        todo: dict[str, Config] = {}
        for config in configs:
            digest = config.digest()
            if self.status_of(digest) != OK or digest in self._without_series:
                todo.setdefault(digest, config)
        return list(todo.values())

    # -- writing ---------------------------------------------------------------------------
    def add(self, row: dict[str, Any], timeseries: pd.DataFrame | None = None) -> None:
        """Store one finished run (replacing an earlier row of the same config) and save."""
        self.open()
        digest = str(row["config_hash"])
        if timeseries is not None and len(timeseries):
            part = self.out / PARTS / f"{digest}.parquet"
            write_atomically(part, lambda temp: timeseries.assign(config_hash=digest).to_parquet(temp, index=False))
        self._rows[digest] = row
        self._without_series.discard(digest)
        self.save()

    def save(self) -> None:
        frame = self.frame
        write_atomically(self.out / RESULTS, lambda temp: frame.to_parquet(temp, index=False))
        write_atomically(self.out / RESULTS_CSV, lambda temp: frame.to_csv(temp, index=False, float_format=CSV_FLOATS))

    def close(self) -> None:
        """Fold the per-run time series parts into `timeseries.parquet` (newest part winning); unlock."""
        try:
            if self._lock is not None:
                self._fold_parts()
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _fold_parts(self) -> None:
        parts = sorted((self.out / PARTS).glob("*.parquet"))
        if not parts:
            return
        remedy = "move it away and rerun: the runs whose series are missing run again"
        new = pd.concat([read_table(p, "time series part", remedy) for p in parts], ignore_index=True)
        path = self.out / TIMESERIES
        if path.exists():
            old = read_table(path, "time series table", remedy)
            new = pd.concat([old[~old["config_hash"].isin(set(new["config_hash"]))], new], ignore_index=True)
        write_atomically(path, lambda temp: new.to_parquet(temp, index=False))
        for part in parts:
            part.unlink(missing_ok=True)
        with contextlib.suppress(OSError):     # another writer may have added a part meanwhile
            (self.out / PARTS).rmdir()

    def __enter__(self) -> "ResultStore":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in FIRST_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]
