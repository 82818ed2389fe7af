"""The contract's checks of a sample, a label and a time: one set, so that every contract and client
that takes a sample (the trainer, the prediction market, the EVM trainer before it sends a call, a
live contract before it signs one) refuses the same input with the same reason.

A sparse sample is canonical once checked: sorted, distinct int32 feature indices within the model's
width (unsorted or repeated indices are sorted and merged, as a set of present features). A dense
sample is every feature's value in fixed point (`sumchain.models.protocol`), within the values a
contract can hold.
"""

from __future__ import annotations

import numpy as np

from sumchain.errors import Rejected
from sumchain.models.protocol import MAX_DENSE_UNITS, SCALE


def check_features(x, num_features: int, dense: bool = False) -> np.ndarray:
    """x as the contract takes it (see the module), or `Rejected` naming what is wrong."""
    if dense:
        return check_dense_features(x, num_features)
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.ndim != 1:
        raise Rejected("x must be a one-dimensional array of feature indices")
    if x.size == 0:
        return x.astype(np.int32)
    if x.dtype.kind not in "iu":
        raise Rejected(f"x must be integer feature indices, got {x.dtype}")
    if x.size > 1 and np.count_nonzero(x[1:] <= x[:-1]):      # not strictly increasing
        x = np.unique(x)
    first, last = int(x[0]), int(x[-1])
    if first < 0 or last >= num_features:
        bad = first if first < 0 else last
        raise Rejected(f"feature index {bad} is out of range; allowed 0..{num_features - 1}")
    return x if x.dtype == np.int32 else x.astype(np.int32)


def check_dense_features(x, num_features: int) -> np.ndarray:
    """A dense sample: exactly `num_features` integer fixed-point values, each within ±MAX_DENSE_UNITS."""
    x = np.asarray(x)
    if x.shape != (num_features,) or (x.size and x.dtype.kind not in "iu"):
        raise Rejected(f"x must be {num_features} integer feature values (fixed point, {SCALE} per 1.0)")
    if x.size and int(np.abs(x).max()) > MAX_DENSE_UNITS:
        raise Rejected(f"a feature value is beyond the allowed ±{MAX_DENSE_UNITS} fixed-point units")
    return x.astype(np.int64)


def check_label(y, num_classes: int) -> int:
    """A class index from 0 to num_classes - 1 (a bool is refused: it is no class index)."""
    if isinstance(y, bool) or not isinstance(y, (int, np.integer)) or not 0 <= int(y) < num_classes:
        allowed = "0 or 1" if num_classes == 2 else f"from 0 to {num_classes - 1}"
        raise Rejected(f"y must be a class index {allowed}, got {y!r}")
    return int(y)


def check_time(added_time) -> int:
    """A contribution's added time: a whole number of seconds."""
    if isinstance(added_time, bool) or not isinstance(added_time, (int, np.integer)):
        raise Rejected(f"added_time must be a whole number of seconds, got {added_time!r}")
    return int(added_time)


__all__ = ["check_dense_features", "check_features", "check_label", "check_time"]
