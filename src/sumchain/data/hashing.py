"""MurmurHash3 (x86, 32-bit), for feature hashing that is stable everywhere.

Why MurmurHash3 and not `hash()`: Python's `hash()` is salted per process. MurmurHash3_x86_32 is
what scikit-learn's `HashingVectorizer` and Vowpal Wabbit use, so buckets can be compared with
theirs. `mmh3` computes it in C. Text is hashed as its UTF-8 bytes; the result is the unsigned
32-bit value.
"""

from __future__ import annotations

import mmh3


def murmurhash3_32(data: str | bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 of `data` (str is encoded as UTF-8) with a 32-bit `seed`."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return mmh3.hash(raw, seed & 0xFFFFFFFF, signed=False)


class TokenHasher:
    """Map tokens to `num_buckets` feature indices; remembers each token's bucket.

    Why a cache: a corpus repeats the same few tens of thousands of words millions of times,
    and a dict look-up is cheaper than even a C hash called from Python.
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
