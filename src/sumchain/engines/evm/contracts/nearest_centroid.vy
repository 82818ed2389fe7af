# pragma version 0.4.3
"""
@title Nearest centroid classifier over sparse binary samples, centroids in fixed point
@notice Same arithmetic as sumchain.models.nearest_centroid.NearestCentroid (sparse samples): per
        class a centroid in CENTROID_SCALE (10**6) units per 1.0 and the number of samples seen;
        the prediction is the class with the highest 2 * CENTROID_SCALE * sum(centroid[x]) - |centroid|^2
        (the negated squared distance without the |x|^2 every class shares), the lowest class on a tie;
        an update moves every coordinate of the label's centroid by (target - c) // (n + 1), where
        Vyper's signed // truncates toward zero as the Python model's div_toward_zero does, and
        recomputes that centroid's squared norm. A sample is the strictly increasing list of its
        present feature indices (packed on the wire, sparse_sample.vy).
        A model module of the trainer (trainer.vy). State rows: c < num_classes the centroid of
        class c, num_classes the samples seen per class. dense_nearest_centroid.vy shares this state.
"""

import sparse_sample

MAX_FEATURES: constant(uint256) = sparse_sample.MAX_FEATURES
MAX_WORDS: constant(uint256) = sparse_sample.MAX_WORDS
MAX_CHUNK: constant(uint256) = 1024
MAX_WIDTH: constant(uint256) = 65535
MAX_CLASSES: constant(uint256) = 16
CENTROID_SCALE: constant(int256) = 1000000

num_features: public(uint256)
max_features: public(uint256)
num_classes: public(uint256)
centroids: public(HashMap[uint256, HashMap[uint256, int256]])
class_samples: public(HashMap[uint256, uint256])
norms: public(HashMap[uint256, int256])
version: public(uint256)


struct Sample:
    features: DynArray[uint256, MAX_FEATURES]


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, unused: int256,
             intercept: int256):
    """A nearest centroid model has no parameter and no intercept (both 0)."""
    assert num_features >= 1 and num_features <= MAX_WIDTH, "num_features must be between 1 and 65535"
    assert max_features >= 1 and max_features <= MAX_FEATURES, "max_features must be between 1 and 1024"
    assert num_classes >= 2 and num_classes <= MAX_CLASSES, "num_classes must be between 2 and 16"
    assert unused == 0 and intercept == 0, "nearest centroid has no parameter and no intercept"
    self.num_features = num_features
    self.max_features = max_features
    self.num_classes = num_classes


@internal
@view
def classes() -> uint256:
    return self.num_classes


@internal
@view
def state_version() -> uint256:
    return self.version


@internal
@view
def shape() -> (uint256, uint256, uint256):
    return self.num_features, self.max_features, self.num_classes


@internal
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    """Initialisation by the owner: some coordinates of class `row`'s centroid, or (row num_classes)
    the samples seen of the classes `indices`."""
    assert row <= self.num_classes, "row out of range: a class's centroid, or num_classes for the samples per class"
    assert len(indices) == len(values), "indices and values must have the same length"
    if row == self.num_classes:
        for k: uint256 in range(len(indices), bound=MAX_CHUNK):
            assert indices[k] < self.num_classes and values[k] >= 0, "class out of range, or a count below 0"
            self.class_samples[indices[k]] = convert(values[k], uint256)
        return
    norm: int256 = self.norms[row]
    for k: uint256 in range(len(indices), bound=MAX_CHUNK):
        assert indices[k] < self.num_features, "centroid index out of range"
        old: int256 = self.centroids[row][indices[k]]
        norm += values[k] * values[k] - old * old
        self.centroids[row][indices[k]] = values[k]
    self.norms[row] = norm


@internal
@view
def state_from(row: uint256, first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    out: DynArray[int256, MAX_CHUNK] = []
    width: uint256 = self.num_features
    if row == self.num_classes:
        width = self.num_classes
    for i: uint256 in range(first, first + count, bound=MAX_CHUNK):
        if i >= width:
            break
        if row == self.num_classes:
            out.append(convert(self.class_samples[i], int256))
        else:
            out.append(self.centroids[row][i])
    return out


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> Sample:
    return Sample(features=sparse_sample.unpack(words, self.max_features, self.num_features))


@internal
@view
def score(x: Sample, c: uint256) -> int256:
    dot: int256 = 0
    for i: uint256 in x.features:
        dot += self.centroids[c][i]
    return 2 * CENTROID_SCALE * dot - self.norms[c]


@internal
@view
def predict(x: Sample) -> uint256:
    best: uint256 = 0
    best_score: int256 = 0
    for c: uint256 in range(MAX_CLASSES):
        if c >= self.num_classes:
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
        if c >= self.num_classes:
            break
        if c != y:
            others = max(others, self.score(x, c))
    return self.score(x, y) - others


@internal
def move_toward(y: uint256, targets: DynArray[int256, MAX_FEATURES], present: DynArray[uint256, MAX_FEATURES]):
    """Move class y's centroid a running-mean step toward a sample: feature present[k] has target
    targets[k], every other feature 0 (a sparse sample lists its present features, a dense one
    its non-zero values). Recomputes the squared norm."""
    divisor: int256 = convert(self.class_samples[y], int256) + 1
    norm: int256 = 0
    next_present: uint256 = 0
    for i: uint256 in range(self.num_features, bound=MAX_WIDTH):
        target: int256 = 0
        if next_present < len(present) and present[next_present] == i:
            target = targets[next_present]
            next_present += 1
        c: int256 = self.centroids[y][i]
        moved: int256 = c + (target - c) // divisor
        if moved != c:
            self.centroids[y][i] = moved
        norm += moved * moved
    self.norms[y] = norm
    self.class_samples[y] += 1
    self.version += 1


@internal
def update(x: Sample, y: uint256) -> bool:
    """Move the label's centroid toward x by a running mean; every update changes the model."""
    targets: DynArray[int256, MAX_FEATURES] = []
    for i: uint256 in x.features:
        targets.append(CENTROID_SCALE)
    self.move_toward(y, targets, x.features)
    return True
