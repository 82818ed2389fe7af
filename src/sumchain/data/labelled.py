"""Labelled rows from a file: reading the table, encoding its labels, splitting train from test.

Shared by the raw-text and the tabular loaders, which both start from rows with a label column.
Splits are stratified by class and drawn with the run's seed, so every class with two or more
rows lands on both sides and `max_train`/`max_test` take a fair sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sumchain.config import Config
from sumchain.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")

def data_file(config: Config, what: str) -> Path:
    if not config.data_path:
        raise DataError(f"dataset={config.dataset} needs data_path={what}")
    path = Path(config.data_path).expanduser()
    if not path.exists():
        raise DataError(f"data_path {path} does not exist; dataset={config.dataset} needs {what}")
    return path


def read_table(path: Path, **csv_options) -> pd.DataFrame:
    """A CSV or Parquet file as a frame with at least one row; one-line errors otherwise."""
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, **csv_options)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; expected a header line and labelled rows") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{path} is not valid CSV: {_first_line(error)}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text") from None
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"{path} could not be read: {_first_line(error)}") from None
    if len(frame) == 0:
        raise DataError(f"{path} has no rows; expected labelled rows below the header")
    return frame


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def require_columns(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    present = [str(c) for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            raise DataError(f"{path} has no column '{column}'; columns present: {', '.join(present)}")


def encode_labels(values: pd.Series, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer labels 0..k-1 in sorted label order (numerically when every label is a number).

    Sorting makes the mapping independent of row order; it also gives negative=0, positive=1.
    """
    text = values.astype("string").str.strip()
    missing = text.isna() | (text == "")
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise DataError(f"column '{column}' has no label in data row {row}; every row needs a label")
    names = sorted(set(text.tolist()), key=_label_order)
    if len(names) < 2:
        raise DataError(f"column '{column}' has a single class {names[0]!r}; need at least two classes")
    codes = {name: code for code, name in enumerate(names)}
    return np.array([codes[label] for label in text.tolist()], dtype=np.int64), tuple(names)


def _label_order(label: str) -> tuple:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): `round(n_c * test_fraction)` of each class c to test.

    Each class with at least two rows keeps at least one on each side. Both index arrays are
    shuffled, so the first N rows are a fair sample.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(rows) * test_fraction))
        if len(rows) >= 2:
            n_test = min(max(n_test, 1), len(rows) - 1)
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def split_rows(y: np.ndarray, is_test: np.ndarray | None, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The source's split (shuffled with the seed) or a seeded stratified one."""
    if is_test is None:
        train, test = stratified_split(y, config.test_fraction, config.seed)
    else:
        rng = np.random.default_rng(config.seed)
        train, test = rng.permutation(np.flatnonzero(~is_test)), rng.permutation(np.flatnonzero(is_test))
    if not len(train) or not len(test):
        raise DataError(f"{len(y)} rows are too few to split into training and test data "
                        f"(test_fraction={config.test_fraction})")
    return train, test
