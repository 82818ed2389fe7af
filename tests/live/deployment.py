"""A deployment on a real dev node with the manifest `sumchain deploy` writes, for the live tests.

The contract is deployed by `sumchain deploy`'s own code (`sumchain.live.deploy.deploy_live`: the
node keeps its own clock) from Hardhat's first dev account, which also writes the manifest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sumchain.config import Config
from sumchain.engines.rpc import RpcBackend
from sumchain.live.deploy import deploy_live
from sumchain.live.manifest import Manifest

# Hardhat's well-known dev accounts (its test mnemonic): unlocked on every Hardhat node.
OWNER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
OWNER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
ALICE = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
BOB_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
BOB = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
CAROL_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
CAROL = "0x90f79bf6eb2c4f870365e785982e1f101e93b906"
DAY = 86_400

SMALL = {"num_words": 60, "max_train": 300, "max_test": 100}
"""A small vocabulary keeps the deployment to a few transactions."""


def rpc(node: RpcBackend, method: str, *params) -> object:
    return node.request(method, list(params))


def advance(url: str, seconds: int) -> None:
    """Time passes on the node (the test's doing, as the wall clock would on a live chain)."""
    if seconds:
        node = RpcBackend(url)
        rpc(node, "evm_increaseTime", int(seconds))
        rpc(node, "evm_mine")


def fresh_node(url: str, start: int = 10 * DAY) -> None:
    """The dev node back at its genesis, then a block at `start` (a chain whose clock is past 0).

    The block's time is set, not increased: right after hardhat_reset, Hardhat stamps the next block
    with the wall clock, and the blocks after an evm_increaseTime then fall back to the genesis's
    clock, earlier than that block."""
    from tests.engines.backends import make_backend

    make_backend("rpc", url)
    node = RpcBackend(url)
    rpc(node, "evm_setNextBlockTimestamp", int(start))
    rpc(node, "evm_mine")


def deploy_with_manifest(url: str, path: Path, **overrides) -> Manifest:
    """Deploy a small trainer on the node at `url` from its first account, as `sumchain deploy` does
    (same code: `deploy_live`), and write its manifest to `path`."""
    config = Config.from_overrides({**SMALL, **overrides})
    return deploy_live(url, path, config=config, requested_from=OWNER).manifest


SIGNER_VARIABLES = ("SUMCHAIN_PRIVATE_KEY", "SUMCHAIN_KEYSTORE", "SUMCHAIN_KEYSTORE_PASSWORD")


@pytest.fixture
def deployment(rpc_url, tmp_path, monkeypatch) -> Path:
    """A fresh node (taken back to its genesis, then ten days on) with a small trainer deployed and its
    manifest written; no signer in the environment (the node's unlocked accounts send)."""
    fresh_node(rpc_url)
    for name in SIGNER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "deployment.json"
    deploy_with_manifest(rpc_url, path)
    advance(rpc_url, 60)
    return path
