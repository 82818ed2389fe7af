"""`sumchain deploy`: the trainer contract on a real node, with the initial model `simulate` would start from.

Why transaction by transaction with a manifest: a live deployment of a large model takes tens of
transactions (each at most 2**24 gas on a current chain), any of which may be interrupted (a
dropped connection, Ctrl-C, a node restart). After every confirmed transaction the manifest is
rewritten atomically, so `resume=True` continues from the last confirmed state chunk; a chunk that
was mined but not yet recorded is sent again, which is harmless (`set_state` writes values, it does
not add them).

Nothing is sent before every check that can fail on input has passed: the node answers, its chain
is the manifest's, a signer is available and can pay for gas, the model family and mechanism have
contract code, the data loads and the manifest path is free (or, resuming, is this deployment's).

`max_tx_gas` bounds the state transactions (the many large ones); the creation asks for what the
node estimates (about 4M gas: the contract's size), within the 2**24 cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sumchain.config import Config
from sumchain.data import load_dataset
from sumchain.engines import initial_model
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import trainer_artefact, trainer_name
from sumchain.engines.evm.backend import TX_GAS_CAP, check_gas, keccak256
from sumchain.engines.evm.chain import EvmChain
from sumchain.engines.evm.deploy import EVM_MECHANISMS, constructor_values, gas_price_wei, initcode
from sumchain.engines.evm.model_state import StateChunk, state_chunks
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.engines.rpc.backend import RpcBackend
from sumchain.errors import SumchainError
from sumchain.files import check_output_file
from sumchain.live.encoder import encoder_spec
from sumchain.live.manifest import Manifest, Transaction, read_manifest, shareable_url, write_manifest
from sumchain.live.signers import Signer, choose_signer
from sumchain.live.heldout import heldout_of
from sumchain.models import Model

DEFAULT_MANIFEST = "deployment.json"


class DeployError(SumchainError):
    """A deployment cannot start or continue (a manifest of another chain or deployment, a refused
    transaction, a state that does not read back as the model); one line saying which."""


@dataclass
class Deployment:
    """A finished deployment: its manifest, where it was written, and how many chunks were already done."""

    manifest: Manifest
    path: Path
    resumed_chunks: int = 0

    def gas_by_kind(self) -> dict[str, tuple[int, int]]:
        """(transactions, gas) for create, set_state and finish_initialisation."""
        kinds: dict[str, tuple[int, int]] = {}
        for t in self.manifest.transactions:
            kind = t.what.split()[0]
            count, gas = kinds.get(kind, (0, 0))
            kinds[kind] = (count + 1, gas + t.gas)
        return kinds


@dataclass
class _Plan:
    """What this run deploys: the config, the manifest it continues (None for a new deployment) and
    the gas limit of its state transactions."""

    config: Config
    manifest: Manifest | None
    max_tx_gas: int


def deploy_live(rpc_url: str, manifest_path: str | Path = DEFAULT_MANIFEST, config: Config | None = None,
                resume: bool = False, requested_from: str | None = None, max_tx_gas: int | None = None,
                on_transaction: Callable[[Manifest, Transaction], None] | None = None) -> Deployment:
    """Deploy (or, with `resume`, finish deploying) the trainer on the node at `rpc_url`.

    `config` is the run config the initial model is trained from (default Table I); resuming takes
    the manifest's, and a given `config` must be that one. `on_transaction` is told after each
    confirmed transaction, once the manifest records it.
    """
    path = Path(manifest_path)
    plan = _resume_plan(path, config, max_tx_gas) if resume else _new_plan(path, config, max_tx_gas)
    probe = RpcBackend(rpc_url, impersonate=False)
    signer = choose_signer(probe.unlocked_accounts, requested_from)
    manifest = plan.manifest
    if manifest is not None:
        _check_same_deployment(probe, manifest, signer, path)
    gas_price = gas_price_wei(plan.config) or probe.node_gas_price()
    backend = RpcBackend(rpc_url, gas_price=gas_price, keys=signer.backend_keys(), impersonate=False)
    balance = backend.balance(signer.address)
    if balance < gas_price * plan.max_tx_gas:
        raise DeployError(f"the sending account {signer.address} ({signer.source}) holds {balance:,} wei, less "
                          f"than one transaction's gas ({plan.max_tx_gas:,} at {gas_price:,} wei): fund it first")
    dataset = load_dataset(plan.config)
    model = initial_model(plan.config, dataset)
    chunks = state_chunks(model, plan.max_tx_gas)
    if manifest is None:
        manifest = Manifest(
            chain_id=backend.chain_id, address="", deployer=signer.address, block=0,
            rpc_url=shareable_url(rpc_url),
            family=model.family, artefact=trainer_name(model.family), code_hash="", mechanism=plan.config.incentive,
            parameters={}, config=plan.config.to_dict(), config_digest=plan.config.digest(),
            encoder=encoder_spec(plan.config, dataset), class_names=list(dataset.class_names),
            state_chunks=len(chunks), max_tx_gas=plan.max_tx_gas, test_set=heldout_of(dataset))
        write_manifest(path, manifest)
    else:
        _check_same_chunks(manifest, chunks, path)
    done = manifest.chunks_done
    _Sender(backend, signer, manifest, path, plan, on_transaction).run(model, chunks)
    return Deployment(manifest, path, done)


def _new_plan(path: Path, config: Config | None, max_tx_gas: int | None) -> _Plan:
    if path.exists():
        raise DeployError(f"--manifest {path} already exists; give another file, or --resume to finish "
                          f"the deployment it records")
    check_output_file(path, "--manifest")
    config = config if config is not None else Config()
    _check_contract_code(config)
    return _Plan(config, None, check_gas(max_tx_gas if max_tx_gas is not None else TX_GAS_CAP))


def _resume_plan(path: Path, config: Config | None, max_tx_gas: int | None) -> _Plan:
    manifest = read_manifest(path)
    stored = Config.from_dict(manifest.config)
    if stored.digest() != manifest.config_digest:
        raise DeployError(f"{path}: its config does not match its config_digest (the file was edited); "
                          f"it cannot be resumed")
    if config is not None and config.digest() != manifest.config_digest:
        raise DeployError(f"{path} records a deployment of another config; leave --config and --set out "
                          f"to resume it with its own")
    if max_tx_gas is not None and max_tx_gas != manifest.max_tx_gas:
        raise DeployError(f"{path} was deployed with --max-tx-gas {manifest.max_tx_gas}; resume it with "
                          f"that value (or leave --max-tx-gas out)")
    if manifest.finished:
        raise DeployError(f"{path} records a finished deployment (contract {manifest.address}); nothing to resume")
    _check_contract_code(stored)
    return _Plan(stored, manifest, check_gas(manifest.max_tx_gas))


def _check_contract_code(config: Config) -> None:
    trainer_artefact(config.model)              # a family without contract code: one line
    if config.incentive not in EVM_MECHANISMS:
        raise DeployError(f"incentive={config.incentive} has no contract code; deploy one of: "
                          f"{', '.join(EVM_MECHANISMS)}")


def _check_same_deployment(backend: RpcBackend, manifest: Manifest, signer: Signer, path: Path) -> None:
    if backend.chain_id != manifest.chain_id:
        raise DeployError(f"{path} records a deployment on chain {manifest.chain_id}, but the node at "
                          f"{backend.url} is chain {backend.chain_id}")
    if signer.address != manifest.deployer:
        raise DeployError(f"{path} was deployed by {manifest.deployer}, who alone may initialise it; "
                          f"sign with that account (now {signer.address}, from {signer.source})")
    if manifest.address and "0x" + keccak256(backend.code(manifest.address)).hex() != manifest.code_hash:
        raise DeployError(f"{path}: the code at {manifest.address} on the node at {backend.url} is not the "
                          f"deployed trainer (code hash differs): another chain or deployment")


def _check_same_chunks(manifest: Manifest, chunks: list[StateChunk], path: Path) -> None:
    done = [t.what for t in manifest.transactions if t.what.startswith("set_state")]
    if manifest.state_chunks != len(chunks) or done != [c.what for c in chunks[:len(done)]]:
        raise DeployError(f"{path}: the model trained from its config does not split into the state "
                          f"chunks it records (another sumchain version or data?); it cannot be resumed")


class _Sender:
    """Sends the deployment's remaining transactions, recording each in the manifest once confirmed."""

    def __init__(self, backend: RpcBackend, signer: Signer, manifest: Manifest, path: Path, plan: _Plan,
                 on_transaction: Callable[[Manifest, Transaction], None] | None):
        self.backend, self.signer, self.manifest, self.path = backend, signer, manifest, path
        self.plan, self.on_transaction = plan, on_transaction
        self.functions, _ = abi.interface(trainer_artefact(manifest.family).abi)

    def run(self, model: Model, chunks: list[StateChunk]) -> None:
        if not self.manifest.address:
            self._create(model)
        set_state = self.functions["set_state"]
        for chunk in chunks[self.manifest.chunks_done:]:
            self._send(chunk.what, set_state.calldata(chunk.row, chunk.indices, chunk.values))
        self._check_state(model)
        self._send("finish_initialisation", self.functions["finish_initialisation"].calldata())
        self.manifest.finished = True
        write_manifest(self.path, self.manifest)

    def _create(self, model: Model) -> None:
        parameters = constructor_values(self.plan.config, model, self.backend.now)
        address, outcome = self.backend.deploy(self.signer.address, initcode(model, parameters))
        if not outcome.success:
            raise DeployError(f"creating the trainer contract failed (transaction {outcome.tx_hash}): "
                              f"{abi.revert_reason(outcome.output)}")
        m = self.manifest
        m.address, m.block, m.parameters = address, outcome.block, parameters
        m.code_hash = "0x" + keccak256(self.backend.code(address)).hex()
        self._record(Transaction("create", outcome.tx_hash, outcome.gas_used))

    def _send(self, what: str, data: bytes) -> None:
        outcome = self.backend.transact(self.signer.address, self.manifest.address, data, gas=self.plan.max_tx_gas)
        if not outcome.success:
            raise DeployError(f"{what} was refused (transaction {outcome.tx_hash}, {outcome.gas_used:,} gas): "
                              f"{abi.revert_reason(outcome.output)}; fix the cause and run again with --resume")
        self._record(Transaction(what, outcome.tx_hash, outcome.gas_used))

    def _record(self, transaction: Transaction) -> None:
        self.manifest.transactions.append(transaction)
        write_manifest(self.path, self.manifest)
        if self.on_transaction is not None:
            self.on_transaction(self.manifest, transaction)

    def _check_state(self, model: Model) -> None:
        """The contract's state rows, read back, must be the model: else the contract is not opened."""
        chain = EvmChain(self.backend, live=True)
        artefact = trainer_artefact(model.family)
        stored = EvmTrainer(chain, artefact, self.manifest.address, model, owner=self.signer.address).read_model()
        if stored.state() != model.state():
            raise DeployError(f"the state of the contract at {self.manifest.address} does not read back as the "
                              f"trained model, so it was not opened for contributions; deploy anew")
