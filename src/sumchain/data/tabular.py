"""Any labelled table (`dataset=csv`): numeric columns as thermometer features or standardised values.

`data_path` is a CSV or Parquet file (Parquet by suffix `.parquet`/`.pq`); `label_column` holds
the class (any values, two or more classes; class names sorted as in `encode_labels`), every
other column must be numeric (booleans count as 0/1).

Binarising, documented because it decides what a linear model can learn:

- each of the `c` feature columns gets a budget of `b = num_words // c` features (so
  `num_words >= c`); column `j` owns feature indices `j*b .. j*b + b - 1`, and indices from
  `c*b` up to `num_words - 1` stay empty;
- the thresholds are computed on the training split only: a column with at most `b + 1`
  distinct values gets every distinct value above its minimum (exact for 0/1 and small
  categorical codes); otherwise the quantiles at `k/(b+1)` for `k = 1..b`, duplicates and values
  at the minimum dropped (those would be always on);
- thermometer code: feature `column>=t` is on when the value is at least `t`, for every
  threshold, so a larger value switches on a prefix of the column's features and a linear model
  can weigh "how large" rather than one bucket at a time. Missing values are below every
  threshold; a cell that is not a finite number (`inf`, `-inf`, `nan`) counts as missing, in both
  encodings, so one such cell changes neither the thresholds nor another row's value.

`csv_encoding = "standardised"` (for the dense model families, which read values) instead gives
column `j` the single feature `j`, valued `(v - mean) / sd` with the mean and standard deviation of
the training split (sd 1 for a constant column), clipped to `±MAX_STANDARDISED` (a dense model
holds values within about ±32.8); a missing value is the mean (0). Features from the number of
columns up to `num_words - 1` stay empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sumchain.config import Config
from sumchain.data.dataset import Dataset
from sumchain.data.labelled import data_file, encode_labels, read_table, require_columns, split_rows
from sumchain.errors import DataError


class FeatureNames:
    """Feature-name lookup for `Dataset`: `age>=42.5` for a threshold feature, None for padding."""

    def __init__(self, names: dict[int, str]):
        self.names = names

    def __call__(self, index: int) -> str | None:
        return self.names.get(index)


def numeric_columns(frame: pd.DataFrame, label_column: str, path) -> list[str]:
    columns = [c for c in frame.columns if c != label_column]
    if not columns:
        raise DataError(f"{path} has only the label column '{label_column}'; add numeric feature columns")
    for column in columns:
        series = frame[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            example = series.dropna().astype(str).iloc[0] if series.notna().any() else ""
            raise DataError(f"column '{column}' of {path} is not numeric (e.g. {example!r}); dataset=csv "
                            f"needs numeric features besides the label column '{label_column}'")
    return [str(c) for c in columns]


def thresholds(train_values: np.ndarray, budget: int) -> np.ndarray:
    """At most `budget` cut points from the training values (see the module docstring)."""
    values = train_values[np.isfinite(train_values)]
    if values.size == 0:
        return np.zeros(0)
    distinct = np.unique(values)
    if distinct.size <= budget + 1:
        return distinct[1:]
    cuts = np.unique(np.quantile(values, np.arange(1, budget + 1) / (budget + 1)))
    return cuts[cuts > distinct[0]]


def thermometer(values: np.ndarray, cuts: np.ndarray) -> sp.csr_matrix:
    with np.errstate(invalid="ignore"):
        return sp.csr_matrix((values[:, None] >= cuts[None, :]).astype(np.int8))


def binarise(values: np.ndarray, train: np.ndarray, columns: list[str], width: int):
    """All rows as a CSR of width `width`, cut points from the `train` rows; plus feature names."""
    budget = width // len(columns)
    blocks, names = [], {}
    for j, column in enumerate(columns):
        cuts = thresholds(values[train, j], budget)
        block = thermometer(values[:, j], cuts)
        pad = sp.csr_matrix((len(values), budget - len(cuts)), dtype=np.int8)
        blocks.extend([block, pad])
        names.update({j * budget + k: f"{column}>={cut:g}" for k, cut in enumerate(cuts)})
    blocks.append(sp.csr_matrix((len(values), width - budget * len(columns)), dtype=np.int8))
    matrix = sp.hstack(blocks, format="csr", dtype=np.int8)
    matrix.eliminate_zeros()
    return matrix, FeatureNames(names)


MAX_STANDARDISED = 30.0
"""Standardised values are clipped here: beyond 30 standard deviations a value says only "extreme"."""


def standardise(values: np.ndarray, train: np.ndarray, columns: list[str], width: int):
    """All rows as a CSR of width `width` holding each column's standardised value (float64), with
    the statistics of the `train` rows; plus feature names."""
    reference = values[train]
    with np.errstate(invalid="ignore"):
        mean = np.nan_to_num(np.nanmean(reference, axis=0)) if len(reference) else np.zeros(len(columns))
        sd = np.nan_to_num(np.nanstd(reference, axis=0)) if len(reference) else np.ones(len(columns))
    sd[sd == 0] = 1.0
    scaled = np.clip(np.nan_to_num((values - mean) / sd, nan=0.0), -MAX_STANDARDISED, MAX_STANDARDISED)
    matrix = sp.csr_matrix(scaled, shape=(len(values), len(columns)))
    matrix = sp.hstack([matrix, sp.csr_matrix((len(values), width - len(columns)))], format="csr")
    matrix.eliminate_zeros()
    return matrix, FeatureNames({j: f"{column} (standardised)" for j, column in enumerate(columns)})


def checked_table(config: Config):
    """The table read and every check made before features are built (the label column, numeric
    feature columns, enough feature width, two classes or more, rows for both splits): what
    `load_tabular` runs and `sumchain datasets` reports. Gives (frame, feature columns, labels, class
    names, train rows, test rows)."""
    path = data_file(config, "FILE.csv or FILE.parquet")
    if config.features != "vocabulary":
        raise DataError("dataset=csv binarises numeric columns: features=hashing needs dataset=text")
    frame = read_table(path)
    require_columns(frame, [config.label_column], path)
    columns = numeric_columns(frame, config.label_column, path)
    if config.num_words < len(columns):
        raise DataError(f"num_words={config.num_words} is less than the {len(columns)} feature columns of "
                        f"{path}; set num_words >= {len(columns)}")
    y, class_names = encode_labels(frame[config.label_column], config.label_column)
    train, test = split_rows(y, None, config)
    return frame, columns, y, class_names, train, test


def load_tabular(config: Config) -> Dataset:
    frame, columns, y, class_names, train, test = checked_table(config)
    values = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    values[~np.isfinite(values)] = np.nan          # inf and -inf are missing, as an empty cell
    encode = standardise if config.csv_encoding == "standardised" else binarise
    matrix, names = encode(values, train, columns, config.num_words)
    return Dataset("csv", matrix[train], y[train], matrix[test], y[test], class_names, names)
