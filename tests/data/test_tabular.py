"""Tabular data: thermometer features from train-split thresholds, multi-class labels, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sumchain.data import load_dataset
from sumchain.data.tabular import MAX_STANDARDISED, thresholds
from sumchain.errors import DataError


def table(n: int = 90, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.integers(18, 90, n), "member": rng.integers(0, 2, n).astype(bool),
                          "score": rng.normal(size=n)})
    frame.loc[0, "score"] = np.nan
    frame["kind"] = np.where(frame.age > 60, "c", np.where(frame.score > 0, "b", "a"))
    return frame


def csv_config(path: Path, **overrides) -> dict:
    return {"dataset": "csv", "data_path": str(path), "label_column": "kind", "num_words": 10, **overrides}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_thermometer_features(tmp_path, suffix):
    frame = table()
    path = tmp_path / f"t{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    data = load_dataset(csv_config(path))
    assert data.class_names == ("a", "b", "c")
    assert data.X_train.shape[1] == data.X_test.shape[1] == 10 and data.X_train.dtype == np.int8
    assert data.X_train.shape[0] + data.X_test.shape[0] == 90
    names = [data.feature_name(i) for i in range(10)]
    # budget 10 // 3 = 3 per column: age 0..2, member 3..5 (one cut), score 6..8, 9 unused
    assert names[0].startswith("age>=") and names[3] == "member>=1" and names[4:6] == [None, None]
    assert names[6].startswith("score>=") and names[9] is None
    dense = data.X_train.toarray()
    assert (np.diff(dense[:, 0:3], axis=1) <= 0).all()  # thermometer: a prefix of the column's features


def test_thresholds_come_from_training_rows_and_skip_always_on():
    assert thresholds(np.array([0.0, 1.0, 1.0, 0.0]), 3).tolist() == [1.0]
    assert thresholds(np.array([5.0, 5.0]), 2).tolist() == []
    assert thresholds(np.array([np.nan]), 2).tolist() == []
    cuts = thresholds(np.arange(100, dtype=float), 3)
    assert cuts.tolist() == pytest.approx([24.75, 49.5, 74.25])


def test_split_is_seeded_and_stratified(tmp_path):
    path = tmp_path / "t.csv"
    table().to_csv(path, index=False)
    first, again = load_dataset(csv_config(path)), load_dataset(csv_config(path))
    assert first.y_test.tolist() == again.y_test.tolist()
    counts = np.bincount(np.concatenate([first.y_train, first.y_test]))
    assert np.abs(np.bincount(first.y_test, minlength=3) - counts / 2).max() <= 0.5
    assert load_dataset(csv_config(path, seed=9)).y_test.tolist() != first.y_test.tolist()


@pytest.mark.parametrize("content, overrides, message", [
    ("", {}, "is empty"),
    ("a,kind\n", {}, "has no rows"),
    ("a,b\n1,2\n3,4\n", {}, r"no column 'kind'; columns present: a, b"),
    ("a,name,kind\n1,x,p\n2,y,q\n", {}, r"column 'name' .* is not numeric \(e.g. 'x'\)"),
    ("a,kind\n1,p\n2,p\n", {}, "single class 'p'"),
    ("kind\np\nq\n", {}, "only the label column"),
    ("a,b,c,kind\n1,2,3,p\n2,3,4,q\n", {"num_words": 2}, "num_words >= 3"),
    ("a,kind\n1,p\n2,q\n", {"features": "hashing"}, "features=hashing needs dataset=text"),
])
def test_errors(tmp_path, content, overrides, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message) as caught:
        load_dataset(csv_config(path, **overrides))
    assert "\n" not in str(caught.value)


def test_standardised_values_use_the_training_rows_statistics(tmp_path):
    frame = table(200)
    frame.loc[5, "score"] = 1e6                                   # an outlier, clipped
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    data = load_dataset(csv_config(path, csv_encoding="standardised", model="dense_perceptron"))
    assert data.X_train.shape[1] == 10 and data.X_train.dtype == np.float64
    assert [data.feature_name(i) for i in range(4)] == ["age (standardised)", "member (standardised)",
                                                       "score (standardised)", None]
    train = data.X_train.toarray()
    assert np.allclose(train[:, :2].mean(axis=0), 0) and np.allclose(train[:, :2].std(axis=0), 1)
    assert not train[:, 3:].any()
    every = np.vstack([train, data.X_test.toarray()])
    assert every[:, 2].max() == MAX_STANDARDISED and np.abs(every).max() <= MAX_STANDARDISED
    assert (every[:, 2] == 0).sum() >= 1                           # the missing score is the mean


def test_standardised_needs_a_model_that_reads_values(tmp_path):
    from sumchain.config import Config
    from sumchain.errors import ConfigError

    with pytest.raises(ConfigError, match="csv_encoding.*dense_perceptron, dense_nearest_centroid"):
        Config.from_overrides(csv_config(tmp_path / "t.csv", csv_encoding="standardised"))
    with pytest.raises(ConfigError, match="need dataset=csv"):
        Config.from_overrides({"csv_encoding": "standardised", "model": "dense_perceptron"})
    with pytest.raises(ConfigError, match="choose one of: thermometer, standardised"):
        Config.from_overrides({"csv_encoding": "zscore"})


@pytest.mark.parametrize("cell", [np.inf, -np.inf])
@pytest.mark.parametrize("encoding", ["standardised", "thermometer"])
def test_a_cell_that_is_not_a_finite_number_is_missing_and_moves_no_other_row(tmp_path, cell, encoding):
    frame = table(200)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    model = "dense_perceptron" if encoding == "standardised" else "perceptron"
    clean = load_dataset(csv_config(path, csv_encoding=encoding, model=model))
    frame.loc[7, "score"] = cell
    frame.to_csv(path, index=False)
    bad = load_dataset(csv_config(path, csv_encoding=encoding, model=model))
    missing = frame.copy()
    missing.loc[7, "score"] = np.nan
    missing.to_csv(path, index=False)
    expected = load_dataset(csv_config(path, csv_encoding=encoding, model=model))
    for split in ("X_train", "X_test"):
        assert (getattr(bad, split) != getattr(expected, split)).nnz == 0
    if encoding == "standardised":
        # every other row keeps about its value (the statistics lose one training value at most),
        # where one inf once turned the whole column into -30
        rows = [np.vstack([d.X_train.toarray(), d.X_test.toarray()]) for d in (clean, bad)]
        assert (np.abs(rows[0] - rows[1]).max(axis=1) > 0.1).sum() <= 1
