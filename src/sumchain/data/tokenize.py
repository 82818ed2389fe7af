"""Keras-like tokenising and a frequency-ranked vocabulary, so raw text matches `dataset=imdb`.

The conventions, chosen to match `keras.preprocessing.text.Tokenizer(num_words=k)` with its
defaults, so features built from raw reviews mean what the study's features meant:

- `tokenize`: lower case; HTML line breaks (`<br />`, `<br/>`, `<br>`) become spaces; every
  character of Keras' default filters ``!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~`` plus tab and newline
  becomes a space; split on whitespace. The apostrophe is kept (``don't`` is one token).
  Unlike Keras we split on any whitespace, not only the space character.
- `Vocabulary.fit`: words ranked by total count over the training texts, most frequent first,
  ties broken by first appearance (Keras sorts its insertion-ordered counts stably); ranks start
  at 1, 0 is never a word.
- `Vocabulary.indices`: a word is feature `rank` when `rank < num_words`, else dropped (Keras'
  Tokenizer keeps ranks 1..num_words-1 and has no out-of-vocabulary marker by default). So
  feature 0 is never on, and a width of `num_words` holds `num_words - 1` words.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TRANSLATION = str.maketrans({char: " " for char in KERAS_FILTERS})
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (see the module docstring for the exact rules)."""
    return _LINE_BREAK.sub(" ", text).lower().translate(_TRANSLATION).split()


class Vocabulary:
    """Word ranks from training texts; feature `i` is the word of rank `i` (1-based)."""

    def __init__(self, words: tuple[str, ...], num_words: int):
        self.words = words
        self.num_words = int(num_words)
        self._rank = {word: rank for rank, word in enumerate(words, start=1)}

    @classmethod
    def fit(cls, documents: Iterable[list[str]], num_words: int) -> "Vocabulary":
        """Keep the `num_words - 1` most frequent words of the (training) documents."""
        counts: Counter[str] = Counter()
        for tokens in documents:
            counts.update(tokens)
        ranked = sorted(counts, key=counts.__getitem__, reverse=True)  # stable: ties keep first appearance
        return cls(tuple(ranked[:max(num_words - 1, 0)]), num_words)

    def indices(self, tokens: list[str]) -> list[int]:
        rank = self._rank
        return [rank[token] for token in tokens if token in rank]

    def __len__(self) -> int:
        return len(self.words)

    def __call__(self, index: int) -> str | None:
        """The word of feature `index`, the Dataset's feature-name lookup."""
        return self.words[index - 1] if 1 <= index <= len(self.words) else None
