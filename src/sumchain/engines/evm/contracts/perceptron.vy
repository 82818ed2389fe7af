# pragma version 0.4.3
"""
@title Sparse binary perceptron with integer (fixed-point) weights
@notice Predicts 1 when intercept + sum(weights[x]) > 0, else 0; learns only from mistakes.
        Same arithmetic as sumchain.models.SparsePerceptron: a sample is the strictly increasing
        list of its present feature indices; an update moves each present weight and the intercept
        by exactly learning_rate units towards the label.
        On the wire a sample is packed: 16 big-endian 16-bit indices per 32-byte word, the last
        word padded with 0xFFFF (so 65,535 features at most). Calldata and log data cost gas per
        byte, and 2 bytes per feature instead of 32 make a 125-feature add about 15k gas cheaper.
"""

MAX_FEATURES: constant(uint256) = 1024
MAX_WORDS: constant(uint256) = 64           # MAX_FEATURES // LANES
LANES: constant(uint256) = 16
PAD: constant(uint256) = 65535
MAX_CHUNK: constant(uint256) = 1024

num_features: public(uint256)
max_features: public(uint256)
learning_rate: public(int256)
intercept: public(int256)
weights: public(HashMap[uint256, int256])
version: public(uint256)


@deploy
def __init__(num_features: uint256, max_features: uint256, learning_rate: int256, intercept: int256):
    assert num_features >= 1, "num_features must be >= 1"
    assert num_features <= PAD, "num_features must be at most 65535 on the EVM (16-bit feature indices)"
    assert max_features >= 1 and max_features <= MAX_FEATURES, "max_features must be between 1 and 1024"
    self.num_features = num_features
    self.max_features = max_features
    self.learning_rate = learning_rate
    self.intercept = intercept


@internal
def set_weights(indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    assert len(indices) == len(values), "indices and values must have the same length"
    for i: uint256 in range(len(indices), bound=MAX_CHUNK):
        assert indices[i] < self.num_features, "weight index out of range"
        self.weights[indices[i]] = values[i]


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> DynArray[uint256, MAX_FEATURES]:
    """The feature indices of a packed sample, checked against the bounds (never truncated)."""
    x: DynArray[uint256, MAX_FEATURES] = []
    padded: bool = False
    for word: uint256 in words:
        assert not padded, "x is not packed correctly (padding before the last word)"
        for j: uint256 in range(LANES):
            index: uint256 = (word >> (240 - 16 * j)) & PAD
            if index == PAD:
                padded = True
            else:
                assert not padded, "x is not packed correctly (an index after the padding)"
                x.append(index)
    assert len(x) + LANES > len(words) * LANES, "x is not packed correctly (an empty word)"
    self.check(x)
    return x


@internal
@view
def check(x: DynArray[uint256, MAX_FEATURES]):
    """Refuse a sample over the deployment bounds, or not in canonical form (never truncated)."""
    n: uint256 = len(x)
    if n > self.max_features:
        raise concat("a sample may have at most ", uint2str(self.max_features), " present features, got ",
                     uint2str(n))
    if n == 0:
        return
    if x[n - 1] >= self.num_features:
        raise concat("feature index ", uint2str(x[n - 1]), " is out of range; allowed 0..",
                     uint2str(self.num_features - 1))
    for i: uint256 in range(1, n, bound=MAX_FEATURES):
        assert x[i] > x[i - 1], "x must be strictly increasing feature indices"


@internal
@view
def score(x: DynArray[uint256, MAX_FEATURES]) -> int256:
    s: int256 = self.intercept
    for i: uint256 in x:
        s += self.weights[i]
    return s


@internal
@view
def predict(x: DynArray[uint256, MAX_FEATURES]) -> uint256:
    if self.score(x) > 0:
        return 1
    return 0


@internal
@view
def margin(x: DynArray[uint256, MAX_FEATURES], y: uint256) -> int256:
    """How far the score lies on y's side of the boundary (negative: the model disagrees with y)."""
    if y == 1:
        return self.score(x)
    return -self.score(x)


@internal
def update(x: DynArray[uint256, MAX_FEATURES], y: uint256) -> bool:
    """Move towards y if the model gets x wrong; return whether anything changed."""
    if self.predict(x) == y:
        return False
    step: int256 = self.learning_rate
    if y == 0:
        step = -step
    for i: uint256 in x:
        self.weights[i] += step
    self.intercept += step
    self.version += 1
    return True


@internal
@view
def weights_from(first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    out: DynArray[int256, MAX_CHUNK] = []
    for i: uint256 in range(first, first + count, bound=MAX_CHUNK):
        if i >= self.num_features:
            break
        out.append(self.weights[i])
    return out
