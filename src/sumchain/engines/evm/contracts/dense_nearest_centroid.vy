# pragma version 0.4.3
"""
@title Nearest centroid classifier over dense fixed-point feature values
@notice Same arithmetic as sumchain.models.nearest_centroid.NearestCentroid with dense samples: a
        sample is every feature's value in SCALE (1,000) units per 1.0 (packed on the wire,
        dense_sample.vy), PRECISION (1,000) times finer in centroid units; the score of class c is
        2 * PRECISION * (centroid . x) - |centroid|^2, the update the same running mean as the
        sparse model's. The sparse model's state (nearest_centroid.vy: centroids, norms, samples
        per class, state rows) with its own sample form; a model module of the trainer (trainer.vy).
"""

import dense_sample
import nearest_centroid

initializes: nearest_centroid

MAX_FEATURES: constant(uint256) = dense_sample.MAX_FEATURES
MAX_WORDS: constant(uint256) = dense_sample.MAX_WORDS
MAX_CHUNK: constant(uint256) = nearest_centroid.MAX_CHUNK
MAX_CLASSES: constant(uint256) = nearest_centroid.MAX_CLASSES
PRECISION: constant(int256) = 1000


struct Sample:
    values: DynArray[int256, MAX_FEATURES]


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, unused: int256,
             intercept: int256):
    """max_features is not a bound here: a dense sample has a value for every feature."""
    assert num_features >= 1 and num_features <= MAX_FEATURES, "num_features must be between 1 and 1024"
    nearest_centroid.__init__(num_features, num_features, num_classes, unused, intercept)


@internal
@view
def classes() -> uint256:
    return nearest_centroid.num_classes


@internal
@view
def state_version() -> uint256:
    return nearest_centroid.version


@internal
@view
def shape() -> (uint256, uint256, uint256):
    return nearest_centroid.shape()


@internal
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    nearest_centroid.set_state(row, indices, values)


@internal
@view
def state_from(row: uint256, first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    return nearest_centroid.state_from(row, first, count)


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> Sample:
    return Sample(values=dense_sample.unpack(words, nearest_centroid.num_features))


@internal
@view
def score(x: Sample, c: uint256) -> int256:
    dot: int256 = 0
    for i: uint256 in range(len(x.values), bound=MAX_FEATURES):
        if x.values[i] != 0:
            dot += nearest_centroid.centroids[c][i] * x.values[i]
    return 2 * PRECISION * dot - nearest_centroid.norms[c]


@internal
@view
def predict(x: Sample) -> uint256:
    best: uint256 = 0
    best_score: int256 = 0
    for c: uint256 in range(MAX_CLASSES):
        if c >= nearest_centroid.num_classes:
            break
        s: int256 = self.score(x, c)
        if c == 0 or s > best_score:
            best = c
            best_score = s
    return best


@internal
@view
def margin(x: Sample, y: uint256) -> int256:
    """The score of y minus the best score of any other class."""
    others: int256 = min_value(int256)
    for c: uint256 in range(MAX_CLASSES):
        if c >= nearest_centroid.num_classes:
            break
        if c != y:
            others = max(others, self.score(x, c))
    return self.score(x, y) - others


@internal
def update(x: Sample, y: uint256) -> bool:
    """Move the label's centroid toward x by a running mean; every update changes the model."""
    targets: DynArray[int256, MAX_FEATURES] = []
    present: DynArray[uint256, MAX_FEATURES] = []
    for i: uint256 in range(len(x.values), bound=MAX_FEATURES):
        if x.values[i] != 0:
            targets.append(x.values[i] * PRECISION)
            present.append(i)
    nearest_centroid.move_toward(y, targets, present)
    return True
