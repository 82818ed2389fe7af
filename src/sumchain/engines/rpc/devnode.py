"""A local Ethereum dev node for simulations and tests: Hardhat's node, from npm at a pinned 2.x version.

`start_dev_node()` installs Hardhat once into a cache directory (npm, the first time only: about a
minute; later starts work offline), writes the node's config, starts it on a free 127.0.0.1 port,
waits for it to answer (bounded) and returns a handle with its `url`; `stop()` (or leaving the `with`
block) ends it. Hardhat 2.x runs on Node.js 18-22; Hardhat 3 needs a newer Node than many machines have.

The node's chain: hardfork cancun (the EVM version Vyper 0.4 compiles for; later hardforks cap a
transaction's gas at 2**24, below what the weights initialisation needs), genesis at time 0 so a
simulation's clock (which starts at 0 on every engine) can run on it, several blocks per timestamp,
zero base fee and gas price, a 60M block gas limit (a 30M transaction never raises the base fee),
one block per transaction, and no network access (no forking).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sumchain.errors import SumchainError

HARDHAT_VERSION = "2.29.1"
CHAIN_ID = 31337
NODE_GAS_LIMIT = 60_000_000
INSTALL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 90.0

HARDHAT_CONFIG = f"""// Written by sumchain.engines.rpc.devnode; rewritten on every start.
module.exports = {{
  networks: {{
    hardhat: {{
      chainId: {CHAIN_ID},
      hardfork: "cancun",
      initialDate: "1970-01-01T00:00:00Z",
      allowBlocksWithSameTimestamp: true,
      initialBaseFeePerGas: 0,
      gasPrice: 0,
      blockGasLimit: {NODE_GAS_LIMIT},
      mining: {{ auto: true, interval: 0 }},
      loggingEnabled: false,
    }},
  }},
}};
"""


class DevNodeError(SumchainError):
    """Node.js or npm missing, the install failed, or the node did not start; one line saying which."""


def cache_dir() -> Path:
    """Where Hardhat is installed: $SUMCHAIN_HARDHAT_DIR, else $XDG_CACHE_HOME/sumchain (~/.cache/sumchain)."""
    explicit = os.environ.get("SUMCHAIN_HARDHAT_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sumchain" / f"hardhat-{HARDHAT_VERSION}"


def _cli(directory: Path) -> Path:
    return directory / "node_modules" / "hardhat" / "internal" / "cli" / "cli.js"


def _installed(directory: Path) -> bool:
    try:
        meta = json.loads((directory / "node_modules" / "hardhat" / "package.json").read_text())
    except (OSError, ValueError):
        return False
    return meta.get("version") == HARDHAT_VERSION and _cli(directory).exists()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DevNodeError(f"'{name}' is not on PATH: the dev node needs Node.js 18-22 and npm "
                           f"(Hardhat {HARDHAT_VERSION} is installed with npm)")
    return path


def install(directory: Path | None = None) -> Path:
    """Install Hardhat into `directory` (default `cache_dir()`) unless it is there; safe to run concurrently."""
    directory = Path(directory or cache_dir())
    if _installed(directory):
        return directory
    _tool("node")
    npm = _tool("npm")
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f".{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)         # another process may be installing: wait for it
        if _installed(directory):
            return directory
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        try:
            (staging / "package.json").write_text(json.dumps(
                {"name": "sumchain-dev-node", "private": True, "dependencies": {"hardhat": HARDHAT_VERSION}},
                indent=2) + "\n")
            try:
                subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=staging,
                               check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
            except subprocess.CalledProcessError as error:
                last = (error.stderr or error.stdout or "").strip().splitlines()[-1:] or ["no output"]
                raise DevNodeError(f"npm could not install hardhat@{HARDHAT_VERSION} into {directory}: "
                                   f"{last[0]}") from None
            except subprocess.TimeoutExpired:
                raise DevNodeError(f"npm did not install hardhat@{HARDHAT_VERSION} within "
                                   f"{INSTALL_TIMEOUT_S:.0f} s") from None
            if directory.exists():
                shutil.rmtree(directory)
            staging.rename(directory)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return directory


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DevNode:
    """A running Hardhat node; `stop()` ends it (also on leaving a `with` block)."""

    url: str
    process: subprocess.Popen
    log_path: Path
    started_in_s: float
    _log: object = field(default=None, repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "DevNode":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_dev_node(port: int | None = None, directory: Path | None = None,
                   timeout_s: float = START_TIMEOUT_S) -> DevNode:
    """Install Hardhat if needed, start its node on 127.0.0.1 and wait until it answers JSON-RPC."""
    directory = install(directory)
    node = _tool("node")
    _write_config(directory)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile("w+", prefix="sumchain-hardhat-", suffix=".log", delete=False)
    env = dict(os.environ, HARDHAT_DISABLE_TELEMETRY_PROMPT="true", HARDHAT_DISABLE_UPDATE_CHECK="true",
               NO_COLOR="1")
    started = time.monotonic()
    process = subprocess.Popen([node, str(_cli(directory)), "node", "--hostname", "127.0.0.1", "--port", str(port)],
                               cwd=directory, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env=env, start_new_session=True)
    handle = DevNode(url, process, Path(log.name), 0.0, log)
    deadline = started + timeout_s
    while True:
        if process.poll() is not None:
            handle.stop()
            raise DevNodeError(f"the Hardhat node exited with code {process.returncode} before answering at "
                               f"{url}: {_last_line(Path(log.name))}")
        if _answers(url):
            handle.started_in_s = time.monotonic() - started
            return handle
        if time.monotonic() > deadline:
            handle.stop()
            raise DevNodeError(f"the Hardhat node did not answer at {url} within {timeout_s:.0f} s "
                               f"(log: {log.name})")
        time.sleep(0.2)


def _write_config(directory: Path) -> None:
    path = directory / "hardhat.config.js"
    if not path.exists() or path.read_text() != HARDHAT_CONFIG:
        temporary = path.with_name(f".hardhat.config.{os.getpid()}.js")
        temporary.write_text(HARDHAT_CONFIG)
        os.replace(temporary, path)


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return b"result" in response.read()
    except (urllib.error.URLError, OSError):
        return False


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1].strip() if lines else "no output"
