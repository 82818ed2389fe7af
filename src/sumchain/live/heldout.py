"""A deployment's held-out test set: a few hundred rows the manifest carries, so that any client can
measure the deployed model's accuracy at any block without the training data.

Why in the manifest and hashed: the rows must be the same for every measurement that is compared,
and a measurement kept for later names the rows it used by their hash (`sha256` of the canonical
JSON of rows and labels). Rows are the samples' present feature indices, as `sumchain contract
--features` takes them; labels are class indices.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

HELDOUT_ROWS = 200
"""At most this many rows (the first ones of the data's test split): a measurement reads the model's
prediction for each row, so this bounds its cost."""


def heldout_hash(rows: list[list[int]], labels: list[int]) -> str:
    text = json.dumps({"rows": rows, "labels": labels}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def heldout_of(dataset, limit: int = HELDOUT_ROWS) -> dict[str, Any]:
    """The manifest's `test_set`: the first `limit` rows of the data's test split."""
    X, y = dataset.X_test, dataset.y_test
    count = min(limit, X.shape[0])
    rows = [[int(i) for i in X.indices[X.indptr[r]:X.indptr[r + 1]]] for r in range(count)]
    labels = [int(v) for v in y[:count]]
    return {"rows": rows, "labels": labels, "sha256": heldout_hash(rows, labels)}


def heldout_problem(value: Any) -> str | None:
    """Why `value` is not a usable test set (in words), or None when it is one."""
    if not isinstance(value, dict):
        return "a JSON object with rows, labels and sha256"
    rows, labels = value.get("rows"), value.get("labels")
    if not (isinstance(rows, list) and all(isinstance(r, list) and all(type(i) is int and i >= 0 for i in r)
                                           for r in rows)):
        return "rows as lists of feature indices"
    if not (isinstance(labels, list) and len(labels) == len(rows) and all(type(v) is int and v >= 0 for v in labels)):
        return "one class index per row in labels"
    if value.get("sha256") != heldout_hash(rows, labels):
        return "a sha256 matching its rows and labels (the rows were edited)"
    return None
