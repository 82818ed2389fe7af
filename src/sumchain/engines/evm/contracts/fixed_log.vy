# pragma version 0.4.3
"""
@title Base-2 logarithm of an integer in fixed point, integer operations only
@notice Exactly sumchain.models.fixedpoint.log2_fixed: the integer part is the bit length minus one
        (a binary search over shifts), the 16 fractional bits come from repeatedly squaring a 30-bit
        mantissa, truncating. Result in LOG_ONE (2**16) units per 1.0.
"""

LOG_BITS: constant(uint256) = 16
MANTISSA_BITS: constant(uint256) = 30
MAX_INPUT: constant(uint256) = 1 << 62


@internal
@pure
def log2_fixed(v: uint256) -> int256:
    assert v >= 1 and v < MAX_INPUT, "log2 needs an integer from 1 to 2**62 - 1"
    n: uint256 = 0
    rest: uint256 = v
    for step_bits: uint256 in [32, 16, 8, 4, 2, 1]:
        if rest >= (1 << step_bits):
            n += step_bits
            rest = rest >> step_bits
    z: uint256 = 0
    if n <= MANTISSA_BITS:
        z = v << (MANTISSA_BITS - n)
    else:
        z = v >> (n - MANTISSA_BITS)
    result: uint256 = n << LOG_BITS
    for step: uint256 in range(LOG_BITS):
        z = (z * z) >> MANTISSA_BITS
        if z >= (2 << MANTISSA_BITS):
            z = z >> 1
            result += 1 << (LOG_BITS - 1 - step)
    return convert(result, int256)
