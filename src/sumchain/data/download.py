"""Fetch a published file into the user's cache: resumable, hash-checked, atomic.

Why this shape: a run must never train on a file that is not byte for byte the published one,
and an interrupted download must neither leave a half file where a good one was nor start over
from zero. So bytes go to `<file>.part` (resumed with an HTTP Range request), the SHA-256 is
checked, and only then is the part moved into place with `os.replace`.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from sumchain.errors import DataError

CHUNK = 1 << 20
TIMEOUT_S = 30


def cache_dir() -> Path:
    """Where downloaded data lives: $SUMCHAIN_DATA_DIR, else $XDG_CACHE_HOME/sumchain, else ~/.cache/sumchain."""
    explicit = os.environ.get("SUMCHAIN_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "sumchain"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path, expected: str) -> None:
    """Raise DataError naming expected and actual SHA-256 when `path` is not the published file."""
    got = sha256_file(path)
    if got != expected.lower():
        raise DataError(f"{path} has SHA-256 {got}, expected {expected.lower()}")


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def fetch(url: str, dest: Path, sha256: str, hint: str = "", progress: bool | None = None) -> Path:
    """Download `url` to `dest`, resuming a `.part` left by an earlier attempt.

    `hint` ends the one-line error when the server cannot be reached (where to put the file
    by hand). A download whose hash differs is deleted and reported; `dest` is only ever
    replaced by a verified file.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    try:
        _download(url, part, progress)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise DataError(f"could not fetch {url} ({reason}){'; ' + hint if hint else ''}") from None
    got = sha256_file(part)
    if got != sha256.lower():
        part.unlink(missing_ok=True)
        raise DataError(f"download of {url} has SHA-256 {got}, expected {sha256.lower()}; "
                        f"removed the corrupt file, run again to retry")
    os.replace(part, dest)
    return dest


def _download(url: str, part: Path, progress: bool | None) -> None:
    """Append the missing bytes to `part`; restart when the server ignores the Range request."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as error:
        if error.code != 416 or not offset:
            raise
        return  # range not satisfiable: the part already holds every byte; the hash decides
    with response:
        resumed = response.status == 206
        if not resumed:
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        with open(part, "ab" if resumed else "wb") as handle, _bar(total, offset, url, progress) as bar:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                handle.write(chunk)
                bar.update(len(chunk))
        if total is not None and part.stat().st_size < total:
            raise OSError(f"connection closed after {part.stat().st_size} of {total} bytes")


def _bar(total: int | None, done: int, url: str, progress: bool | None):
    from tqdm import tqdm
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    return tqdm(total=total, initial=done, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"downloading {url.rsplit('/', 1)[-1]}", file=sys.stderr, disable=disable)

