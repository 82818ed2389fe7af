"""`sumchain.live.deploy` against a real Hardhat node (hardfork osaka: the 2**24 gas cap per transaction
is the node's own): what it deploys reads back as the model `simulate` starts from, every transaction
fits the cap, an interrupted deployment resumes to the same state, and bad input sends nothing."""

from __future__ import annotations

import json

import pytest

from sumchain.config import Config
from sumchain.data import load_dataset
from sumchain.engines import initial_model
from sumchain.engines.evm.artefacts import trainer_artefact
from sumchain.engines.evm.backend import TX_GAS_CAP, keccak256
from sumchain.engines.evm.chain import EvmChain
from sumchain.engines.evm.model_state import state_chunks
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.engines.rpc import RpcBackend
from sumchain.engines.rpc.backend import NodeError
from sumchain.engines.rpc.devnode import free_port
from sumchain.live.deploy import DeployError, deploy_live
from sumchain.live.encoder import encoder_spec
from sumchain.live.manifest import read_manifest
from sumchain.live.signers import KEY_VARIABLE, KEYSTORE_VARIABLE, SignerError

FIRST_ACCOUNT = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"     # Hardhat's first unlocked dev account
SECOND_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"   # Hardhat's second dev account
SOME_KEY = "0x" + "ab" * 32                                      # an account the node never heard of: no ether


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch):
    for variable in (KEY_VARIABLE, KEYSTORE_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


def on_chain(url: str, manifest) -> tuple:
    backend = RpcBackend(url, impersonate=False)
    config = Config.from_dict(manifest.config)
    template = initial_model(config, load_dataset(config))
    trainer = EvmTrainer(EvmChain(backend, live=True), trainer_artefact(manifest.family), manifest.address, template)
    return trainer.read_model().state(), template.state()


def receipts(url: str, manifest) -> list[tuple[dict, dict]]:
    backend = RpcBackend(url, impersonate=False)
    return [(backend._request("eth_getTransactionByHash", [t.hash]), backend._request("eth_getTransactionReceipt", [t.hash]))
            for t in manifest.transactions]


@pytest.mark.parametrize("overrides", [{}, {"num_words": 10_000}, {"model": "naive_bayes"}],
                         ids=["perceptron", "perceptron-10000-words", "naive-bayes"])
def test_a_deployment_fits_the_cap_and_holds_the_model_simulate_starts_from(rpc_url, tmp_path, overrides):
    config = Config.from_overrides(overrides)
    path = tmp_path / "deployment.json"
    deployment = deploy_live(rpc_url, path, config)
    manifest = read_manifest(path)
    assert manifest.finished and manifest == deployment.manifest
    stored, trained = on_chain(rpc_url, manifest)
    assert stored == trained
    dataset = load_dataset(config)
    chunks = state_chunks(initial_model(config, dataset))
    assert [t.what for t in manifest.transactions] == ["create", *(c.what for c in chunks), "finish_initialisation"]
    assert manifest.state_chunks == len(chunks) > (8 if overrides else 1)
    for (transaction, receipt), recorded in zip(receipts(rpc_url, manifest), manifest.transactions):
        assert int(receipt["status"], 16) == 1
        assert int(receipt["gasUsed"], 16) == recorded.gas <= int(transaction["gas"], 16) <= TX_GAS_CAP
    assert max(t.gas for t in manifest.transactions) > 0.85 * TX_GAS_CAP     # chunks fill the cap
    backend = RpcBackend(rpc_url)
    assert manifest.chain_id == backend.chain_id == 31337 and manifest.deployer == FIRST_ACCOUNT
    assert manifest.code_hash == "0x" + keccak256(backend.code(manifest.address)).hex()
    assert manifest.block == int(receipts(rpc_url, manifest)[0][1]["blockNumber"], 16)
    assert manifest.artefact == f"trainer_{config.model}" and manifest.mechanism == "stakeable"
    assert manifest.parameters["num_features"] == dataset.num_features
    assert manifest.encoder == encoder_spec(config, dataset) and manifest.class_names == list(dataset.class_names)
    assert Config.from_dict(manifest.config).digest() == manifest.config_digest == config.digest()


class Interrupted(Exception):
    pass


def test_an_interrupted_deployment_resumes_from_its_last_confirmed_chunk_to_the_same_state(rpc_url, tmp_path):
    config = Config(model="naive_bayes", num_words=400, seed=3)
    path = tmp_path / "deployment.json"

    def fail_after_two_chunks(manifest, transaction):
        if manifest.chunks_done == 2:
            raise Interrupted()

    with pytest.raises(Interrupted):
        deploy_live(rpc_url, path, config, max_tx_gas=3_000_000, on_transaction=fail_after_two_chunks)
    interrupted = read_manifest(path)
    assert interrupted.chunks_done == 2 and not interrupted.finished and interrupted.state_chunks > 4
    sent: list[str] = []
    deployment = deploy_live(rpc_url, path, resume=True, on_transaction=lambda m, t: sent.append(t.what))
    assert deployment.resumed_chunks == 2
    manifest = read_manifest(path)
    assert manifest.finished and manifest.address == interrupted.address
    assert manifest.transactions[:3] == interrupted.transactions[:3]
    assert sent == [t.what for t in manifest.transactions[3:]]           # nothing sent twice
    assert max(t.gas for t in manifest.transactions if t.what.startswith("set_state")) <= 3_000_000
    stored, trained = on_chain(rpc_url, manifest)
    assert stored == trained
    with pytest.raises(DeployError, match="finished deployment"):
        deploy_live(rpc_url, path, resume=True)


def test_a_key_from_the_environment_signs_and_is_never_written(rpc_url, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, SECOND_KEY)
    path = tmp_path / "deployment.json"
    deployment = deploy_live(rpc_url, path, Config(num_words=200))
    assert deployment.manifest.deployer == "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" and deployment.manifest.finished
    assert SECOND_KEY[2:] not in path.read_text()
    stored, trained = on_chain(rpc_url, deployment.manifest)
    assert stored == trained


def block_number(url: str) -> int:
    return int(RpcBackend(url)._request("eth_blockNumber"), 16)


def test_bad_input_is_one_line_and_sends_nothing(rpc_url, tmp_path, monkeypatch):
    path = tmp_path / "deployment.json"
    with pytest.raises(NodeError, match="cannot reach the Ethereum node"):
        deploy_live(f"http://127.0.0.1:{free_port()}", path)
    assert not path.exists()
    before = block_number(rpc_url)
    with pytest.raises(SignerError, match="--from 0x0000000000000000000000000000000000000001 is not an unlocked"):
        deploy_live(rpc_url, path, requested_from="0x" + "0" * 39 + "1")
    monkeypatch.setenv(KEYSTORE_VARIABLE, str(tmp_path / "missing.json"))
    with pytest.raises(SignerError, match="missing.json .* does not exist"):
        deploy_live(rpc_url, path)
    monkeypatch.delenv(KEYSTORE_VARIABLE)
    with pytest.raises(DeployError, match="incentive=prediction_market has no contract code"):
        deploy_live(rpc_url, path, Config(incentive="prediction_market"))
    monkeypatch.setenv(KEY_VARIABLE, SOME_KEY)
    with pytest.raises(DeployError, match="holds 0 wei, less than one transaction's gas"):
        deploy_live(rpc_url, path, Config(num_words=100))
    monkeypatch.delenv(KEY_VARIABLE)
    assert not path.exists() and block_number(rpc_url) == before

    path.write_text("{}")
    with pytest.raises(DeployError, match="already exists; give another file, or --resume"):
        deploy_live(rpc_url, path)
    assert path.read_text() == "{}"

    deploy_live(rpc_url, path := tmp_path / "small.json", Config(num_words=100))
    manifest = json.loads(path.read_text())
    manifest["finished"] = False
    path.write_text(json.dumps(manifest))
    before = block_number(rpc_url)
    with pytest.raises(DeployError, match="records a deployment of another config"):
        deploy_live(rpc_url, path, Config(num_words=101), resume=True)
    with pytest.raises(DeployError, match="resume it with that value"):
        deploy_live(rpc_url, path, resume=True, max_tx_gas=5_000_000)
    other_chain = dict(manifest, chain_id=1)
    path.write_text(json.dumps(other_chain))
    with pytest.raises(DeployError, match="a deployment on chain 1, but the node at .* is chain 31337"):
        deploy_live(rpc_url, path, resume=True)
    path.write_text(json.dumps(dict(manifest, code_hash="0x" + "00" * 32)))
    with pytest.raises(DeployError, match="is not the deployed trainer"):
        deploy_live(rpc_url, path, resume=True)
    monkeypatch.setenv(KEY_VARIABLE, SOME_KEY)
    with pytest.raises(DeployError, match=f"was deployed by {FIRST_ACCOUNT}"):
        deploy_live(rpc_url, path, resume=True)
    assert block_number(rpc_url) == before
