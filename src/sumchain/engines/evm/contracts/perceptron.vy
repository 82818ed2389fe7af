# pragma version 0.4.3
"""
@title Sparse binary perceptron with integer (fixed-point) weights
@notice Predicts 1 when intercept + sum(weights[x]) > 0, else 0; learns only from mistakes.
        Same arithmetic as sumchain.models.SparsePerceptron: a sample is the strictly increasing
        list of its present feature indices (packed on the wire, sparse_sample.vy); an update moves
        each present weight and the intercept by exactly learning_rate units towards the label.
        A model module of the trainer (trainer.vy says what every model module gives). State rows:
        0 the weights by feature index, 1 the intercept (set at deployment).
"""

import sparse_sample

MAX_FEATURES: constant(uint256) = sparse_sample.MAX_FEATURES
MAX_WORDS: constant(uint256) = sparse_sample.MAX_WORDS
MAX_CHUNK: constant(uint256) = 1024
WEIGHTS: constant(uint256) = 0
INTERCEPT: constant(uint256) = 1

num_features: public(uint256)
max_features: public(uint256)
learning_rate: public(int256)
intercept: public(int256)
weights: public(HashMap[uint256, int256])
version: public(uint256)


struct Sample:
    features: DynArray[uint256, MAX_FEATURES]


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, learning_rate: int256,
             intercept: int256):
    assert num_features >= 1, "num_features must be >= 1"
    assert num_features <= sparse_sample.PAD, "num_features must be at most 65535 on the EVM (16-bit feature indices)"
    assert max_features >= 1 and max_features <= MAX_FEATURES, "max_features must be between 1 and 1024"
    assert num_classes == 2, "a perceptron has two classes"
    self.num_features = num_features
    self.max_features = max_features
    self.learning_rate = learning_rate
    self.intercept = intercept


@internal
@view
def classes() -> uint256:
    return 2


@internal
@view
def state_version() -> uint256:
    return self.version


@internal
@view
def shape() -> (uint256, uint256, uint256):
    return self.num_features, self.max_features, 2


@internal
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    assert row == WEIGHTS, "a perceptron's initial state is its weights (row 0)"
    assert len(indices) == len(values), "indices and values must have the same length"
    for i: uint256 in range(len(indices), bound=MAX_CHUNK):
        assert indices[i] < self.num_features, "weight index out of range"
        self.weights[indices[i]] = values[i]


@internal
@view
def state_from(row: uint256, first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    if row == INTERCEPT:
        return [self.intercept]
    out: DynArray[int256, MAX_CHUNK] = []
    for i: uint256 in range(first, first + count, bound=MAX_CHUNK):
        if i >= self.num_features:
            break
        out.append(self.weights[i])
    return out


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> Sample:
    """A packed sample, checked against the bounds (never truncated)."""
    return Sample(features=sparse_sample.unpack(words, self.max_features, self.num_features))


@internal
@view
def score(x: Sample) -> int256:
    s: int256 = self.intercept
    for i: uint256 in x.features:
        s += self.weights[i]
    return s


@internal
@view
def predict(x: Sample) -> uint256:
    if self.score(x) > 0:
        return 1
    return 0


@internal
@view
def margin(x: Sample, y: uint256) -> int256:
    """How far the score lies on y's side of the boundary (negative: the model disagrees with y)."""
    if y == 1:
        return self.score(x)
    return -self.score(x)


@internal
def update(x: Sample, y: uint256) -> bool:
    """Move towards y if the model gets x wrong; return whether anything changed."""
    if self.predict(x) == y:
        return False
    step: int256 = self.learning_rate
    if y == 0:
        step = -step
    for i: uint256 in x.features:
        self.weights[i] += step
    self.intercept += step
    self.version += 1
    return True
