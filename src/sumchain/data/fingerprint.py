"""Fingerprints of data: what a ledger stores so that `verify` can tell changed data from a bad chain.

A run replays only on the data it ran on. `file_fingerprint` hashes a data file (or every file of a
data folder, with its relative name) as read from disk; `dataset_fingerprint` hashes the loaded
features and labels, so a loader or generator that changed is caught as well as an edited file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from sumchain.data.dataset import Dataset

CHUNK = 1 << 20


def file_fingerprint(path: str | Path) -> str:
    """SHA-256 of a file's bytes; for a folder, of each file's relative name and bytes in name order."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def dataset_fingerprint(dataset: Dataset) -> str:
    """SHA-256 of the loaded training and test features (CSR structure) and labels."""
    digest = hashlib.sha256()
    for X, y in ((dataset.X_train, dataset.y_train), (dataset.X_test, dataset.y_test)):
        digest.update(f"{X.shape[0]}x{X.shape[1]}|".encode())
        for part in (X.indptr, X.indices):
            digest.update(np.ascontiguousarray(part, dtype="<i8").tobytes())
        digest.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    return digest.hexdigest()
