"""The encoder a client needs to turn raw text into a deployed model's features.

Why it lives in the manifest: a contract holds feature indices, not words. A contributor who types
a review must get the indices the model was trained on, so the deployment stores the exact rule
(the word of every feature, or the hashing parameters) with a digest, and every client encodes
through `encode_text`, the one encoder.

Kinds, by dataset:
- `keras_index` (`synthetic`, `imdb`): Keras' IMDB conventions (`sumchain.data.keras_index`):
  feature 1 is on in every review, feature 2 when a word is outside the kept vocabulary, the word
  of feature i is `words[i - 3]`;
- `vocabulary` (`text` with `features=vocabulary`): the word of feature i is `words[i - 1]`,
  unknown words are dropped (`sumchain.data.tokenize`);
- `hashing` (`text` with `features=hashing`): MurmurHash3 of each token with `seed`, modulo
  `num_buckets` (`sumchain.data.hashing`);
- `features` (`csv`, or a word list the loader does not have): no text encoder; give features.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from sumchain.data.hashing import TokenHasher
from sumchain.data.keras_index import INDEX_FROM, MARKER_NAMES, OOV, START
from sumchain.data.tokenize import tokenize
from sumchain.errors import SumchainError

FIRST_WORD = INDEX_FROM + 1
"""Keras' word ranks start at 1, so the first word feature is INDEX_FROM + 1 (feature 3 is never on)."""

KINDS = ("keras_index", "vocabulary", "hashing", "features")


class EncoderError(SumchainError):
    """The deployment has no text encoder, or its stored encoder is damaged; one line saying which."""


def encoder_spec(config, dataset) -> dict[str, Any]:
    """The JSON-ready encoder of a deployment trained on `dataset` loaded with `config`."""
    width = dataset.num_features
    if config.dataset in ("synthetic", "imdb"):
        words = [dataset.feature_name(i) for i in range(FIRST_WORD, width)]
        spec = {"kind": "keras_index", "num_features": width, "words": words} if None not in words else None
    elif config.dataset == "text" and config.features == "hashing":
        spec = {"kind": "hashing", "num_features": width, "num_buckets": int(config.num_words),
                "seed": int(config.hash_seed)}
    elif config.dataset == "text":
        words = [dataset.feature_name(i) for i in range(1, width)]
        words = words[:next((i for i, w in enumerate(words) if w is None), len(words))]
        spec = {"kind": "vocabulary", "num_features": width, "words": words}
    else:
        spec = None
    if spec is None:
        spec = {"kind": "features", "num_features": width}
    spec["dataset"] = config.dataset
    spec["digest"] = spec_digest(spec)
    return spec


def spec_digest(spec: dict[str, Any]) -> str:
    """sha256 of the spec's canonical JSON, without its own digest."""
    body = {key: value for key, value in spec.items() if key != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_spec(spec: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
        raise EncoderError(f"the manifest's encoder must have a kind, one of: {', '.join(KINDS)}")
    if spec.get("digest") != spec_digest(spec):
        raise EncoderError("the manifest's encoder does not match its digest: the word list or parameters "
                           "were changed after deployment")
    return spec


def encode_text(spec: dict[str, Any], text: str) -> np.ndarray:
    """The sorted, distinct feature indices of `text` under the deployment's encoder."""
    kind = check_spec(spec)["kind"]
    tokens = tokenize(text)
    width = int(spec["num_features"])
    if kind == "features":
        raise EncoderError(f"this deployment (dataset={spec.get('dataset')}) has no text encoder: "
                           f"give the sample's feature indices instead")
    if kind == "hashing":
        indices = TokenHasher(int(spec["num_buckets"]), int(spec["seed"])).indices(tokens)
    elif kind == "vocabulary":
        rank = {word: i for i, word in enumerate(spec["words"], start=1)}
        indices = [rank[token] for token in tokens if token in rank]
    else:
        rank = {word: i for i, word in enumerate(spec["words"], start=FIRST_WORD)}
        indices = [START] + [rank.get(token, OOV) for token in tokens]
    return np.unique(np.asarray([i for i in indices if 0 <= i < width], dtype=np.int64))


def feature_words(spec: dict[str, Any], x) -> list[str] | None:
    """The words of a sample's features under the deployment's encoder (the inverse of `encode_text`
    where there is one, Keras' markers by their names), or None for hashing and
    features encoders, whose features name no single word."""
    kind = check_spec(spec)["kind"]
    words = spec.get("words") or []
    if kind == "vocabulary":
        return [words[i - 1] if 0 < i <= len(words) else f"<{i}>" for i in map(int, x)]
    if kind == "keras_index":
        return [MARKER_NAMES.get(i) or (words[i - FIRST_WORD] if 0 <= i - FIRST_WORD < len(words) else f"<{i}>")
                for i in map(int, x)]
    return None
