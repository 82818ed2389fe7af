# pragma version 0.4.3
"""
@title Perceptron over dense fixed-point feature values
@notice Same arithmetic as sumchain.models.dense_perceptron.DensePerceptron: a sample is every
        feature's value in SCALE (1,000) units per 1.0, |value| <= 32,768 (packed on the wire,
        dense_sample.vy); predicts 1 when weights . x + intercept * SCALE > 0, else 0; on a mistake
        each weight moves by (step * x_i) // SCALE (Vyper's signed // truncates toward zero, as the
        Python model's div_toward_zero) and the intercept by step = +-learning_rate.
        The sparse perceptron's state (perceptron.vy: weights, intercept, state rows) with its own
        sample form and rules; a model module of the trainer (trainer.vy).
"""

import dense_sample
import perceptron

initializes: perceptron

MAX_FEATURES: constant(uint256) = dense_sample.MAX_FEATURES
MAX_WORDS: constant(uint256) = dense_sample.MAX_WORDS
MAX_CHUNK: constant(uint256) = perceptron.MAX_CHUNK
SCALE: constant(int256) = 1000


struct Sample:
    values: DynArray[int256, MAX_FEATURES]


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, learning_rate: int256,
             intercept: int256):
    """max_features is not a bound here: a dense sample has a value for every feature."""
    assert num_features >= 1 and num_features <= MAX_FEATURES, "num_features must be between 1 and 1024"
    perceptron.__init__(num_features, num_features, num_classes, learning_rate, intercept)


@internal
@view
def classes() -> uint256:
    return 2


@internal
@view
def state_version() -> uint256:
    return perceptron.version


@internal
@view
def shape() -> (uint256, uint256, uint256):
    return perceptron.shape()


@internal
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    perceptron.set_state(row, indices, values)


@internal
@view
def state_from(row: uint256, first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    return perceptron.state_from(row, first, count)


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> Sample:
    return Sample(values=dense_sample.unpack(words, perceptron.num_features))


@internal
@view
def score(x: Sample) -> int256:
    s: int256 = perceptron.intercept * SCALE
    for i: uint256 in range(len(x.values), bound=MAX_FEATURES):
        if x.values[i] != 0:
            s += perceptron.weights[i] * x.values[i]
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
    if y == 1:
        return self.score(x)
    return -self.score(x)


@internal
def update(x: Sample, y: uint256) -> bool:
    """Move towards y if the model gets x wrong; return whether anything changed."""
    if self.predict(x) == y:
        return False
    step: int256 = perceptron.learning_rate
    if y == 0:
        step = -step
    for i: uint256 in range(len(x.values), bound=MAX_FEATURES):
        moved: int256 = (step * x.values[i]) // SCALE
        if moved != 0:
            perceptron.weights[i] += moved
    perceptron.intercept += step
    perceptron.version += 1
    return True
