"""MurmurHash3_x86_32 against published test vectors, and the token hasher built on it."""

from __future__ import annotations

import pytest

from sumchain.data.hashing import TokenHasher, murmurhash3_32

# Published vectors (e.g. the SMHasher verification values and the widely cited table used to
# test ports of MurmurHash3_x86_32); text is hashed as UTF-8.
VECTORS = [
    ("", 0, 0),
    ("", 1, 0x514E28B7),
    ("", 0xFFFFFFFF, 0x81F16F39),
    ("\0\0\0\0", 0, 0x2362F9DE),
    ("aaaa", 0x9747B28C, 0x5A97808A),
    ("aaa", 0x9747B28C, 0x283E0130),
    ("aa", 0x9747B28C, 0x5D211726),
    ("a", 0x9747B28C, 0x7FA09EA6),
    ("abc", 0, 0xB3DD93FA),
    ("Hello, world!", 0x9747B28C, 0x24884CBA),
    ("The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
]


@pytest.mark.parametrize("text, seed, expected", VECTORS)
def test_published_vectors(text, seed, expected):
    assert murmurhash3_32(text, seed) == expected


def test_bytes_and_utf8_agree():
    assert murmurhash3_32("naïve", 7) == murmurhash3_32("naïve".encode("utf-8"), 7)
    assert 0 <= murmurhash3_32("π≈3.14", 0) < 2**32


def test_token_hasher_buckets_and_seed():
    hasher = TokenHasher(num_buckets=100, seed=0)
    assert hasher.indices(["good", "bad", "good"]) == [murmurhash3_32("good") % 100,
                                                       murmurhash3_32("bad") % 100,
                                                       murmurhash3_32("good") % 100]
    other = TokenHasher(num_buckets=100, seed=1)
    words = [f"w{i}" for i in range(50)]
    assert hasher.indices(words) != other.indices(words)
    with pytest.raises(ValueError):
        TokenHasher(0)
