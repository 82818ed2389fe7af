"""A local Ethereum dev node for simulations, tests and `sumchain node`: Hardhat's node, from npm at a
pinned 2.x version.

`start_dev_node()` installs Hardhat once into a cache directory (npm, the first time only: about a
minute; later starts work offline), writes the node's config into a folder of its own, starts it on
127.0.0.1, waits for it to answer (bounded) and returns a handle with its `url`; `stop()` (or leaving
the `with` block) ends it and removes its folder (config and log). Hardhat 2.x runs on Node.js
18-22; Hardhat 3 needs a newer Node than many machines have.

The node's chain: hardfork osaka, the newest Hardhat 2.29 offers (Vyper 0.4.3 compiles for prague,
whose code runs unchanged on osaka), so a transaction or read asking for more than 2**24 gas is
refused (EIP-7825) as on Ethereum mainnet; a 60M block gas limit; one block per transaction; zero
base fee and gas price; several blocks per timestamp; no network access (no forking). Its clock is
either a simulation's (`simulation=True`, the default: genesis at time 0, where every engine's clock
starts, and the simulator sets each block's time) or the wall clock (`simulation=False`: genesis
now, as a live chain; what `sumchain node` starts unless given `--simulation`).

Why a folder per node: several nodes may start at once from one install (pytest workers, a user's
`sumchain node`), so nothing in the shared install folder is written after installation.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sumchain.errors import SumchainError

HARDHAT_VERSION = "2.29.1"
HARDFORK = "osaka"
CHAIN_ID = 31337
NODE_GAS_LIMIT = 60_000_000
INSTALL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 90.0
HOST = "127.0.0.1"


def hardhat_config(simulation: bool = True) -> str:
    """The Hardhat config of one node: a simulation's clock (genesis at time 0) or the wall clock."""
    initial_date = '\n      initialDate: "1970-01-01T00:00:00Z",' if simulation else ""
    return f"""// Written by sumchain.engines.rpc.devnode for one node; removed when it stops.
module.exports = {{
  networks: {{
    hardhat: {{
      chainId: {CHAIN_ID},
      hardfork: "{HARDFORK}",{initial_date}
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
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def check_port_free(port: int) -> None:
    """Refuse a port something already listens on: the node would fail, or another node would answer."""
    if not 0 < port < 65536:
        raise DevNodeError(f"port must be between 1 and 65535, got {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise DevNodeError(f"port {port} on {HOST} is already in use (another node?); "
                               f"choose another with --port") from None


@dataclass
class DevNode:
    """A running Hardhat node; `stop()` ends it and removes its folder (also on leaving a `with` block)."""

    url: str
    process: subprocess.Popen
    folder: Path
    simulation: bool = True
    started_in_s: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.folder / "node.log"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def last_log_line(self) -> str:
        return _last_line(self.log_path)

    def __enter__(self) -> "DevNode":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_dev_node(port: int | None = None, directory: Path | None = None,
                   timeout_s: float = START_TIMEOUT_S, simulation: bool = True) -> DevNode:
    """Install Hardhat if needed, start its node on 127.0.0.1 and wait until it answers JSON-RPC.

    `simulation=True` (what the tests and `engine=rpc` need): genesis at time 0; else the wall clock."""
    node = _tool("node")
    if port is not None:
        check_port_free(port)
    directory = install(directory)
    port = port or free_port()
    url = f"http://{HOST}:{port}"
    folder = Path(tempfile.mkdtemp(prefix="sumchain-node-"))
    config = folder / "hardhat.config.js"
    config.write_text(hardhat_config(simulation))
    env = dict(os.environ, HARDHAT_DISABLE_TELEMETRY_PROMPT="true", HARDHAT_DISABLE_UPDATE_CHECK="true",
               NO_COLOR="1")
    started = time.monotonic()
    with open(folder / "node.log", "w") as log:
        process = subprocess.Popen([node, str(_cli(directory)), "--config", str(config), "node",
                                    "--hostname", HOST, "--port", str(port)],
                                   cwd=directory, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, start_new_session=True, preexec_fn=_parent_death_signal())
    handle = DevNode(url, process, folder, simulation)
    try:
        _wait_until_it_answers(handle, started + timeout_s, timeout_s)
    except BaseException:          # refused, timed out, or Ctrl-C / SIGTERM while waiting: leave nothing
        handle.stop()
        raise
    handle.started_in_s = time.monotonic() - started
    return handle


def _wait_until_it_answers(handle: DevNode, deadline: float, timeout_s: float) -> None:
    while True:
        if handle.process.poll() is not None:      # checked first: another server may answer at the port
            raise DevNodeError(f"the Hardhat node exited with code {handle.process.returncode} before answering "
                               f"at {handle.url}: {handle.last_log_line()}")
        if _answers(handle.url):
            return
        if time.monotonic() > deadline:
            raise DevNodeError(f"the Hardhat node did not answer at {handle.url} within {timeout_s:.0f} s: "
                               f"{handle.last_log_line()}")
        time.sleep(0.2)


def _parent_death_signal():
    """A function for the child to call before exec, so that Linux ends the node when the thread that
    started it dies (even by SIGKILL): no node outlives its owner. Resolved here, in the parent, so
    the child only calls it; None elsewhere than Linux."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)          # PR_SET_PDEATHSIG


def rpc(url: str, method: str, params: list | None = None, timeout_s: float = 5.0):
    """One JSON-RPC request without web3 (`sumchain node` prints its accounts before web3 would load)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise DevNodeError(f"the node at {url} refused {method}: {answer['error'].get('message')}")
    return answer["result"]


def funded_accounts(url: str) -> list[tuple[str, int]]:
    """The node's unlocked accounts and their balances in wei."""
    return [(address.lower(), int(rpc(url, "eth_getBalance", [address, "latest"]), 16))
            for address in rpc(url, "eth_accounts")]


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
