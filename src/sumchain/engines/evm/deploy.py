"""Deploy the SUM contract on an EVM backend: create the model family's trainer with the model's
bounds and parameters, write the initial state (weights, counts or centroids: `model_state`) in
chunks that each fit one transaction's gas (2**24 on a current chain), then open it for contributions.

`sumchain deploy` (`sumchain.live.deploy`) makes the same transactions one at a time, recording each."""

from __future__ import annotations

from dataclasses import dataclass, field

from sumchain.components import evm_mechanisms
from sumchain.config import Config
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import trainer_artefact
from sumchain.engines.evm.backend import TX_GAS_CAP, EvmBackend
from sumchain.engines.evm.chain import EvmChain
from sumchain.engines.evm.model_state import constructor_args, state_chunks
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.errors import SumchainError
from sumchain.ledger.money import to_units
from sumchain.models import Model

OWNER = "owner"
EVM_MECHANISMS = evm_mechanisms()
"""The mechanisms trainer.vy implements, by their MECHANISM number (read from its constants)."""
GWEI = 10**9

@dataclass
class DeploymentGas:
    """Gas of the deployment, for the gas report: creating the contract and each chunk of the state."""

    create: int = 0
    state: list[int] = field(default_factory=list)
    finish: int = 0

    @property
    def total(self) -> int:
        return self.create + sum(self.state) + self.finish

def gas_price_wei(config: Config) -> int:
    return int(round(config.gas_price_gwei * GWEI))

def constructor_values(config: Config, model: Model, start_time: int) -> dict[str, int]:
    """The trainer's constructor arguments by name, as deployed for `model` under `config`."""
    if config.incentive not in EVM_MECHANISMS:
        raise SumchainError(f"incentive={config.incentive} has no contract code; the EVM runs incentive="
                            f"{', '.join(EVM_MECHANISMS)}")
    artefact = trainer_artefact(model.family)
    constructor = next(item for item in artefact.abi if item["type"] == "constructor")
    quality = config.quality_priced
    values = (model.num_features, config.max_features, *constructor_args(model),
              EVM_MECHANISMS.index(config.incentive), config.refund_wait_s, config.any_address_claim_wait_s,
              config.owner_wait_s, to_units(config.cost_weight), start_time, quality.weight, quality.margin_scale)
    return {p["name"]: int(v) for p, v in zip(constructor["inputs"], values, strict=True)}

def initcode(model: Model, parameters: dict[str, int]) -> bytes:
    """The creation transaction's data: the family's bytecode and the ABI-encoded constructor values."""
    artefact = trainer_artefact(model.family)
    constructor = next(item for item in artefact.abi if item["type"] == "constructor")
    types = tuple(p["type"] for p in constructor["inputs"])
    return artefact.bytecode + abi.encode(types, tuple(parameters[p["name"]] for p in constructor["inputs"]))

def deploy_contract(config: Config, model: Model, backend: EvmBackend,
                    simulation: bool = True, max_tx_gas: int = TX_GAS_CAP) -> tuple[EvmTrainer, DeploymentGas]:
    """Deploy on `backend`. A simulation's chain starts its clock at 0, as every engine's does; with
    `simulation=False` the node keeps its own clock and money (a live chain, or a dev node the user
    drives): the contract starts at the node's latest block time and the chain handle refuses
    `advance` and `fund` (`EvmChain(live=True)`)."""
    chain = EvmChain(backend, start_time=0, live=not simulation)
    owner = chain.address_of(OWNER)
    artefact = trainer_artefact(model.family)
    gas = DeploymentGas()
    address, outcome = backend.deploy(owner, initcode(model, constructor_values(config, model, chain.now)))
    gas.create = outcome.gas_used
    if not outcome.success:
        raise SumchainError(f"deploying the trainer contract failed: {abi.revert_reason(outcome.output)}")
    functions, _ = abi.interface(artefact.abi)
    for chunk in state_chunks(model, max_tx_gas):
        gas.state.append(_owner_call(backend, owner, address, functions["set_state"].calldata(
            chunk.row, chunk.indices, chunk.values), max_tx_gas).gas_used)
    gas.finish = _owner_call(backend, owner, address, functions["finish_initialisation"].calldata(),
                             max_tx_gas).gas_used
    return EvmTrainer(chain, artefact, address, model, owner=OWNER), gas

def _owner_call(backend: EvmBackend, owner: str, address: str, data: bytes, max_tx_gas: int = TX_GAS_CAP):
    """One initialisation transaction from the owner; its outcome (a refusal is an error)."""
    outcome = backend.transact(owner, address, data, gas=max_tx_gas)
    if not outcome.success:
        raise SumchainError(f"initialising the trainer contract failed: {abi.revert_reason(outcome.output)}")
    return outcome

def deploy_evm(config: Config, model: Model) -> EvmTrainer:
    """The `evm` engine: the contract in an in-process EVM (pyrevm)."""
    from sumchain.engines.evm.revm import RevmBackend

    return deploy_contract(config, model, RevmBackend(gas_price=gas_price_wei(config)))[0]
