"""`sumchain node` as a user runs it: a real Hardhat node in a subprocess, on the wall clock or a
simulation's, refusing transactions over 2**24 gas, and leaving no process or file behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sumchain.cli import main
from sumchain.engines.rpc.devnode import free_port

pytestmark = pytest.mark.slow     # starts and kills real processes

FIRST_ACCOUNT = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
FIRST_KEY_HEX = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def rpc(url: str, method: str, params: list | None = None) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def answers(url: str) -> bool:
    try:
        return "result" in rpc(url, "eth_chainId")
    except OSError:
        return False


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, list[str], Path]:
    """`sumchain node ARGS` with its temporary files under tmp_path; its stdout up to the ready line."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "sumchain", "node", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=str(temp)))
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"sumchain node ended early: {process.wait()} {process.stderr.read()}")
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops"):
            return process, lines, temp
    process.kill()
    pytest.fail("sumchain node did not become ready")


def node_processes(temp: Path) -> list[int]:
    """Live processes whose command line names a file under `temp` (the node's config)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(temp).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def send(url: str, gas: int) -> dict:
    return rpc(url, "eth_sendTransaction", [{"from": FIRST_ACCOUNT, "to": "0x" + "00" * 19 + "01", "gas": hex(gas)}])


def test_a_wall_clock_node_prints_its_url_and_accounts_refuses_over_2_24_gas_and_stops_clean(tmp_path, capsys):
    port = free_port()
    process, lines, temp = start(tmp_path, "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        assert f"url: {url}" in lines and any("hardfork osaka" in line for line in lines)
        accounts = [line.split() for line in lines if line.startswith("  0x")]
        assert len(accounts) == 20 and accounts[0] == [FIRST_ACCOUNT, "10,000", "ETH"]
        assert FIRST_KEY_HEX not in "\n".join(lines)                      # addresses, never keys
        assert rpc(url, "eth_chainId")["result"] == "0x7a69"
        genesis = int(rpc(url, "eth_getBlockByNumber", ["0x0", False])["result"]["timestamp"], 16)
        assert abs(genesis - time.time()) < 3600                         # the wall clock, not time 0
        assert "exceeds transaction gas cap of 16777216" in send(url, 2**24 + 1)["error"]["message"]
        sent = send(url, 2**24)["result"]
        assert len(node_processes(temp)) == 1 and len(list(temp.iterdir())) == 1

        code = main(["simulate", "--set", "engine=rpc", "--set", f"rpc_url={url}", "--set", "num_words=50",
                     "--set", "max_train=200", "--set", "max_test=50", "--quiet", "--out", str(tmp_path / "run")])
        error = capsys.readouterr().err.strip()
        assert code == 2 and "\n" not in error
        assert "keeps the wall clock" in error and "'sumchain node --simulation'" in error
        assert rpc(url, "eth_getTransactionByHash", [sent])["result"]["hash"] == sent     # nothing was reset
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 143 and "stopped" in process.stderr.read()
    assert node_processes(temp) == [] and list(temp.iterdir()) == []      # no node, no config, no log
    assert not answers(url)


def test_a_simulation_node_starts_at_time_0_and_ctrl_c_stops_it(tmp_path):
    port = free_port()
    process, lines, temp = start(tmp_path, "--port", str(port), "--simulation")
    url = f"http://127.0.0.1:{port}"
    try:
        assert any(f"sumchain simulate --set engine=rpc --set rpc_url={url}" in line for line in lines)
        assert int(rpc(url, "eth_getBlockByNumber", ["0x0", False])["result"]["timestamp"], 16) == 0
        assert "error" in send(url, 2**24 + 1)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0 and node_processes(temp) == [] and list(temp.iterdir()) == []


def test_a_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["node", "--port", str(port)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"sumchain: error: port {port} on 127.0.0.1 is already in use (another node?); choose another with --port"


def test_without_node_js_on_path_it_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))                   # a PATH without `node`
    assert main(["node", "--port", str(free_port())]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "'node' is not on PATH" in error and "Node.js" in error


def test_state_is_refused_in_one_line(tmp_path, capsys):
    assert main(["node", "--state", str(tmp_path / "chain.json")]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "--state is not available" in error
    assert not (tmp_path / "chain.json").exists()
