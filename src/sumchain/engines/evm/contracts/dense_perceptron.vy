# pragma version 0.4.3
"""
@title Perceptron over dense fixed-point feature values
@notice Same arithmetic as sumchain.models.dense_perceptron.DensePerceptron: a sample is every
        feature's value in SCALE (1,000) units per 1.0, |value| <= 32,768; predicts 1 when
        weights . x + intercept * SCALE > 0, else 0; on a mistake each weight moves by
        (step * x_i) // SCALE (Vyper's signed // truncates toward zero, as the Python model's
        div_toward_zero) and the intercept by step = +-learning_rate.
        Not yet wired into trainer.vy: tests/engines/evm/test_dense_perceptron.py checks it against
        the Python model through a small harness contract.
"""

MAX_DENSE_FEATURES: constant(uint256) = 4096
SCALE: constant(int256) = 1000
MAX_VALUE: constant(int256) = 32768

num_features: public(uint256)
learning_rate: public(int256)
intercept: public(int256)
weights: public(HashMap[uint256, int256])
version: public(uint256)


@deploy
def __init__(num_features: uint256, learning_rate: int256, intercept: int256):
    assert num_features >= 1 and num_features <= MAX_DENSE_FEATURES, "num_features must be between 1 and 4096"
    self.num_features = num_features
    self.learning_rate = learning_rate
    self.intercept = intercept


@internal
def set_weights(first: uint256, values: DynArray[int256, MAX_DENSE_FEATURES]):
    assert first + len(values) <= self.num_features, "weight index out of range"
    for i: uint256 in range(len(values), bound=MAX_DENSE_FEATURES):
        self.weights[first + i] = values[i]


@internal
@view
def check(x: DynArray[int256, MAX_DENSE_FEATURES]):
    """Refuse a sample that is not one value per feature within the bound (never truncated)."""
    if len(x) != self.num_features:
        raise concat("x must be ", uint2str(self.num_features), " integer feature values (fixed point, 1000 per 1.0)")
    for v: int256 in x:
        assert v <= MAX_VALUE and v >= -MAX_VALUE, "a feature value is beyond the allowed +-32768 fixed-point units"


@internal
@view
def predict(x: DynArray[int256, MAX_DENSE_FEATURES]) -> uint256:
    score: int256 = self.intercept * SCALE
    for i: uint256 in range(len(x), bound=MAX_DENSE_FEATURES):
        if x[i] != 0:
            score += self.weights[i] * x[i]
    if score > 0:
        return 1
    return 0


@internal
def update(x: DynArray[int256, MAX_DENSE_FEATURES], y: uint256) -> bool:
    """Move towards y if the model gets x wrong; return whether anything changed."""
    if self.predict(x) == y:
        return False
    step: int256 = self.learning_rate
    if y == 0:
        step = -step
    for i: uint256 in range(len(x), bound=MAX_DENSE_FEATURES):
        moved: int256 = (step * x[i]) // SCALE
        if moved != 0:
            self.weights[i] += moved
    self.intercept += step
    self.version += 1
    return True
