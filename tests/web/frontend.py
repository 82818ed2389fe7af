"""Building the front end from source in the tests, as a developer would: npm ci of the pinned
lock file into a cache folder (once per lock file, like Hardhat's install in
`sumchain.engines.rpc.devnode`), then `node build.mjs` on a copy of `frontend/`."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SOURCES = ("package.json", "package-lock.json", "build.mjs", "tsconfig.json", "src", "public")
INSTALL_TIMEOUT_S = 600


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"'{name}' is not on PATH: rebuilding the web front end needs Node.js and npm "
                    f"(the same ones the dev node uses)", pytrace=False)
    return path


def cache_dir() -> Path:
    lock = hashlib.sha256((FRONTEND / "package-lock.json").read_bytes()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sumchain" / f"web-frontend-{lock}"


def install() -> Path:
    """The front end's node_modules for this lock file, installed with `npm ci` on first use."""
    directory = cache_dir()
    done = directory / "node_modules" / ".package-lock.json"
    if done.exists():
        return directory / "node_modules"
    npm = tool("npm")
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f".{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # another worker may be installing
        if not done.exists():
            staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
            try:
                for name in ("package.json", "package-lock.json"):
                    shutil.copy(FRONTEND / name, staging / name)
                result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=staging,
                                        capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
                if result.returncode:
                    last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                    pytest.fail(f"npm ci of frontend/package-lock.json failed: {last[0]}", pytrace=False)
                shutil.rmtree(directory, ignore_errors=True)
                staging.rename(directory)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return directory / "node_modules"


def copy(work: Path) -> Path:
    """A copy of frontend/'s sources in `work`, with the cached node_modules."""
    for name in SOURCES:
        source = FRONTEND / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, work / name)
    (work / "node_modules").symlink_to(install(), target_is_directory=True)
    return work


def build(out: Path, work: Path) -> Path:
    """Build a copy of frontend/ (in `work`) into `out`."""
    result = subprocess.run([tool("node"), "build.mjs", "--out", str(out)], cwd=copy(work), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def type_errors(work: Path) -> str:
    """TypeScript's complaints about a copy of frontend/ (in `work`); empty when it type-checks."""
    compiler = copy(work) / "node_modules" / "typescript" / "bin" / "tsc"
    result = subprocess.run([tool("node"), str(compiler), "--noEmit", "-p", "."], cwd=work, capture_output=True,
                            text=True, timeout=300)
    return (result.stdout + result.stderr).strip() if result.returncode else ""
