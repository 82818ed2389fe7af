# pragma version 0.4.3
"""
@title A sparse binary sample on the wire: packed feature indices
@notice A sample is the strictly increasing list of its present feature indices. On the wire it is
        packed: 16 big-endian 16-bit indices per 32-byte word, the last word padded with 0xFFFF (so
        65,535 features at most). Calldata and log data cost gas per byte, and 2 bytes per feature
        instead of 32 make a 125-feature add about 15k gas cheaper. The sparse families
        (perceptron.vy, naive_bayes.vy, nearest_centroid.vy) unpack their samples here.
"""

MAX_FEATURES: constant(uint256) = 1024
MAX_WORDS: constant(uint256) = 64           # MAX_FEATURES // LANES
LANES: constant(uint256) = 16
PAD: constant(uint256) = 65535


@internal
@pure
def unpack(words: DynArray[uint256, MAX_WORDS], max_features: uint256,
           num_features: uint256) -> DynArray[uint256, MAX_FEATURES]:
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
    n: uint256 = len(x)
    if n > max_features:
        raise concat("a sample may have at most ", uint2str(max_features), " present features, got ",
                     uint2str(n))
    if n == 0:
        return x
    if x[n - 1] >= num_features:
        raise concat("feature index ", uint2str(x[n - 1]), " is out of range; allowed 0..",
                     uint2str(num_features - 1))
    for i: uint256 in range(1, n, bound=MAX_FEATURES):
        assert x[i] > x[i - 1], "x must be strictly increasing feature indices"
    return x
