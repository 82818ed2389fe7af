"""The built-in corpus: a seeded, offline stand-in for Keras' IMDB sentiment reviews.

Why a generator and not a file: the default experiment must run on a fresh machine without
network, and the study's findings depend on the *shape* of IMDB more than on its words. The
corpus keeps that shape:

- 25,000 training and 25,000 test reviews, labels balanced in each split, order shuffled;
- Keras' index conventions (`sumchain.data.keras_index`): feature 1 is the start marker (in
  every review), feature 2 the out-of-vocabulary marker (present when a review has a word ranked
  at or beyond `num_words`), and the word of frequency rank r (1 = most frequent) is feature r + 3, so `num_words=k` keeps
  the k most frequent features exactly as `keras.datasets.imdb.load_data(num_words=k)` does;
- word frequencies follow a Zipf law over a 30,000-word vocabulary;
- review lengths are log-normal with IMDB's median (about 175 words) and mean (about 235);
- sentiment: each token is drawn either from the Zipf background or, with a per-review
  probability, from a positive or a negative word list. Each review mixes the two lists in its
  own proportion (most lean towards their label, some lean the other way), which is what caps
  the attainable accuracy the way mixed and sarcastic reviews do in IMDB.

The sentiment parameters are calibrated so that the off-chain perceptron trained on all clean
training data reaches about the published IMDB perceptron accuracies: ~62% with 100 words,
~79% with 1,000 and ~85% with 10,000 (see tests/data/test_synthetic.py).

The corpus depends only on `CORPUS_SEED`, never on a run's seed: runs with different seeds see
the same data, as they would with IMDB. Generating it takes about two seconds, so it is kept on
disk (`sumchain.data.disk_cache`) keyed by `GENERATOR_VERSION`, the seed and every parameter
below; bump the version whenever the generator's code changes what it draws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from sumchain.config import Config
from sumchain.data.dataset import Dataset
from sumchain.data.disk_cache import cached_arrays
from sumchain.data.keras_index import INDEX_FROM, MARKER_NAMES, keep_most_frequent, word_presence

GENERATOR_VERSION = 1
CORPUS_SEED = 2019
VOCABULARY = 30_000
REVIEWS_PER_SPLIT = 25_000

ZIPF_SHIFT = 2.7                 # Zipf-Mandelbrot offset: flattens the head like real text
LENGTH_MEDIAN, LENGTH_SIGMA = 175.0, 0.8
MIN_LENGTH, MAX_LENGTH = 10, 2500
SENTIMENT_DENSITY = 0.25         # share of the vocabulary that carries sentiment
NEUTRAL_HEAD = 75                # the most frequent words (function words) carry no sentiment
SENTIMENT_FLATTENING = 0.70      # sentiment words are drawn by Zipf(rank) ** this: rarer words count more
SENTIMENT_SHARE = (3.0, 9.0)     # Beta(a, b): per-review share of tokens from the sentiment lists
LEAN = (5.0, 1.5)                # Beta(a, b): per-review share of sentiment tokens on the label's side


def load_synthetic(config: Config) -> Dataset:
    """The corpus restricted to the `config.num_words` most frequent features."""
    X_train, y_train, X_test, y_test = _corpus()
    return Dataset(
        name="synthetic",
        X_train=keep_most_frequent(X_train, config.num_words),
        y_train=y_train,
        X_test=keep_most_frequent(X_test, config.num_words),
        y_test=y_test,
        class_names=("negative", "positive"),
        feature_name_lookup=feature_name,
    )


def feature_name(index: int) -> str | None:
    if index in MARKER_NAMES:
        return MARKER_NAMES[index]
    return f"word{index - INDEX_FROM}" if INDEX_FROM < index <= VOCABULARY + INDEX_FROM else None


@lru_cache(maxsize=1)
def _corpus() -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray]:
    """Both splits at full vocabulary: read once per process from the disk cache, generated on a miss."""
    arrays = cached_arrays("synthetic-corpus", corpus_key(), _generate)
    splits = []
    for split in ("train", "test"):
        indices = arrays[f"{split}_indices"]
        X = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, arrays[f"{split}_indptr"]),
                          shape=tuple(int(n) for n in arrays[f"{split}_shape"]))
        splits += [X, arrays[f"{split}_y"]]
    for array in (splits[0].indices, splits[0].indptr, splits[1], splits[2].indices, splits[2].indptr, splits[3]):
        array.setflags(write=False)
    return tuple(splits)


def corpus_key() -> dict:
    """Everything the corpus depends on: a change to any of these finds no cached copy."""
    names = ("GENERATOR_VERSION", "CORPUS_SEED", "VOCABULARY", "REVIEWS_PER_SPLIT", "ZIPF_SHIFT", "LENGTH_MEDIAN",
             "LENGTH_SIGMA", "MIN_LENGTH", "MAX_LENGTH", "SENTIMENT_DENSITY", "NEUTRAL_HEAD",
             "SENTIMENT_FLATTENING", "SENTIMENT_SHARE", "LEAN", "INDEX_FROM")
    return {name: globals()[name] for name in names} | {"numpy": np.__version__.split(".")[0]}


def _generate() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(CORPUS_SEED)
    lexicon = _Lexicon(rng)
    arrays = {}
    for split in ("train", "test"):
        X, y = _split(rng, lexicon)
        arrays |= {f"{split}_indices": X.indices, f"{split}_indptr": X.indptr, f"{split}_y": y,
                   f"{split}_shape": np.array(X.shape, dtype=np.int64)}
    return arrays


class _Lexicon:
    """Samplers to draw background, positive and negative words by rank."""

    def __init__(self, rng: np.random.Generator):
        ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
        zipf = 1.0 / (ranks + ZIPF_SHIFT)
        carries_sentiment = (rng.random(VOCABULARY) < SENTIMENT_DENSITY) & (ranks > NEUTRAL_HEAD)
        positive = rng.random(VOCABULARY) < 0.5
        sentiment_weight = zipf ** SENTIMENT_FLATTENING * carries_sentiment
        self.background = AliasTable(zipf)
        self.positive = AliasTable(sentiment_weight * positive)
        self.negative = AliasTable(sentiment_weight * ~positive)


class AliasTable:
    """Walker's alias method: one uniform draw per sample, O(1) each, for a fixed distribution.

    Why: the corpus draws about 12 million words; a binary search per word (`searchsorted` on the
    cumulative distribution) took half of the generation time.
    """

    def __init__(self, weights: np.ndarray):
        n = len(weights)
        scaled = np.asarray(weights, dtype=np.float64) * n / weights.sum()
        self.keep = np.ones(n)
        self.alias = np.arange(n)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            self.keep[s], self.alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)

    def sample(self, uniform: np.ndarray) -> np.ndarray:
        """Map uniform draws in [0, 1) to outcomes: slot from the integer part, keep-or-alias from the rest."""
        position = uniform * len(self.keep)
        slot = np.minimum(position.astype(np.int64), len(self.keep) - 1)
        return np.where(position - slot < self.keep[slot], slot, self.alias[slot])


def _split(rng: np.random.Generator, lexicon: _Lexicon) -> tuple[sp.csr_matrix, np.ndarray]:
    n = REVIEWS_PER_SPLIT
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    lengths = np.clip(np.rint(rng.lognormal(np.log(LENGTH_MEDIAN), LENGTH_SIGMA, n)),
                      MIN_LENGTH, MAX_LENGTH).astype(np.int64)
    sentiment_share = rng.beta(*SENTIMENT_SHARE, n)
    lean = rng.beta(*LEAN, n)                           # share of sentiment on the label's side
    positive_share = np.where(labels == 1, lean, 1.0 - lean)

    review_of = np.repeat(np.arange(n), lengths)
    u = rng.random(review_of.size)
    draw = rng.random(review_of.size)
    is_sentiment = u < sentiment_share[review_of]
    is_positive = is_sentiment & (u < sentiment_share[review_of] * positive_share[review_of])
    is_negative = is_sentiment & ~is_positive
    ranks = np.empty(review_of.size, dtype=np.int64)
    ranks[~is_sentiment] = lexicon.background.sample(draw[~is_sentiment])
    ranks[is_positive] = lexicon.positive.sample(draw[is_positive])
    ranks[is_negative] = lexicon.negative.sample(draw[is_negative])
    return word_presence(lengths, ranks + 1), labels      # alias slots are ranks from 0
