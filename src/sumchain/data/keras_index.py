"""Keras' IMDB index conventions, shared by the real IMDB loader and the built-in corpus.

`keras.datasets.imdb.load_data(num_words=k)` turns a review of word ranks (1 = most frequent)
into `[START] + [rank + INDEX_FROM ...]` and replaces every index `>= k` by `OOV`; the study used
the presence of each index as a binary feature. So feature 1 is on in every review, feature 2
when the review has a rarer word, and 0 never.

Both loaders first build the presence of every word index once (`word_presence`), then make
each `num_words` cut from it (`keep_most_frequent`): a sweep over num_words never re-reads the
reviews.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

START, OOV, INDEX_FROM = 1, 2, 3
MARKER_NAMES = {START: "<start>", OOV: "<oov>"}


def word_presence(lengths: np.ndarray, ranks: np.ndarray) -> sp.csr_matrix:
    """Binary CSR of word features `rank + INDEX_FROM`, one row per review, indices sorted.

    The reviews lie end to end in `ranks` (frequency ranks from 1); `lengths` says how many words
    each has. Each row's indices are sorted and repeats dropped: presence, not counts.
    """
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    features = (np.asarray(ranks, dtype=np.int64) + INDEX_FROM).astype(np.int32)
    width = int(features.max()) + 1 if features.size else INDEX_FROM + 1
    matrix = sp.csr_matrix((np.ones(features.size, dtype=np.int8), features, indptr), shape=(len(lengths), width))
    matrix.has_sorted_indices = False
    matrix.sort_indices()
    first = np.ones(features.size, dtype=bool)               # first of each run within a row
    first[1:] = matrix.indices[1:] != matrix.indices[:-1]
    first[indptr[:-1][lengths > 0]] = True
    kept_indptr = np.concatenate(([0], np.cumsum(first)))[indptr]
    kept = matrix.indices[first]
    return sp.csr_matrix((np.ones(kept.size, dtype=np.int8), kept, kept_indptr), shape=matrix.shape)


def keep_most_frequent(words: sp.csr_matrix, num_words: int) -> sp.csr_matrix:
    """Keras' `num_words` cut: markers added, rarer words become the OOV marker.

    `words` holds word features only (indices >= INDEX_FROM, sorted within each row). Each output
    row is [START] + [OOV if any word >= num_words] + [words < num_words], keeping only indices
    below `num_words` (which drops markers only when num_words <= 2). Since a row's indices are
    sorted, its kept words are a prefix of the row, and the markers sort before every word.
    """
    rows = words.shape[0]
    lengths = np.diff(words.indptr)
    row_of = np.repeat(np.arange(rows), lengths)
    kept = words.indices < num_words
    kept_per_row = np.bincount(row_of[kept], minlength=rows)
    start_on = int(num_words > START)
    oov_on = ((lengths > kept_per_row) & (num_words > OOV)).astype(np.int64)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(start_on + oov_on + kept_per_row, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    if start_on:
        indices[indptr[:-1]] = START
    indices[indptr[:-1][oov_on == 1] + 1] = OOV
    kept_rows = row_of[kept]
    position_in_row = np.flatnonzero(kept) - words.indptr[kept_rows]
    indices[indptr[kept_rows] + start_on + oov_on[kept_rows] + position_in_row] = words.indices[kept]
    return sp.csr_matrix((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(rows, num_words))
