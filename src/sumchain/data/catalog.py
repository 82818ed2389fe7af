"""What datasets there are, and which of them would load right now without network.

Why cheap checks only: `sumchain datasets` answers "can I run this offline?" in a moment, so it
never downloads, hashes or builds features; for a file of one's own it runs the loader's checks that
come before features (columns, labels, splits), so a file it calls usable is one a run loads.
`data_path` is taken as meant for the configured `dataset`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from sumchain.config import Config
from sumchain.data import imdb
from sumchain.data.download import part_path
from sumchain.errors import DataError

IMDB_REVIEWS = 25_000
"""Reviews per split in Keras' imdb.npz."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    offline: bool
    status: str
    train_rows: int | None = None
    test_rows: int | None = None
    rows: int | None = None
    file_bytes: int | None = None
    unit: str = "rows"

    def size(self) -> str:
        """Human-readable size: rows per split (or in all), then the file size."""
        parts = []
        if self.train_rows is not None and self.test_rows is not None:
            parts.append(f"{self.train_rows:,} + {self.test_rows:,} {self.unit}")
        elif self.rows is not None:
            parts.append(f"{self.rows:,} {self.unit}")
        if self.file_bytes is not None:
            parts.append(f"{self.file_bytes / 1e6:.1f} MB" if self.file_bytes >= 100_000
                         else f"{self.file_bytes / 1e3:.1f} kB")
        return ", ".join(parts) or "-"

    def to_dict(self) -> dict:
        return {**asdict(self), "size": self.size()}


def catalog(config: Config | None = None) -> list[DatasetInfo]:
    config = config or Config()
    path = Path(config.data_path).expanduser() if config.data_path else None
    return [
        synthetic_info(),
        imdb_info(path if config.dataset == "imdb" else None),
        file_info("text", "labelled raw text: a CSV (text_column, label_column) or an aclImdb folder",
                  path if config.dataset == "text" else None, config),
        file_info("csv", "numeric columns and a label column from CSV or Parquet, thermometer-binarised",
                  path if config.dataset == "csv" else None, config),
    ]


def synthetic_info() -> DatasetInfo:
    from sumchain.data import synthetic
    per_split = synthetic.REVIEWS_PER_SPLIT
    return DatasetInfo("synthetic", "built-in IMDB-shaped corpus, generated from a fixed seed", True,
                       "built in", per_split, per_split, unit="reviews")


def imdb_info(data_path: Path | None) -> DatasetInfo:
    description = "Keras' IMDB reviews as word ranks (the study's data)"
    if data_path is not None:
        file = data_path / imdb.FILE_NAME if data_path.is_dir() else data_path
        if not file.is_file():
            return DatasetInfo("imdb", description, False, f"data_path {file} does not exist")
        return DatasetInfo("imdb", description, True, f"data_path {file}", IMDB_REVIEWS, IMDB_REVIEWS,
                           file_bytes=file.stat().st_size, unit="reviews")
    cached = imdb.cached_path()
    if cached.is_file():
        return DatasetInfo("imdb", description, True, f"cached at {cached}", IMDB_REVIEWS, IMDB_REVIEWS,
                           file_bytes=cached.stat().st_size, unit="reviews")
    part = part_path(cached)
    partial = f" ({part.stat().st_size / 1e6:.1f} MB partial download resumes)" if part.is_file() else ""
    return DatasetInfo("imdb", description, False, f"not cached; downloaded to {cached} on first use{partial}",
                       IMDB_REVIEWS, IMDB_REVIEWS, unit="reviews")


def file_info(name: str, description: str, data_path: Path | None, config: Config) -> DatasetInfo:
    if data_path is None:
        return DatasetInfo(name, description, False, f"needs --set dataset={name} --set data_path=...")
    if not data_path.exists():
        return DatasetInfo(name, description, False, f"data_path {data_path} does not exist")
    try:
        rows = count_rows(data_path, config)
    except DataError as error:
        return DatasetInfo(name, description, False, str(error))
    size = None if data_path.is_dir() else data_path.stat().st_size
    unit = "reviews" if name == "text" else "rows"
    return DatasetInfo(name, description, True, f"data_path {data_path}", rows=rows, file_bytes=size, unit=unit)


def count_rows(path: Path, config: Config) -> int:
    """Data rows in a table, or reviews in an aclImdb folder, after the checks the loader makes
    before building features (columns, labels, splits), so a file listed as usable loads."""
    checked = config.replace(data_path=str(path))
    if config.dataset == "csv":
        from sumchain.data.tabular import checked_table
        return len(checked_table(checked)[0])
    from sumchain.data.text import check_text_source
    return check_text_source(checked)
