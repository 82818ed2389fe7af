"""`sumchain serve` as a user runs it: refusals in one line before anything listens, and the real
command serving the page and the API on loopback until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sumchain.cli import main
from sumchain.engines.rpc.devnode import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize("args, message", [
    (["--dev-accounts"], "--dev-accounts sends from the node's unlocked accounts, which only a dev node on this "
                         "machine has: give --rpc a loopback URL"),
    (["--dev-accounts", "--rpc", "http://10.1.2.3:8545"], "give --rpc a loopback URL"),
    (["--dev-accounts", "--rpc", "http://127.0.0.1:8545", "--host", "0.0.0.0"],
     "--dev-accounts lets any visitor send from the node's accounts: serve it on a loopback --host"),
    (["--port", "0"], "--port must be between 1 and 65535, got 0"),
    (["--runs", "no-such-folder"], "--runs no-such-folder is not a folder"),
    (["--deployments", "no-such-folder"], "--deployments no-such-folder is not a folder"),
    (["--gas-price-gwei", "-1"], "--gas-price-gwei must be a non-negative number of gwei"),
])
def test_bad_options_are_refused_in_one_line(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["serve", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err


def get(url: str) -> tuple[dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(response.headers), response.read()


def test_the_command_serves_the_page_and_the_api_until_sigterm(tmp_path):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    process = subprocess.Popen([sys.executable, "-m", "sumchain", "serve", "--port", str(port)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout.readline().strip() == f"sumchain serve: http://127.0.0.1:{port}/ (Ctrl-C stops it)"
        deadline = time.monotonic() + 30
        while True:
            try:
                headers, page = get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                time.sleep(0.1)
        assert b'<script type="module" src="/static/app.js">' in page
        assert "script-src 'self'" in headers["content-security-policy"]
        assert b"eip6963:requestProvider" in get(f"http://127.0.0.1:{port}/static/contracts.js")[1]
        assert json.loads(get(f"http://127.0.0.1:{port}/api/chain/info")[1]) == {
            "rpc": None, "chain_id": None, "dev_accounts": False, "accounts": []}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) in (0, 143)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
