import numpy as np

from sumchain.data.keras_index import INDEX_FROM, OOV, START, keep_most_frequent, word_presence


def test_word_presence_counts_each_word_once_per_review():
    words = word_presence(np.array([3, 0, 1]), np.array([5, 1, 5, 2]))
    assert words.shape == (3, 5 + INDEX_FROM + 1)
    assert [list(words[i].indices) for i in range(3)] == [[1 + INDEX_FROM, 5 + INDEX_FROM], [], [2 + INDEX_FROM]]


def test_cut_adds_markers_and_folds_rare_words_into_oov():
    words = word_presence(np.array([2, 1]), np.array([1, 9, 2]))
    X = keep_most_frequent(words, 6)
    assert X.shape == (2, 6)
    assert list(X[0].indices) == [START, OOV, 1 + INDEX_FROM] and list(X[1].indices) == [START, 2 + INDEX_FROM]


def test_keep_most_frequent_tiny_widths():
    words = word_presence(np.full(50, 3), np.tile([1, 2, 40], 50))
    assert keep_most_frequent(words, 1).nnz == 0
    assert keep_most_frequent(words, 2).nnz == 50
