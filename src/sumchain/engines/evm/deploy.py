"""Deploy the SUM contract on an EVM backend: create the model family's trainer with the model's
bounds and parameters, write the initial state (weights, counts or centroids: `model_state`) in
chunks that fit a block, then open it for contributions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sumchain.config import Config
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import trainer_artefact
from sumchain.engines.evm.backend import EvmBackend
from sumchain.engines.evm.chain import EvmChain
from sumchain.engines.evm.model_state import constructor_args, initial_rows, write_chunk
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.errors import SumchainError
from sumchain.ledger.money import to_units
from sumchain.models import Model

OWNER = "owner"
EVM_MECHANISMS = ("stakeable", "points", "quality_priced")
"""The mechanisms trainer.vy implements, by their MECHANISM number."""
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


def deploy_contract(config: Config, model: Model, backend: EvmBackend,
                    simulation: bool = True) -> tuple[EvmTrainer, DeploymentGas]:
    """Deploy on `backend`. A simulation's chain starts its clock at 0, as every engine's does; with
    `simulation=False` the node keeps its own clock and money (a live chain, or a dev node the user
    drives): the contract starts at the node's latest block time and the chain handle refuses
    `advance` and `fund` (`EvmChain(live=True)`)."""
    chain = EvmChain(backend, start_time=0, live=not simulation)
    owner = chain.address_of(OWNER)
    artefact = trainer_artefact(model.family)
    constructor = next(item for item in artefact.abi if item["type"] == "constructor")
    types = tuple(p["type"] for p in constructor["inputs"])
    quality = config.quality_priced
    args = (model.num_features, config.max_features, *constructor_args(model),
            EVM_MECHANISMS.index(config.incentive), config.refund_wait_s, config.any_address_claim_wait_s,
            config.owner_wait_s, to_units(config.cost_weight), chain.now, quality.weight, quality.margin_scale)
    gas = DeploymentGas()
    address, outcome = backend.deploy(owner, artefact.bytecode + abi.encode(types, args))
    gas.create = outcome.gas_used
    if not outcome.success:
        raise SumchainError(f"deploying the trainer contract failed: {abi.revert_reason(outcome.output)}")
    functions, _ = abi.interface(artefact.abi)
    chunk = write_chunk(model)
    for row, values in initial_rows(model):
        nonzero = np.flatnonzero(values)
        for start in range(0, len(nonzero), chunk):
            indices = nonzero[start:start + chunk]
            gas.state.append(_owner_call(backend, owner, address, functions["set_state"].calldata(
                row, indices, np.asarray(values[indices], dtype=np.int64))))
    gas.finish = _owner_call(backend, owner, address, functions["finish_initialisation"].calldata())
    return EvmTrainer(chain, artefact, address, model, owner=OWNER), gas


def _owner_call(backend: EvmBackend, owner: str, address: str, data: bytes) -> int:
    outcome = backend.transact(owner, address, data)
    if not outcome.success:
        raise SumchainError(f"initialising the trainer contract failed: {abi.revert_reason(outcome.output)}")
    return outcome.gas_used


def deploy_evm(config: Config, model: Model) -> EvmTrainer:
    """The `evm` engine: the contract in an in-process EVM (pyrevm)."""
    from sumchain.engines.evm.revm import RevmBackend

    return deploy_contract(config, model, RevmBackend(gas_price=gas_price_wei(config)))[0]
