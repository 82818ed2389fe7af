"""The dataset catalogue: offline availability and sizes from cheap file checks."""

from __future__ import annotations

import pytest

from sumchain import Config
from sumchain.data import imdb
from sumchain.data.catalog import catalog
from sumchain.data.download import part_path


@pytest.fixture(autouse=True)
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def by_name(config=None):
    return {info.name: info for info in catalog(config)}


def test_defaults_without_files():
    infos = by_name()
    assert list(infos) == ["synthetic", "imdb", "text", "csv"]
    assert infos["synthetic"].offline and infos["synthetic"].size() == "25,000 + 25,000 reviews"
    assert not infos["imdb"].offline and "not cached" in infos["imdb"].status
    assert not infos["text"].offline and "data_path" in infos["text"].status
    assert not infos["csv"].offline


def test_cached_and_partial_imdb(cache):
    part = part_path(imdb.cached_path())
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 200_000)
    assert "0.2 MB partial download resumes" in by_name()["imdb"].status
    imdb.cached_path().write_bytes(b"x" * 1_000)
    info = by_name()["imdb"]
    assert info.offline and str(imdb.cached_path()) in info.status
    assert info.size() == "25,000 + 25,000 reviews, 1.0 kB"


def test_data_path_counts_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("review,sentiment\n\"multi\nline\",positive\nbad,negative\nok,positive\n")
    info = by_name(Config(dataset="text", data_path=str(path)))["text"]
    assert info.offline and info.rows == 3 and info.size().startswith("3 reviews, ")
    assert not by_name(Config(dataset="csv", data_path=str(tmp_path / "missing.csv")))["csv"].offline


def test_unreadable_file_is_not_offline(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    info = by_name(Config(dataset="csv", data_path=str(path)))["csv"]
    assert not info.offline and "is empty" in info.status


def test_acl_folder_counts_reviews(tmp_path):
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            (tmp_path / "acl" / split / label).mkdir(parents=True)
            (tmp_path / "acl" / split / label / "1_8.txt").write_text("fine")
    info = by_name(Config(dataset="text", data_path=str(tmp_path / "acl")))["text"]
    assert info.offline and info.rows == 4
