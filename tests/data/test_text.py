"""Raw text: tokeniser, vocabulary, CSV and aclImdb sources, hashing, errors, and the real sample."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sumchain.data import load_dataset
from sumchain.data.hashing import murmurhash3_32
from sumchain.data.labelled import stratified_split
from sumchain.data.tokenize import Vocabulary, tokenize
from sumchain.errors import DataError
from sumchain.models.perceptron import train_offchain

# Real reviews kept beside the project (never in it); SUMCHAIN_SHARED_DATA points elsewhere.
SAMPLE = Path(os.environ.get("SUMCHAIN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared/data")) \
    / "imdb_reviews_sample.csv"
GOOD = ["great", "wonderful", "loved", "superb", "fun"]
BAD = ["awful", "boring", "hated", "dull", "waste"]


def test_tokenize_keras_like():
    text = "I LOVED it!<br /><br />Don't miss-it (really)...<br/>10/10\tok"
    assert tokenize(text) == ["i", "loved", "it", "don't", "miss", "it", "really", "10", "10", "ok"]


def test_vocabulary_ranks_by_count_then_first_appearance():
    vocabulary = Vocabulary.fit([["b", "a", "c"], ["a", "c", "d"]], num_words=4)
    assert vocabulary.words == ("a", "c", "b")  # a, c twice; b before d by first appearance
    assert vocabulary.indices(["d", "c", "a", "zzz"]) == [2, 1]
    assert (vocabulary(0), vocabulary(1), vocabulary(3), vocabulary(4)) == (None, "a", "b", None)


def reviews_frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = "positive" if i % 3 else "negative"
        words = rng.choice(GOOD if label == "positive" else BAD, 4).tolist() + ["the", "movie"]
        rows.append({"review": " ".join(words) + "<br />", "sentiment": label})
    return pd.DataFrame(rows)


@pytest.fixture
def reviews_csv(tmp_path) -> Path:
    path = tmp_path / "reviews.csv"
    reviews_frame().to_csv(path, index=False)
    return path


def text_config(path: Path, **overrides) -> dict:
    return {"dataset": "text", "data_path": str(path), "num_words": 50, **overrides}


def test_csv_split_is_stratified_and_seeded(reviews_csv):
    data = load_dataset(text_config(reviews_csv))
    assert data.class_names == ("negative", "positive")
    assert (data.X_train.shape, data.X_test.shape) == ((30, 50), (30, 50))
    assert np.bincount(data.y_test).tolist() == [10, 20]  # half of 20 negatives and of 40 positives
    again = load_dataset(text_config(reviews_csv))
    assert (data.X_train != again.X_train).nnz == 0 and data.y_train.tolist() == again.y_train.tolist()
    other = load_dataset(text_config(reviews_csv, seed=1))
    assert (data.X_train != other.X_train).nnz > 0
    assert data.feature_name(1) in ("the", "movie") and "br" not in data.feature_name_lookup.words


def test_stratified_split_fraction():
    y = np.array([0] * 10 + [1] * 30)
    train, test = stratified_split(y, 0.2, seed=3)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(40))
    assert np.bincount(y[test]).tolist() == [2, 6]


def test_vocabulary_comes_from_training_split_only(tmp_path):
    frame = reviews_frame(40)
    frame.loc[:, "review"] = [f"{text} unique{i}" for i, text in enumerate(frame["review"])]
    path = tmp_path / "u.csv"
    frame.to_csv(path, index=False)
    data = load_dataset(text_config(path, num_words=1000, test_fraction=0.5))
    words = set(data.feature_name_lookup.words)
    train_uniques = {w for w in words if w.startswith("unique")}
    assert len(train_uniques) == data.X_train.shape[0]  # every training review's own word, no test word


def test_hashing_features(reviews_csv):
    data = load_dataset(text_config(reviews_csv, features="hashing", hash_seed=5))
    assert data.feature_name(3) is None
    bucket = murmurhash3_32("movie", 5) % 50
    assert data.X_train[:, bucket].nnz == data.X_train.shape[0]  # every review says "movie"


def write_acl(root: Path) -> Path:
    for split, n in (("train", 6), ("test", 4)):
        for folder, words in (("pos", GOOD), ("neg", BAD)):
            (root / split / folder).mkdir(parents=True)
            for i in range(n):
                (root / split / folder / f"{i}_7.txt").write_text(f"{words[i % 5]} film<br />", encoding="utf-8")
    return root


def test_acl_folder_keeps_its_split(tmp_path):
    data = load_dataset(text_config(write_acl(tmp_path / "aclImdb")))
    assert (data.X_train.shape[0], data.X_test.shape[0]) == (12, 8)
    assert data.class_names == ("negative", "positive")
    assert sorted(data.y_train.tolist()) == [0] * 6 + [1] * 6
    assert data.y_train.tolist() != sorted(data.y_train.tolist())  # shuffled for max_train


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("review,sentiment\n", "has no rows"),
    ("text,label\nfine,positive\nbad,negative\n", r"no column 'review'; columns present: text, label"),
    ("review,sentiment\ngood,positive\ngood,positive\n", "single class 'positive'"),
    ("review,sentiment\ngood,positive\nbad,\n", "no label in data row 2"),
    ('review,sentiment\ngood,positive\n"bad,negative\n', "not valid CSV"),
    ("review,sentiment\ngood,positive\nbad,negative,extra\n", "not valid CSV"),
])
def test_csv_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as caught:
        load_dataset(text_config(path))
    assert "\n" not in str(caught.value)


def test_path_errors(tmp_path):
    with pytest.raises(DataError, match="needs data_path"):
        load_dataset({"dataset": "text"})
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(text_config(tmp_path / "nope.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="without aclImdb reviews"):
        load_dataset(text_config(tmp_path / "empty"))


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is absent")
def test_real_sample_perceptron_beats_chance():
    data = load_dataset({"dataset": "text", "data_path": str(SAMPLE), "num_words": 1000, "test_fraction": 0.2})
    assert data.X_train.shape[0] + data.X_test.shape[0] == 2499
    model = train_offchain(data.X_train, data.y_train, seed=0)
    assert model.evaluate(data.X_test, data.y_test) > 0.65
