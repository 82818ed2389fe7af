"""The deployment's encoder read backwards (`feature_words`): a contribution's features shown as the
words they stand for, the inverse of `encode_text` on the words the encoder knows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumchain.live.encoder import FIRST_WORD, EncoderError, encode_text, feature_words, spec_digest

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon"]


def spec(kind: str, **fields) -> dict:
    body = {"kind": kind, "dataset": "test", **fields}
    return {**body, "digest": spec_digest(body)}


KERAS = spec("keras_index", num_features=FIRST_WORD + len(WORDS), words=WORDS)
VOCABULARY = spec("vocabulary", num_features=1 + len(WORDS), words=WORDS)


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_the_words_of_an_encoded_text_are_its_known_words(tokens):
    text = " ".join(tokens)
    assert feature_words(VOCABULARY, encode_text(VOCABULARY, text)) == sorted(set(tokens), key=WORDS.index)
    assert feature_words(KERAS, encode_text(KERAS, text)) == ["<start>", *sorted(set(tokens), key=WORDS.index)]


def test_unknown_words_and_features_are_named_not_dropped():
    assert feature_words(KERAS, encode_text(KERAS, "alpha zebra")) == ["<start>", "<oov>", "alpha"]
    assert feature_words(VOCABULARY, [0, 2, 99]) == ["<0>", "beta", "<99>"]


def test_hashing_and_features_encoders_name_no_words():
    assert feature_words(spec("hashing", num_features=64, num_buckets=64, seed=1), [3, 9]) is None
    assert feature_words(spec("features", num_features=4), [1, 2]) is None


def test_a_changed_word_list_is_refused():
    changed = {**VOCABULARY, "words": ["<b>alpha</b>", *WORDS[1:]]}
    with pytest.raises(EncoderError, match="does not match its digest"):
        feature_words(changed, [1])
