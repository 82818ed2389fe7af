"""The rpc backend's own behaviour beyond the conformance suite (tests/engines/test_backends.py):
errors a user meets (wrong URL, a node that is not a dev node), live-chain keys, and the dev node."""

from __future__ import annotations

import json
from contextlib import contextmanager
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sumchain.config import Config
from sumchain.engines.evm import abi
from sumchain.engines.evm.backend import TX_GAS_CAP, GasCapError
from sumchain.engines.rpc import KEYS_VARIABLE, RpcBackend, keys_from_environment
from sumchain.engines.rpc.backend import NodeError
from sumchain.engines.rpc.devnode import HARDHAT_VERSION, cache_dir, free_port, install
from sumchain.errors import ConfigError
from tests.engines.backends import make_backend, probe_artefact
from tests.engines.test_backends import deploy_probe, poke, read_uint

ETHER = 10**18
# Hardhat's first dev account (its well-known test mnemonic): funded on every Hardhat node.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def test_a_wrong_url_is_one_line_naming_it():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(NodeError) as error:
        RpcBackend(url)
    assert url in str(error.value) and "\n" not in str(error.value)


@contextmanager
def json_rpc_server(respond):
    """A tiny HTTP server on 127.0.0.1 whose every POST body (a JSON-RPC request) is answered with
    the bytes `respond(request)` returns; yields its URL."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            data = respond(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live_like_node(rpc_url):
    """A proxy to the dev node that refuses every dev-only method, as a live chain's node does."""
    def respond(body) -> bytes:
        if body["method"].startswith(("hardhat_", "evm_")):
            return json.dumps({"jsonrpc": "2.0", "id": body["id"],
                               "error": {"code": -32601, "message": f"the method {body['method']} does not exist"}}
                              ).encode()
        request = urllib.request.Request(rpc_url, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        return urllib.request.urlopen(request, timeout=30).read()

    with json_rpc_server(respond) as url:
        yield url


def test_without_a_dev_node_time_and_minting_say_a_simulation_needs_one(live_like_node):
    backend = RpcBackend(live_like_node)
    for attempt in (lambda: (backend.set_time(backend.now + 10), backend.call("0x" + "00" * 20, b"")),
                    lambda: backend.mint(backend.address_of("alice"), 1)):
        with pytest.raises(NodeError, match="needs a dev node") as error:
            attempt()
        assert live_like_node in str(error.value) and "\n" not in str(error.value)


def test_a_live_chain_is_driven_with_the_users_keys(rpc_url, live_like_node):
    make_backend("rpc", rpc_url)                         # a fresh chain behind the proxy
    backend = RpcBackend(live_like_node, keys={"owner": DEV_KEY, "alice": DEV_KEY})
    assert backend.address_of("owner") == DEV_ADDRESS and backend.address_of("bob") != DEV_ADDRESS
    start = backend.balance(DEV_ADDRESS)
    address = deploy_probe(backend, start=3)            # signed here, sent raw: no impersonation
    assert read_uint(backend, address, "stored()") == 3
    ok = backend.transact(backend.address_of("alice"), address, poke(9), value=5)
    assert ok.success and read_uint(backend, address, "stored()") == 9
    refused = backend.transact(backend.address_of("alice"), address, poke(200))
    assert not refused.success and abi.revert_reason(refused.output) == "amount must be below 100"
    assert backend.balance(DEV_ADDRESS) == start - 5    # gas price 0
    with pytest.raises(NodeError, match="needs a dev node"):
        backend.transact(backend.address_of("bob"), address, poke(1))   # no key: would need impersonation


def test_keys_come_from_the_environment_never_the_config(monkeypatch):
    monkeypatch.setenv(KEYS_VARIABLE, f"owner={DEV_KEY}, alice = {DEV_KEY}")
    assert keys_from_environment() == {"owner": DEV_KEY, "alice": DEV_KEY}
    monkeypatch.setenv(KEYS_VARIABLE, "owner")
    with pytest.raises(ConfigError, match=KEYS_VARIABLE):
        keys_from_environment()
    assert "rpc_keys" not in Config().to_dict()


def test_engine_rpc_needs_a_url():
    with pytest.raises(ConfigError, match="rpc_url"):
        Config(engine="rpc")


def test_the_dev_node_is_installed_once_and_reused(dev_node):
    assert install() == cache_dir()                      # already there: no npm, works offline
    assert f"hardhat-{HARDHAT_VERSION}" in str(cache_dir())
    backend = RpcBackend(dev_node.url)
    assert backend.chain_id == 31337


def test_many_transactions_share_a_timestamp_and_the_largest_allowed_one_is_taken(rpc_url):
    backend = make_backend("rpc", rpc_url)
    address = deploy_probe(backend)
    alice = backend.address_of("alice")
    backend.set_time(5)
    stamps = {abi.decode(("uint256",), backend.transact(alice, address, poke(n)).output)[0] for n in range(20)}
    assert stamps == {5}
    bytecode, _ = probe_artefact()
    assert backend.transact(alice, address, poke(1), gas=TX_GAS_CAP).success
    with pytest.raises(GasCapError, match="2\\*\\*24"):
        backend.transact(alice, address, poke(1), gas=TX_GAS_CAP + 1)
    assert len(bytecode) > 0


GOOD_ANSWERS = {"eth_chainId": "0x7a69", "eth_accounts": [],
                "eth_getBlockByNumber": {"timestamp": "0x0", "gasLimit": "0x1c9c380"}, "eth_getBalance": "0x10"}


@pytest.fixture
def fake_node():
    """A JSON-RPC server that answers from a table the test fills (`answers`); a `Raw` value sends its
    bytes as the whole response body."""
    answers: dict = {}

    def respond(body) -> bytes:
        answer = answers.get(body["method"], GOOD_ANSWERS.get(body["method"]))
        return answer.raw if isinstance(answer, Raw) else \
            json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": answer}).encode()

    with json_rpc_server(respond) as url:
        yield url, answers


class Raw:
    def __init__(self, raw: bytes):
        self.raw = raw


@pytest.mark.parametrize("method, answer, words", [
    ("eth_chainId", "0xzz", "eth_chainId with '0xzz', not a hex number"),
    ("eth_chainId", None, "eth_chainId with None, not a hex number"),
    ("eth_chainId", 31337, "eth_chainId with 31337, not a hex number"),
    ("eth_getBlockByNumber", None, "eth_getBlockByNumber without 'timestamp'"),
    ("eth_getBlockByNumber", {"timestamp": "0xzz", "gasLimit": "0x1"}, "(timestamp) with '0xzz'"),
    ("eth_getBlockByNumber", {"timestamp": "0x0"}, "without 'gasLimit'"),
    ("eth_accounts", Raw(b"null"), "answered eth_accounts with None, not a JSON-RPC response"),
    ("eth_chainId", Raw(b'{"jsonrpc": "2.0", "id": 0}'), "not a JSON-RPC response"),
])
def test_a_node_answering_nonsense_is_one_line_naming_the_answer(fake_node, method, answer, words):
    url, answers = fake_node
    answers[method] = answer
    with pytest.raises(NodeError) as error:
        RpcBackend(url)
    message = str(error.value)
    assert words in message and url in message and "\n" not in message


def test_a_balance_that_is_not_a_number_is_named(fake_node):
    url, answers = fake_node
    backend = RpcBackend(url)
    answers["eth_getBalance"] = "0x"
    with pytest.raises(NodeError, match="eth_getBalance with '0x', not a hex number"):
        backend.balance("0x" + "11" * 20)


def test_the_dev_node_starts_at_time_0_and_refuses_more_than_2_24_gas_itself(rpc_url):
    backend = RpcBackend(rpc_url)
    assert backend.genesis_time() == 0                  # a simulation's node
    transaction = {"from": backend.unlocked_accounts[0], "to": "0x" + "00" * 19 + "01"}
    refused = backend._raw("eth_sendTransaction", [dict(transaction, gas=hex(TX_GAS_CAP + 1))])
    assert "exceeds transaction gas cap of 16777216" in refused["error"]["message"]     # the node's own check
    assert "result" in backend._raw("eth_sendTransaction", [dict(transaction, gas=hex(TX_GAS_CAP))])
