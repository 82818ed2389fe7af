"""Raw labelled text (`dataset=text`): a CSV of reviews or the official `aclImdb` folder.

A CSV needs the columns `text_column` (default `review`) and `label_column` (default
`sentiment`); the folder layout is `train/{pos,neg}/*.txt` and `test/{pos,neg}/*.txt`, whose split
is kept. A CSV is split here: stratified by class, `test_fraction` of each class to the test
set, drawn with the run's `seed`. Both splits are then shuffled with the same seed, so
`max_train`/`max_test` take a fair sample.

Features (width `num_words`): with `features=vocabulary`, the Keras-like vocabulary of the
training split (see `sumchain.data.tokenize`); with `features=hashing`, MurmurHash3 of each
token with `hash_seed`, modulo `num_words` (see `sumchain.data.hashing`), which also places
words the training data never saw.

Reading the file, encoding labels and splitting are shared with the tabular loader
(`sumchain.data.labelled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sumchain.config import Config
from sumchain.data.dataset import Dataset, binary_csr
from sumchain.data.hashing import TokenHasher
from sumchain.data.labelled import data_file, encode_labels, read_table, require_columns, split_rows
from sumchain.data.tokenize import Vocabulary, tokenize
from sumchain.errors import DataError

ACL_LABELS = {"neg": "negative", "pos": "positive"}


# -- raw text --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LabelledTexts:
    """Texts and their labels; `is_test` is the source's own split, or None when it has none."""

    texts: list[str]
    labels: pd.Series
    is_test: np.ndarray | None


def read_csv_texts(path: Path, text_column: str, label_column: str) -> LabelledTexts:
    frame = read_table(path, dtype=str, keep_default_na=False)
    require_columns(frame, [text_column, label_column], path)
    texts = frame[text_column].fillna("").astype(str).tolist()
    return LabelledTexts(texts, frame[label_column], None)


def acl_files(path: Path) -> tuple[list[Path], pd.Series, np.ndarray]:
    """The aclImdb layout's review files (sorted name order, so the result is reproducible), their
    labels and which are test reviews, checked: reviews in both splits."""
    files, labels, is_test = [], [], []
    for split in ("train", "test"):
        for folder, name in ACL_LABELS.items():
            found = sorted((path / split / folder).glob("*.txt"))
            files.extend(found)
            labels.extend([name] * len(found))
            is_test.extend([split == "test"] * len(found))
    if not files:
        raise DataError(f"{path} is a folder without aclImdb reviews; expected train/pos, train/neg, "
                        f"test/pos, test/neg with .txt files")
    split = np.array(is_test, dtype=bool)
    if split.all() or not split.any():
        raise DataError(f"{path} needs reviews in both train/ and test/ (found only "
                        f"{'test' if split.all() else 'train'})")
    return files, pd.Series(labels), split


def read_acl_folder(path: Path) -> LabelledTexts:
    files, labels, split = acl_files(path)
    return LabelledTexts([file.read_text(encoding="utf-8", errors="replace") for file in files], labels, split)


def read_texts(config: Config) -> LabelledTexts:
    path = data_file(config, "FILE.csv or an aclImdb folder")
    if path.is_dir():
        return read_acl_folder(path)
    return read_csv_texts(path, config.text_column, config.label_column)


def featuriser(config: Config, train_tokens: list[list[str]]) -> tuple[Callable, Callable | None]:
    """(tokens -> feature indices, feature-name lookup) for the configured feature mode."""
    if config.features == "hashing":
        return TokenHasher(config.num_words, config.hash_seed).indices, None
    vocabulary = Vocabulary.fit(train_tokens, config.num_words)
    return vocabulary.indices, vocabulary


def checked_labels(config: Config, labels: pd.Series, is_test: np.ndarray | None):
    """The checks on a source's labels made before features are built (a label in every row, two
    classes or more, rows for both splits): what `load_text` runs and `sumchain datasets` reports.
    Gives (labels, class names, train rows, test rows)."""
    y, class_names = encode_labels(labels, config.label_column if is_test is None else "folder")
    train, test = split_rows(y, is_test, config)
    return y, class_names, train, test


def check_text_source(config: Config) -> int:
    """Every check `load_text` makes before building features, without reading review files one by
    one (an aclImdb folder is listed, not read); the number of reviews."""
    path = data_file(config, "FILE.csv or an aclImdb folder")
    if path.is_dir():
        _, labels, is_test = acl_files(path)
    else:
        frame = read_table(path, dtype=str, keep_default_na=False)
        require_columns(frame, [config.text_column, config.label_column], path)
        labels, is_test = frame[config.label_column], None
    checked_labels(config, labels, is_test)
    return len(labels)


def load_text(config: Config) -> Dataset:
    source = read_texts(config)
    y, class_names, train, test = checked_labels(config, source.labels, source.is_test)
    tokens = [tokenize(text) for text in source.texts]
    encode, lookup = featuriser(config, [tokens[i] for i in train])
    X_train = binary_csr([encode(tokens[i]) for i in train], config.num_words)
    X_test = binary_csr([encode(tokens[i]) for i in test], config.num_words)
    return Dataset("text", X_train, y[train], X_test, y[test], class_names, lookup)
