"""The EVM engines: the SUM contract in Vyper, run on an EVM backend (pyrevm in process, or a node).

- `backend.py`: the low-level protocol every backend implements (shared with `engines/rpc`).
- `revm.py`: the in-process backend; `artefacts.py`: the compiled contracts; `abi.py`: encoding.
- `chain.py`, `trainer.py`: the chain handle and the trainer over any backend; `deploy.py`: deployment.

The layers above use only what this package exports (`tests/test_layers.py` checks it): the engine's
deploy function, and for the gas report a deployment that says what each of its transactions cost.
"""

from __future__ import annotations

from sumchain.config import Config
from sumchain.engines.evm.deploy import EVM_MECHANISMS, DeploymentGas, deploy_contract, deploy_evm
from sumchain.engines.evm.model_state import initial_rows
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.models import Model


def deploy_measured(config: Config, model: Model) -> tuple[EvmTrainer, DeploymentGas]:
    """The contract on a fresh in-process EVM, with the gas of each deployment transaction (no gas
    price: the gas report prices gas itself). `initial_rows(model)` are the state rows it wrote."""
    from sumchain.engines.evm.revm import RevmBackend

    return deploy_contract(config, model, RevmBackend())


__all__ = ["EVM_MECHANISMS", "DeploymentGas", "EvmTrainer", "deploy_contract", "deploy_evm", "deploy_measured",
           "initial_rows"]
