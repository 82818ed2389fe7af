"""Atomic output: write beside the target, then move into place, so readers never see half a file.

Used by every layer that writes results (the ledger store, the experiments store, the reports), so
an interrupted run leaves either the old file or the new one, never a torn one.
"""

from __future__ import annotations

import contextlib
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


def strict_json(data: Any) -> str:
    """Strict JSON (RFC 8259) for people and programs: no NaN or Infinity (written null), floats
    rounded to `FLOAT_DIGITS` significant digits, numpy scalars as plain numbers."""
    return json.dumps(_strict(data), indent=2, allow_nan=False)


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


# -- checking outputs before the work ------------------------------------------------------------

def check_output_folder(path: str | Path, option: str) -> Path:
    """Refuse at once an output folder that could not be written, before any work is done.

    Nothing is created: a command that fails later (missing data) leaves no empty folder behind.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is a file; give a folder (it is created if needed)")
    _check_creatable(path, option)
    return path


def check_output_file(path: str | Path, option: str) -> Path:
    """Refuse at once an output file that could not be written (a folder, no permission, ...)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name")
    _check_creatable(path.parent, option, path)
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
