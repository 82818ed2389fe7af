"""Atomic output: write beside the target, then move into place, so readers never see half a file.

Used by every layer that writes results (the ledger store, the experiments store, the reports), so
an interrupted run leaves either the old file or the new one, never a torn one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from sumchain.errors import OutputError


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temp)
        # mkstemp creates owner-only files; results are for sharing, so use the usual mode.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: Path, write: Callable[[Path], Any]) -> Path:
    """Call `write(temporary_path)`, then move the result to `path`."""
    with atomic_path(Path(path)) as temp:
        write(temp)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)


FLOAT_DIGITS = 12
"""Significant digits kept in JSON output: 3.856000000000004 is written 3.856."""


def strict_json(data: Any, indent: int | None = 2) -> str:
    """Strict JSON (RFC 8259) for people and programs: no NaN or Infinity (written null), floats
    rounded to `FLOAT_DIGITS` significant digits, numpy scalars as plain numbers (`indent=None`:
    compact, for a browser)."""
    separators = None if indent is not None else (",", ":")
    return json.dumps(_strict(data), indent=indent, separators=separators, allow_nan=False)


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, strict_json(data) + "\n")


def _strict(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return float(f"{value:.{FLOAT_DIGITS}g}") if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 run`, `2 runs`: counts a person reads."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def fixed(value: float, digits: int = 1, sign: bool = False) -> str:
    """`value` to `digits` decimals (`sign`: with + or -), never `-0.0`: a value that rounds to zero has no sign."""
    spec = f"{'+' if sign else ''}.{digits}f"
    text = f"{value:{spec}}"
    return f"{0.0:{spec}}" if math.isfinite(value) and float(text) == 0 else text


# -- checking outputs before the work ------------------------------------------------------------

def check_output_folder(path: str | Path, option: str, kind: str | None = None) -> Path:
    """Refuse at once an output folder that could not be written, before any work is done.

    With `kind`, also refuse a folder that holds another kind of output, files sumchain did not
    write, or that another sumchain command is writing (see `claim_folder`). Nothing is created:
    a command that fails later (missing data) leaves no empty folder behind.
    """
    path = Path(_not_empty(path, option, "folder"))
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is a file; give a folder (it is created if needed)")
    _check_creatable(path, option)
    if kind is not None and path.is_dir():
        folder_kind(path, kind, option)
        if (path / LOCK).exists():
            FolderLock(path, option).release()      # in use now: refused before any work
    return path


def check_output_file(path: str | Path, option: str) -> Path:
    """Refuse at once an output file that could not be written (a folder, no permission, ...)."""
    path = Path(_not_empty(path, option, "file name"))
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name")
    _check_creatable(path.parent, option, path)
    return path


def _not_empty(path: str | Path, option: str, what: str) -> str | Path:
    """An empty path would mean the current folder (or nothing at all): never what was meant."""
    if isinstance(path, str) and not path.strip():
        raise OutputError(f"{option} is empty; give a {what}")
    return path


def _check_creatable(folder: Path, option: str, shown: Path | None = None) -> None:
    """`folder` exists and is writable, or its nearest existing ancestor is a writable folder."""
    existing = folder.absolute()
    while not existing.exists():
        existing = existing.parent
    shown = shown or folder
    if not existing.is_dir():
        raise OutputError(f"{option} {shown} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {shown} cannot be written: no permission to write in {existing}")
    try:        # what permissions do not show: a read-only mount (and root, whom os.access lets through)
        handle, probe = tempfile.mkstemp(prefix=".sumchain-probe-", dir=existing)
    except OSError as error:
        raise OutputError(f"{option} {shown} cannot be written: {error.strerror or type(error).__name__} "
                          f"in {existing}") from None
    os.close(handle)
    os.unlink(probe)


# -- output folders: one kind each, one writer at a time -----------------------------------------

MARKER = ".sumchain-output"
"""A folder's kind, as JSON (`{"kind": "run"}`): written atomically when a command first claims it."""
LOCK = ".lock"
"""A POSIX record lock held by the one command writing the folder (its pid inside, for the message)."""

