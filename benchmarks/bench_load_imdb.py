"""Time loading IMDB into sparse form, cold (parse the npz) and warm (parsed in this process).

Usage: python benchmarks/bench_load_imdb.py [--num-words 10000] [--repeat 3] [--stand-in]
Target (issue 3): under 3 s at num_words=10000 once the file is cached.

It uses the cached real `imdb.npz` when there is one (never downloads). Otherwise, or with
`--stand-in`, it writes a stand-in of the real shape to a temporary folder: 25,000 + 25,000
reviews of Python int lists, word ranks Zipf-distributed up to 88,584 (the real vocabulary
size), lengths log-normal with median ~175 (the real median is 174).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np

from sumchain import Config
from timing import timed
from sumchain.data import imdb

VOCABULARY = 88_584
REVIEWS = 25_000


def fake_reviews(rng: np.random.Generator, n: int) -> np.ndarray:
    lengths = np.clip(rng.lognormal(np.log(175), 0.7, n).astype(np.int64), 10, 2_500)
    ranks = rng.zipf(1.1, int(lengths.sum()))
    ranks = np.where(ranks <= VOCABULARY, ranks, rng.integers(1, VOCABULARY + 1, ranks.size))
    reviews = np.empty(n, dtype=object)
    for i, chunk in enumerate(np.split(ranks, np.cumsum(lengths)[:-1])):
        reviews[i] = chunk.tolist()
    return reviews


def write_fake(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    np.savez(path, x_train=fake_reviews(rng, REVIEWS), y_train=rng.integers(0, 2, REVIEWS),
             x_test=fake_reviews(rng, REVIEWS), y_test=rng.integers(0, 2, REVIEWS))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-words", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stand-in", action="store_true", help="use a stand-in even if the real file is cached")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if imdb.cached_path().is_file() and not args.stand_in:
            path, label = imdb.imdb_file(Config(dataset="imdb")), f"real {imdb.cached_path()}"
        else:
            (path, made), label = timed(lambda: write_fake(Path(folder) / "imdb.npz")), "stand-in imdb.npz"
            print(f"wrote {label} ({path.stat().st_size / 2**20:.1f} MiB) in {made:.1f} s")
            os.environ["SUMCHAIN_IMDB_URL"] = "http://127.0.0.1:9/unused"
            os.environ["SUMCHAIN_IMDB_SHA256"] = imdb.sha256_file(path)
        config = Config(dataset="imdb", num_words=args.num_words, data_path=str(path))
        imdb.read_npz.cache_clear()
        dataset, cold = timed(lambda: imdb.load_imdb(config))
        warm = [timed(lambda: imdb.load_imdb(config))[1] for _ in range(args.repeat)]
    nnz = dataset.X_train.nnz + dataset.X_test.nnz
    print(f"{label}: {dataset.X_train.shape[0]} + {dataset.X_test.shape[0]} reviews, "
          f"num_words={args.num_words}, {nnz:,} non-zeros")
    print(f"cold load (hash check + parse + sparse): {cold:.2f} s")
    print(f"warm load (hash check + sparse), median of {args.repeat}: {statistics.median(warm):.2f} s")


if __name__ == "__main__":
    main()
