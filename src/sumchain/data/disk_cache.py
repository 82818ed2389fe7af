"""Derived data kept on disk between processes: arrays or small JSON values, keyed by what made them.

Why: the built-in corpus takes seconds to generate and the baseline accuracy a second to train,
yet both are pure functions of a few inputs (the generator's version and seed; the data, the seed
and the training procedure's version). Each is computed once, written atomically under
`cache_dir()` ($SUMCHAIN_DATA_DIR, else the XDG cache), and read back by later processes. The key
is hashed into the file name, so a changed input or a bumped version finds no file and recomputes;
an unreadable file (a half-written one cannot exist, writes are atomic) is recomputed and replaced.
A cache folder that cannot be written only costs the recomputation.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from sumchain.data.download import cache_dir
from sumchain.files import atomic_path

DISABLE_VARIABLE = "SUMCHAIN_NO_CACHE"
"""Set to 1 to neither read nor write cached derived data (for timing the uncached path)."""


def cache_file(kind: str, key: Any, suffix: str) -> Path:
    """The file for `key` (any JSON-able value) under the cache's `derived/` folder."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    return cache_dir() / "derived" / f"{kind}-{digest}{suffix}"


def enabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


def cached_arrays(kind: str, key: Any, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """`build()`'s named arrays, read from the cache when present, else built and stored."""
    if not enabled():
        return build()
    path = cache_file(kind, key, ".npz")
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError):
        pass
    arrays = build()
    try:
        with atomic_path(path) as temp:
            with open(temp, "wb") as handle:
                np.savez(handle, **arrays)
    except OSError:
        pass
    return arrays


def cached_value(kind: str, key: Any, build: Callable[[], Any]) -> Any:
    """`build()`'s JSON-able value, read from the cache when present, else computed and stored."""
    if not enabled():
        return build()
    path = cache_file(kind, key, ".json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))["value"]
    except (OSError, ValueError, KeyError):
        pass
    value = build()
    try:
        with atomic_path(path) as temp:
            temp.write_text(json.dumps({"key": key, "value": value}), encoding="utf-8")
    except OSError:
        pass
    return value


def fingerprint(*arrays: np.ndarray) -> str:
    """A digest of arrays' dtypes, shapes and bytes: equal fingerprints, equal data."""
    digest = hashlib.blake2b(digest_size=20)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()
