"""`sumchain deploy` as a user runs it, against the test session's Hardhat node (hardfork osaka: the node
refuses any transaction over 2**24 gas): its report, a deployment killed mid-upload and resumed, and
bad input in one line with nothing sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sumchain.cli import main
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.engines.rpc import RpcBackend
from sumchain.engines.rpc.devnode import free_port
from sumchain.live.manifest import read_manifest
from sumchain.live.signers import KEY_VARIABLE, KEYSTORE_VARIABLE
from tests.live.test_deploy import on_chain


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch):
    for variable in (KEY_VARIABLE, KEYSTORE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


def test_deploy_prints_the_address_the_manifest_and_gas_by_kind(rpc_url, tmp_path, capsys):
    path = tmp_path / "deployment.json"
    assert main(["deploy", "--rpc", rpc_url, "--manifest", str(path), "--set", "num_words=300"]) == 0
    out, err = capsys.readouterr()
    manifest = read_manifest(path)
    assert f"at {manifest.address} on chain 31337" in out and f"manifest: {path}" in out
    assert "gas create: " in out and "gas set_state: " in out and "gas finish_initialisation: " in out
    total = sum(t.gas for t in manifest.transactions)
    assert f"gas total: {total:,} in {len(manifest.transactions)} transactions (each at most 16,777,216)" in out
    assert err.count("confirmed ") == len(manifest.transactions)
    stored, trained = on_chain(rpc_url, manifest)
    assert stored == trained


def test_a_deployment_killed_mid_upload_resumes_to_the_same_state(rpc_url, tmp_path, capsys):
    path = tmp_path / "deployment.json"
    args = ["deploy", "--rpc", rpc_url, "--manifest", str(path), "--set", "model=naive_bayes",
            "--set", "num_words=600", "--max-tx-gas", "2_000_000"]
    process = subprocess.Popen([sys.executable, "-m", "sumchain", *args, "--quiet"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    deadline = time.monotonic() + 120
    done = 0
    while done < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        if path.exists():
            done = read_manifest(path).chunks_done
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed = read_manifest(path)
    assert done >= 2 and not killed.finished and killed.chunks_done < killed.state_chunks, process.stderr.read()

    assert main(["deploy", "--rpc", rpc_url, "--manifest", str(path), "--resume", "--quiet"]) == 0
    assert "of them confirmed before this run" in capsys.readouterr().out
    manifest = read_manifest(path)
    assert manifest.finished and manifest.address == killed.address
    assert manifest.transactions[:len(killed.transactions)] == killed.transactions
    assert manifest.chunks_done == manifest.state_chunks
    assert all(t.gas <= 2_000_000 for t in manifest.transactions if t.what.startswith("set_state"))
    assert max(t.gas for t in manifest.transactions) <= TX_GAS_CAP
    stored, trained = on_chain(rpc_url, manifest)
    assert stored == trained


@pytest.mark.parametrize("extra, message", [
    (["--rpc", "http://127.0.0.1:{free}"], "cannot reach the Ethereum node at http://127.0.0.1:"),
    (["--max-tx-gas", "20000000"], "gas limit must be between 1 and 2**24 = 16,777,216 (EIP-7825), got 20,000,000"),
    (["--set", "model=logistic_regression"], "model=logistic_regression has no contract code"),
    (["--from", "0x1234"], "--from must be a 0x-address of 40 hex digits"),
])
def test_bad_input_is_one_line_exit_2_and_sends_nothing(rpc_url, tmp_path, capsys, extra, message):
    path = tmp_path / "deployment.json"
    before = RpcBackend(rpc_url)._request("eth_blockNumber")
    rpc = [a.format(free=free_port()) for a in extra[1:2]] if extra[0] == "--rpc" else [rpc_url]
    rest = [] if extra[0] == "--rpc" else extra
    assert main(["deploy", "--rpc", *rpc, "--manifest", str(path), *rest]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and message in error
    assert not path.exists() and RpcBackend(rpc_url)._request("eth_blockNumber") == before


def test_an_existing_manifest_is_never_overwritten(rpc_url, tmp_path, capsys):
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps({"mine": True}))
    assert main(["deploy", "--rpc", rpc_url, "--manifest", str(path)]) == 2
    assert "already exists; give another file, or --resume" in capsys.readouterr().err
    assert main(["deploy", "--rpc", rpc_url, "--manifest", str(path), "--resume"]) == 2
    assert "is not a sumchain deployment manifest" in capsys.readouterr().err
    assert json.loads(path.read_text()) == {"mine": True}
