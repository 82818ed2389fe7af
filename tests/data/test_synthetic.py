import numpy as np
import pytest

from sumchain.config import Config
from sumchain.data import load_dataset
from sumchain.data.keras_index import OOV, START
from sumchain.data.synthetic import AliasTable, _corpus, load_synthetic
from sumchain.models import train_offchain


@pytest.fixture(scope="module")
def thousand():
    return load_synthetic(Config(num_words=1000))


def test_imdb_shape_and_balance(thousand):
    assert thousand.X_train.shape == (25_000, 1000) and thousand.X_test.shape == (25_000, 1000)
    for y in (thousand.y_train, thousand.y_test):
        assert np.bincount(y).tolist() == [12_500, 12_500]
    assert thousand.class_names == ("negative", "positive")


def test_keras_index_conventions(thousand):
    words = _corpus()[0]
    X = thousand.X_train
    assert (X[:, START].toarray().ravel() == 1).all()          # start marker in every review
    assert X[:, 0].nnz == 0 and X[:, 3].nnz == 0                 # padding and "unused" never appear
    rarest = np.maximum.reduceat(words.indices, words.indptr[:-1])
    assert np.array_equal(X[:, OOV].toarray().ravel() == 1, rarest >= 1000)


def test_smaller_vocabulary_is_a_prefix():
    small, large = load_synthetic(Config(num_words=100)), load_synthetic(Config(num_words=1000))
    assert (small.X_train[:, 3:] != large.X_train[:, 3:100]).nnz == 0


def test_lengths_like_imdb():
    tokens_present = np.diff(_corpus()[0].indptr)
    assert 120 <= np.median(tokens_present) <= 175     # distinct words; IMDB's median length is ~175 tokens


def test_independent_of_run_seed():
    a = load_dataset(Config(seed=1, num_words=50))
    b = load_dataset(Config(seed=2, num_words=50))
    assert (a.X_train != b.X_train).nnz == 0 and np.array_equal(a.y_test, b.y_test)


def test_feature_names(thousand):
    assert thousand.feature_name(1) == "<start>" and thousand.feature_name(4) == "word1"


@pytest.mark.parametrize("num_words, published", [(100, 0.62), (1000, 0.79), (10_000, 0.85)])
def test_calibrated_to_published_perceptron_accuracy(num_words, published):
    data = load_synthetic(Config(num_words=num_words))
    accuracy = train_offchain(data.X_train, data.y_train, seed=0).evaluate(data.X_test, data.y_test)
    assert abs(accuracy - published) <= 0.03


def test_alias_table_draws_the_given_distribution():
    weights = np.array([0.0, 1.0, 2.0, 0.0, 7.0])
    draws = AliasTable(weights).sample(np.random.default_rng(0).random(200_000))
    frequencies = np.bincount(draws, minlength=5) / draws.size
    assert frequencies[0] == 0 and frequencies[3] == 0
    assert np.allclose(frequencies, weights / weights.sum(), atol=0.005)


def test_cached_corpus_is_the_generated_one(tmp_path, monkeypatch):
    from sumchain.data import synthetic
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUMCHAIN_NO_CACHE", "1")
    synthetic._corpus.cache_clear()
    try:
        generated = synthetic._corpus()
        monkeypatch.delenv("SUMCHAIN_NO_CACHE")
        synthetic._corpus.cache_clear()
        written = synthetic._corpus()                      # generated again, and written
        synthetic._corpus.cache_clear()
        read = synthetic._corpus()                         # read back from the file
    finally:
        synthetic._corpus.cache_clear()
    assert list((tmp_path / "derived").glob("synthetic-corpus-*.npz"))
    for a, b, c in zip(generated, written, read):
        if hasattr(a, "indptr"):
            assert a.shape == c.shape and a.indices.dtype == c.indices.dtype
            assert np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices)
            assert np.array_equal(b.indices, c.indices)
        else:
            assert a.dtype == c.dtype and np.array_equal(a, c)
