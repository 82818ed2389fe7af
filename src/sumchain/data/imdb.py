"""Keras' IMDB reviews (`dataset=imdb`), exactly as the study loaded them.

The study called `keras.datasets.imdb.load_data(num_words=k)` and used the presence of each
word index as a binary feature. We read the same published `imdb.npz` and reproduce Keras'
conventions to the index:

- shuffle: `rng = np.random.RandomState(113)`; the training order is `rng.shuffle(arange(25000))`,
  then the same `rng` shuffles the test order;
- every review becomes `[1] + [w + 3 for w in review]` (1 marks the start, indices 0..2 are
  reserved), and every index `>= num_words` becomes 2, the out-of-vocabulary marker;
- feature `i` is "index `i` occurs in the review", for `0 <= i < num_words`. So the start
  marker 1 is on in every review, 2 is on when a rarer word occurs, and 0 is never on.

The file is parsed once per process into the presence of every word index
(`sumchain.data.keras_index.word_presence`); each `num_words` cut is made from that
(`keep_most_frequent`), the same code the built-in corpus uses. Why vectorised: 50,000 reviews
hold about 12 million words; building the matrix row by row in Python takes tens of seconds.
"""

from __future__ import annotations

import functools
import itertools
import os
import pickle
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from sumchain.config import Config
from sumchain.data.dataset import Dataset
from sumchain.data.download import cache_dir, fetch, sha256_file
from sumchain.data.keras_index import MARKER_NAMES, OOV, keep_most_frequent, word_presence
from sumchain.errors import DataError

IMDB_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
"""The file and hash Keras' `imdb.load_data` uses (keras/datasets/imdb.py, `file_hash`)."""
FILE_NAME = "imdb.npz"
KERAS_SEED = 113


def source() -> tuple[str, str]:
    """The URL and expected SHA-256; tests point SUMCHAIN_IMDB_URL (and _SHA256) at a local server."""
    url = os.environ.get("SUMCHAIN_IMDB_URL")
    if not url:
        return IMDB_URL, IMDB_SHA256
    return url, os.environ.get("SUMCHAIN_IMDB_SHA256") or IMDB_SHA256


def cached_path() -> Path:
    return cache_dir() / FILE_NAME


def imdb_file(config: Config) -> Path:
    """The verified local `imdb.npz`: `data_path`, else the cache, downloading it if needed."""
    url, sha = source()
    if config.data_path:
        return _local_copy(Path(config.data_path).expanduser(), sha)
    dest = cached_path()
    if dest.exists():
        got = sha256_file(dest)
        if got == sha:
            return dest
        dest.unlink()
        print(f"sumchain: removed corrupt cached {dest} (SHA-256 {got}, expected {sha}); downloading again",
              file=sys.stderr)
    hint = (f"put {FILE_NAME} (SHA-256 {sha}) at {dest} or set data_path=FILE; "
            f"dataset=synthetic works offline")
    return fetch(url, dest, sha, hint=hint)


def _local_copy(path: Path, sha: str) -> Path:
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise DataError(f"data_path {path} does not exist; give the path of a copy of {FILE_NAME}")
    got = sha256_file(path)
    if got != sha:
        raise DataError(f"data_path {path} has SHA-256 {got}, expected {sha} (Keras' {FILE_NAME})")
    return path


@dataclass(frozen=True)
class Split:
    """One split in Keras' order: the presence of every word index, and the labels."""

    words: sp.csr_matrix
    labels: np.ndarray


@functools.lru_cache(maxsize=2)
def read_npz(path: str, mtime_ns: int, size: int) -> tuple[Split, Split]:
    """Parse and shuffle the file once per process (sweeps over num_words reuse it).

    `mtime_ns` and `size` are part of the cache key so a replaced file is read again.
    """
    try:
        with np.load(path, allow_pickle=True) as data:
            arrays = {key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        raise DataError(f"{path} is not a Keras imdb.npz with x_train, y_train, x_test, y_test: {error}") from None
    rng = np.random.RandomState(KERAS_SEED)
    splits = []
    for split in ("train", "test"):
        order = np.arange(len(arrays[f"x_{split}"]))
        rng.shuffle(order)
        splits.append(_split(arrays[f"x_{split}"][order], arrays[f"y_{split}"][order]))
    return splits[0], splits[1]


def _split(reviews: np.ndarray, labels: np.ndarray) -> Split:
    lengths = np.fromiter(map(len, reviews), dtype=np.int64, count=len(reviews))
    ranks = np.fromiter(itertools.chain.from_iterable(reviews), dtype=np.int64, count=int(lengths.sum()))
    return Split(word_presence(lengths, ranks), np.asarray(labels, dtype=np.int64))


def marker_name(index: int) -> str | None:
    """Names for Keras' reserved indices; words need the separate word-index file, so None."""
    return MARKER_NAMES.get(index)


def load_imdb(config: Config) -> Dataset:
    """The whole IMDB corpus in Keras' shuffled order, width `num_words`."""
    if config.features != "vocabulary":
        raise DataError("dataset=imdb holds word ranks, not text: features=hashing needs dataset=text")
    if config.num_words <= OOV:
        raise DataError(f"dataset=imdb needs num_words >= {OOV + 1} (indices 0-2 are Keras' markers), "
                        f"got {config.num_words}")
    path = imdb_file(config)
    stat = path.stat()
    train, test = read_npz(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    return Dataset("imdb", keep_most_frequent(train.words, config.num_words), train.labels,
                   keep_most_frequent(test.words, config.num_words), test.labels,
                   ("negative", "positive"), marker_name)
