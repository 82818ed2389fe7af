"""Data loaders: every dataset becomes sparse binary features and integer labels.

`load_dataset(config)` is the one entry point; each loader module registers one dataset name.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from sumchain.config import DATA_KEYS, Config, as_config
from sumchain.data.dataset import Dataset, binary_csr
from sumchain.errors import DataError

__all__ = ["Dataset", "binary_csr", "load_dataset", "prepare_data", "LOADERS"]


def _synthetic(config: Config) -> Dataset:
    from sumchain.data.synthetic import load_synthetic
    return load_synthetic(config)


def _imdb(config: Config) -> Dataset:
    from sumchain.data.imdb import load_imdb
    return load_imdb(config)


def _text(config: Config) -> Dataset:
    from sumchain.data.text import load_text
    return load_text(config)


def _csv(config: Config) -> Dataset:
    from sumchain.data.tabular import load_tabular
    return load_tabular(config)


LOADERS: dict[str, Callable[[Config], Dataset]] = {
    "synthetic": _synthetic,
    "imdb": _imdb,
    "text": _text,
    "csv": _csv,
}


def load_dataset(config: Config | Mapping[str, Any] | None = None) -> Dataset:
    """Load the configured dataset, limited to `max_train` / `max_test` samples."""
    config = as_config(config)
    try:
        loader = LOADERS[config.dataset]
    except KeyError:
        raise DataError(f"dataset '{config.dataset}' is not available; choose one of: {', '.join(LOADERS)}") from None
    return loader(config).limited(config.max_train, config.max_test)


def prepare_data(config: Config | Mapping[str, Any] | None = None) -> None:
    """Make sure the configured data can be read, before work fans out to many processes.

    IMDB is fetched once here (workers then find it cached, instead of racing to download it),
    and data files are checked to exist; missing data raises the loader's one-line DataError at
    once rather than failing every run of a sweep.
    """
    config = as_config(config)
    if config.dataset == "imdb":
        from sumchain.data.imdb import imdb_file
        imdb_file(config)
    elif config.dataset in ("text", "csv"):
        from sumchain.data.labelled import data_file
        data_file(config, "a data file")


SEEDED_DATASETS = frozenset({"text", "csv"})
"""Datasets whose train/test split is drawn with the run's seed."""


def data_key(config: Config) -> tuple:
    """The part of a config that determines the loaded data: equal keys, equal datasets.

    Executors use it to load a dataset once per worker and share it between runs.
    """
    key = tuple(getattr(config, name) for name in DATA_KEYS)
    return key + ((config.seed,) if config.dataset in SEEDED_DATASETS else ())
