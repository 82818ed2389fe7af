# pragma version 0.4.3
"""
@title A dense sample on the wire: every feature's fixed-point value, packed
@notice A dense sample is one value per feature in SCALE (1,000) units per 1.0, |value| <= 32,768
        (sumchain.models.protocol.MAX_DENSE_UNITS). On the wire it is packed: 8 big-endian 32-bit
        two's-complement values per 32-byte word, exactly ceil(num_features / 8) words, the lanes
        after the last feature 0 (one canonical form, so a contribution's key is unique). The dense
        families (dense_perceptron.vy, dense_nearest_centroid.vy) unpack their samples here.
"""

MAX_FEATURES: constant(uint256) = 1024
LANES: constant(uint256) = 8
MAX_WORDS: constant(uint256) = 128          # MAX_FEATURES // LANES
MAX_VALUE: constant(int256) = 32768
LANE_MASK: constant(uint256) = 2**32 - 1
SIGN_BIT: constant(uint256) = 2**31


@internal
@pure
def unpack(words: DynArray[uint256, MAX_WORDS], num_features: uint256) -> DynArray[int256, MAX_FEATURES]:
    """Every feature's value of a packed sample, checked against the bounds (never truncated)."""
    if len(words) != (num_features + LANES - 1) // LANES:
        raise concat("x must be ", uint2str(num_features), " integer feature values (fixed point, 1000 per 1.0)")
    x: DynArray[int256, MAX_FEATURES] = []
    for k: uint256 in range(len(words), bound=MAX_WORDS):
        for j: uint256 in range(LANES):
            lane: uint256 = (words[k] >> (224 - 32 * j)) & LANE_MASK
            if k * LANES + j >= num_features:
                assert lane == 0, "x is not packed correctly (a value after the last feature)"
                continue
            v: int256 = convert(lane, int256)
            if lane >= SIGN_BIT:
                v -= convert(2 * SIGN_BIT, int256)
            assert v <= MAX_VALUE and v >= -MAX_VALUE, "a feature value is beyond the allowed +-32768 fixed-point units"
            x.append(v)
    return x
