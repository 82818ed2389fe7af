"""MurmurHash3 (x86, 32-bit), for feature hashing that is stable everywhere.

Why our own: Python's `hash()` is salted per process, and a hashing dependency would be one
more install for forty lines of arithmetic. MurmurHash3_x86_32 is what scikit-learn's
`HashingVectorizer` and Vowpal Wabbit use, so buckets can be compared with theirs. Text is
hashed as its UTF-8 bytes; the result is the unsigned 32-bit value.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF
_C1 = 0xCC9E2D51
_C2 = 0x1B873593


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _MASK


def _mix_block(k: int) -> int:
    k = (k * _C1) & _MASK
    k = _rotl(k, 15)
    return (k * _C2) & _MASK


def _finalise(h: int) -> int:
    """The avalanche step: every input bit affects every output bit."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    return h ^ (h >> 16)


def murmurhash3_32(data: str | bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 of `data` (str is encoded as UTF-8) with a 32-bit `seed`."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    h = seed & _MASK
    whole = len(raw) // 4 * 4
    for (k,) in struct.iter_unpack("<I", raw[:whole]):
        h ^= _mix_block(k)
        h = _rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = raw[whole:]
    if tail:
        h ^= _mix_block(int.from_bytes(tail, "little"))
    return _finalise(h ^ len(raw))


class TokenHasher:
    """Map tokens to `num_buckets` feature indices; remembers each token's bucket.

    Why a cache: a corpus repeats the same few tens of thousands of words millions of times,
    and the pure-Python hash costs microseconds, a dict look-up nanoseconds.
    """

    def __init__(self, num_buckets: int, seed: int = 0):
        if num_buckets < 1:
            raise ValueError("num_buckets must be >= 1")
        self.num_buckets = int(num_buckets)
        self.seed = int(seed)
        self._cache: dict[str, int] = {}

    def __call__(self, token: str) -> int:
        bucket = self._cache.get(token)
        if bucket is None:
            bucket = murmurhash3_32(token, self.seed) % self.num_buckets
            self._cache[token] = bucket
        return bucket

    def indices(self, tokens: list[str]) -> list[int]:
        return [self(token) for token in tokens]
