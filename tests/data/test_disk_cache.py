"""Derived data on disk: computed once, read back identical, recomputed when the key or file changes."""

from __future__ import annotations

import numpy as np
import pytest

from sumchain.data import disk_cache
from sumchain.data.disk_cache import cache_file, cached_arrays, cached_value, fingerprint


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(disk_cache.DISABLE_VARIABLE, raising=False)
    return tmp_path


def counting(build):
    calls = []

    def wrapped():
        calls.append(1)
        return build()
    return wrapped, calls


def test_arrays_built_once_then_read_back_identical(cache):
    build, calls = counting(lambda: {"a": np.arange(5, dtype=np.int32), "b": np.array([0.5, 1.5])})
    first = cached_arrays("thing", {"v": 1}, build)
    second = cached_arrays("thing", {"v": 1}, build)
    assert len(calls) == 1
    for name in first:
        assert second[name].dtype == first[name].dtype and np.array_equal(second[name], first[name])
    assert cache_file("thing", {"v": 1}, ".npz").parent == cache / "derived"


def test_a_new_key_recomputes(cache):
    build, calls = counting(lambda: {"a": np.zeros(2)})
    cached_arrays("thing", {"v": 1}, build)
    cached_arrays("thing", {"v": 2}, build)
    assert len(calls) == 2


def test_a_damaged_file_is_recomputed_and_replaced(cache):
    build, calls = counting(lambda: 0.75)
    assert cached_value("acc", ["k"], build) == 0.75
    cache_file("acc", ["k"], ".json").write_text("{not json")
    assert cached_value("acc", ["k"], build) == 0.75 and len(calls) == 2
    assert cached_value("acc", ["k"], build) == 0.75 and len(calls) == 2


def test_disabled_cache_neither_reads_nor_writes(cache, monkeypatch):
    monkeypatch.setenv(disk_cache.DISABLE_VARIABLE, "1")
    build, calls = counting(lambda: 1.0)
    cached_value("acc", 1, build)
    cached_value("acc", 1, build)
    assert len(calls) == 2 and not (cache / "derived").exists()


def test_fingerprint_sees_values_dtypes_and_shapes():
    a = np.arange(6, dtype=np.int32)
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(a.astype(np.int64))
    assert fingerprint(a) != fingerprint(a.reshape(2, 3))
    b = a.copy()
    b[3] = 99
    assert fingerprint(a) != fingerprint(b)