KINDS = {
    "run": ("a simulate run folder", ("config.toml", "metrics.json", "timeseries.parquet", "plot.png", "gas.csv")),
    "sweep": ("a sweep's results", ("results.parquet", "results.csv", "timeseries.parquet", ".timeseries-parts")),
    "reproduce": ("a reproduce folder", ("results.parquet", "results.csv", "timeseries.parquet", ".timeseries-parts",
                                         "report.md", "report.html", "figures", "stats")),
    "study": ("a study folder", ("results.parquet", "results.csv", "timeseries.parquet", ".timeseries-parts",
                                 "report.md", "figures", "stats")),
    "tune": ("a tune folder", ("results.parquet", "results.csv", "timeseries.parquet", ".timeseries-parts",
                               "tune.journal", "tune.journal.lock", "report.md", "report.html", "figures", "stats")),
}
"""Each kind of output folder: what it is called, and the names its command writes (to recognise a
folder written before folders carried a marker)."""
STORE_KINDS = ("sweep", "reproduce", "study", "tune")


def folder_kind(folder: Path, kind: str, option: str = "--out") -> str | None:
    """The kind `folder` holds (None: absent or empty), after refusing one that `kind` must not write.

    Refused: a marker naming another kind; without a marker (a folder written before markers), files
    of another kind or that no sumchain command writes. A folder of unmarked store files (results
    table) is taken by any command that keeps a results store.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    names = {p.name for p in folder.iterdir() if not _ignored(p.name)}
    if MARKER in names:
        found = _marker_kind(folder / MARKER, option)
        if found != kind:
            raise OutputError(f"{option} {folder} holds {KINDS[found][0]} (written by sumchain "
                              f"{_command(found)}), not {KINDS[kind][0]}; give another folder")
        return found
    if not names:
        return None
    if "results.parquet" in names and kind in STORE_KINDS:
        found = kind
    elif "metrics.json" in names and kind == "run":
        found = kind
    else:
        found = next((k for k, (_, files) in KINDS.items() if k != kind and names & {files[0], files[1]}), None)
        if found is not None:
            raise OutputError(f"{option} {folder} holds {KINDS[found][0]}, not {KINDS[kind][0]}; give another folder")
        found = None
    foreign = sorted(names - set(KINDS[kind][1])) if found else sorted(names)
    if foreign:
        raise OutputError(f"{option} {folder} already holds files sumchain did not write there ({foreign[0]}"
                          f"{', ...' if len(foreign) > 1 else ''}); give a new or empty folder")
    return found


def _ignored(name: str) -> bool:
    """The lock, and temporary files an interrupted atomic write left behind."""
    return name == LOCK or (name.startswith(".") and name.endswith(".tmp"))


def _command(kind: str) -> str:
    return "simulate" if kind == "run" else kind


def _marker_kind(path: Path, option: str) -> str:
    try:
        kind = json.loads(path.read_text(encoding="utf-8"))["kind"]
    except (OSError, ValueError, TypeError, KeyError):
        kind = None
    if kind not in KINDS:
        raise OutputError(f"{option} {path.parent} has a damaged folder marker {path.name}; "
                          f"give another folder (or remove the marker if you know what the folder holds)")
    return kind


class FolderLock:
    """An exclusive lock on an output folder, held by one process; the kernel drops it if that dies.

    A POSIX record lock (`lockf`): worker processes forked by the holder do not inherit it.
    """

    def __init__(self, folder: Path, option: str = "--out"):
        path = Path(folder) / LOCK
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise OutputError(f"output folder {folder} is in use by another sumchain command (process {holder}); "
                              f"wait for it to finish, or give another {option}") from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)      # closing drops the lock
            self._fd = None

    def __enter__(self) -> "FolderLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def claim_folder(folder: str | Path, kind: str, option: str = "--out") -> FolderLock:
    """Take `folder` for writing output of `kind`: refuse it if it holds another kind (checked before
    anything is created), create it, lock it, and mark its kind. The caller releases the lock."""
    folder = check_output_folder(folder, option)
    folder_kind(folder, kind, option)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FolderLock(folder, option)
    try:
        if folder_kind(folder, kind, option) is None or not (folder / MARKER).exists():
            write_text(folder / MARKER, json.dumps({"kind": kind}) + "\n")
    except BaseException:
        lock.release()
        raise
    return lock


def claimed_folder_of(path: Path) -> tuple[Path, str] | None:
    """The nearest folder above `path` that a sumchain command claimed, with its kind (None if none)."""
    for folder in Path(path).absolute().parents:
        marker = folder / MARKER
        if marker.is_file():
            try:
                return folder, _marker_kind(marker, "")
            except OutputError:
                return folder, "unknown"
    return None
