"""Keras' IMDB conventions, index for index, on small hand-made files (no network)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from sumchain.data import imdb, load_dataset
from sumchain.errors import DataError


def save_npz(path: Path, x_train, y_train, x_test, y_test) -> Path:
    def objects(reviews):
        out = np.empty(len(reviews), dtype=object)
        for i, review in enumerate(reviews):
            out[i] = list(review)
        return out

    np.savez(path, x_train=objects(x_train), y_train=np.asarray(y_train),
             x_test=objects(x_test), y_test=np.asarray(y_test))
    return path


@pytest.fixture
def use_file(monkeypatch, tmp_path):
    """Accept `path` as the published file (its hash) and keep the cache in tmp_path."""
    def accept(path: Path) -> dict:
        monkeypatch.setenv("SUMCHAIN_IMDB_URL", "http://127.0.0.1:9/never-contacted")
        monkeypatch.setenv("SUMCHAIN_IMDB_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
        monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path / "cache"))
        return {"dataset": "imdb", "data_path": str(path)}
    return accept


def keras_load_data(path: Path, num_words: int):
    """keras.datasets.imdb.load_data's steps, written out literally, as the reference."""
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train, x_test, labels_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    rng = np.random.RandomState(113)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    x_train = [[1] + [w + 3 for w in x] for x in x_train]
    x_test = [[1] + [w + 3 for w in x] for x in x_test]
    x_train = [[w if w < num_words else 2 for w in x] for x in x_train]
    x_test = [[w if w < num_words else 2 for w in x] for x in x_test]
    return (x_train, labels_train), (x_test, labels_test)


def presence(reviews, width: int) -> np.ndarray:
    dense = np.zeros((len(reviews), width), dtype=np.int8)
    for i, review in enumerate(reviews):
        dense[i, review] = 1
    return dense


def test_hand_made_review(use_file, tmp_path):
    path = save_npz(tmp_path / "one.npz", [[1, 2, 7, 7]], [1], [[3]], [0])
    data = load_dataset({**use_file(path), "num_words": 6})
    # [1] + [4, 5, 10, 10] -> 10 >= 6 becomes the oov marker 2
    assert np.flatnonzero(data.X_train.toarray()[0]).tolist() == [1, 2, 4, 5]
    assert np.flatnonzero(data.X_test.toarray()[0]).tolist() == [1, 2]  # 3 + 3 = 6 >= 6 -> oov
    assert data.y_train.tolist() == [1] and data.y_test.tolist() == [0]


@pytest.mark.parametrize("num_words", [3, 5, 12, 100])
def test_matches_keras_reference(use_file, tmp_path, num_words):
    rng = np.random.default_rng(num_words)
    reviews = [rng.integers(1, 40, rng.integers(0, 25)).tolist() for _ in range(60)]
    path = save_npz(tmp_path / "ref.npz", reviews[:30], rng.integers(0, 2, 30), reviews[30:], rng.integers(0, 2, 30))
    data = load_dataset({**use_file(path), "num_words": num_words})
    (x_train, y_train), (x_test, y_test) = keras_load_data(path, num_words)
    assert np.array_equal(data.X_train.toarray(), presence(x_train, num_words))
    assert np.array_equal(data.X_test.toarray(), presence(x_test, num_words))
    assert data.y_train.tolist() == y_train.tolist() and data.y_test.tolist() == y_test.tolist()
    assert data.X_train.dtype == np.int8 and data.X_train.has_sorted_indices
    assert data.X_train[:, 0].nnz == 0 and data.X_train[:, 1].nnz == 30  # 0 never on, start marker always


def test_names_and_limits(use_file, tmp_path):
    rng = np.random.default_rng(1)
    reviews = [rng.integers(1, 40, 10).tolist() for _ in range(20)]
    path = save_npz(tmp_path / "n.npz", reviews[:10], [0, 1] * 5, reviews[10:], [1, 0] * 5)
    data = load_dataset({**use_file(path), "num_words": 10, "max_train": 4, "max_test": 3})
    assert data.X_train.shape == (4, 10) and data.X_test.shape == (3, 10)
    assert (data.feature_name(1), data.feature_name(2), data.feature_name(5)) == ("<start>", "<oov>", None)
    assert data.class_names == ("negative", "positive")


def test_parsed_file_is_reused(use_file, tmp_path):
    path = save_npz(tmp_path / "c.npz", [[1, 2]] * 3, [0, 1, 0], [[3]] * 3, [1, 0, 1])
    config = use_file(path)
    imdb.read_npz.cache_clear()
    load_dataset({**config, "num_words": 5})
    load_dataset({**config, "num_words": 8})
    assert imdb.read_npz.cache_info().hits == 1


def test_not_an_npz(use_file, tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"PK not really a zip")
    with pytest.raises(DataError, match="not a Keras imdb.npz"):
        load_dataset(use_file(path))


@pytest.mark.parametrize("overrides, message", [
    ({"num_words": 2}, "num_words >= 3"),
    ({"features": "hashing"}, "features=hashing needs dataset=text"),
])
def test_config_errors(use_file, tmp_path, overrides, message):
    path = save_npz(tmp_path / "e.npz", [[1]], [0], [[1]], [1])
    with pytest.raises(DataError, match=message):
        load_dataset({**use_file(path), **overrides})
