"""A deployment on a real dev node with the manifest `sumchain deploy` writes, for the live tests.

The contract is deployed by `deploy_rpc(config, model, simulation=False)` (the node keeps its own
clock), from Hardhat's first dev account; the manifest's fields are read back from the node: the
creation block and every deployment transaction with its gas, the code's keccak256, the constructor's
values by the constructor's argument names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sumchain.config import Config
from sumchain.data import load_dataset
from sumchain.engines import initial_model
from sumchain.engines.evm.artefacts import trainer_artefact, trainer_name
from sumchain.engines.evm.backend import keccak256
from sumchain.engines.evm.deploy import EVM_MECHANISMS
from sumchain.engines.evm.model_state import constructor_args
from sumchain.engines.rpc import KEYS_VARIABLE, RpcBackend, deploy_rpc
from sumchain.ledger.money import to_units
from sumchain.live.encoder import encoder_spec
from sumchain.live.manifest import Manifest, Transaction, write_manifest

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


def deploy_with_manifest(url: str, path: Path, monkeypatch, **overrides) -> Manifest:
    """Deploy a small trainer on the node at `url` and write its manifest to `path`."""
    monkeypatch.setenv(KEYS_VARIABLE, f"owner={OWNER_KEY}")
    config = Config.from_overrides({**SMALL, "engine": "rpc", "rpc_url": url, **overrides})
    dataset = load_dataset(config)
    model = initial_model(config, dataset)
    node = RpcBackend(url)
    before = int(rpc(node, "eth_blockNumber"), 16)
    trainer = deploy_rpc(config, model, simulation=False)
    after = int(rpc(node, "eth_blockNumber"), 16)
    transactions = []
    for number in range(before + 1, after + 1):
        for tx_hash in rpc(node, "eth_getBlockByNumber", hex(number), False)["transactions"]:
            receipt = rpc(node, "eth_getTransactionReceipt", tx_hash)
            what = "create" if receipt["contractAddress"] else f"transaction {len(transactions)}"
            transactions.append(Transaction(what, tx_hash, int(receipt["gasUsed"], 16)))
    transactions[-1] = Transaction("finish_initialisation", transactions[-1].hash, transactions[-1].gas)
    artefact = trainer_artefact(model.family)
    constructor = next(item for item in artefact.abi if item["type"] == "constructor")
    quality = config.quality_priced
    start_time = int(rpc(node, "eth_getBlockByNumber", hex(before + 1), False)["timestamp"], 16)
    values = (model.num_features, config.max_features, *constructor_args(model),
              EVM_MECHANISMS.index(config.incentive), config.refund_wait_s, config.any_address_claim_wait_s,
              config.owner_wait_s, to_units(config.cost_weight), start_time, quality.weight, quality.margin_scale)
    code = bytes.fromhex(rpc(node, "eth_getCode", trainer.address, "latest")[2:])
    manifest = Manifest(
        chain_id=node.chain_id, address=trainer.address, deployer=OWNER, block=before + 1, rpc_url=url,
        family=model.family, artefact=trainer_name(model.family), code_hash="0x" + keccak256(code).hex(),
        mechanism=config.incentive,
        parameters={p["name"]: int(v) for p, v in zip(constructor["inputs"], values)},
        config=config.to_dict(), config_digest=config.digest(), encoder=encoder_spec(config, dataset),
        class_names=list(dataset.class_names), state_chunks=len(transactions) - 2, finished=True,
        transactions=transactions)
    write_manifest(path, manifest)
    return manifest


SIGNER_VARIABLES = ("SUMCHAIN_PRIVATE_KEY", "SUMCHAIN_KEYSTORE", "SUMCHAIN_KEYSTORE_PASSWORD")


@pytest.fixture
def deployment(rpc_url, tmp_path, monkeypatch) -> Path:
    """A fresh node (taken back to its genesis, then ten days on) with a small trainer deployed and its
    manifest written; no signer in the environment (the node's unlocked accounts send)."""
    fresh_node(rpc_url)
    for name in SIGNER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "deployment.json"
    deploy_with_manifest(rpc_url, path, monkeypatch)
    monkeypatch.delenv(KEYS_VARIABLE)
    advance(rpc_url, 60)
    return path
