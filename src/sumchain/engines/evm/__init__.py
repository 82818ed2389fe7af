"""The EVM engines: the SUM contract in Vyper, run on an EVM backend (pyrevm in process, or a node).

- `backend.py`: the low-level protocol every backend implements (shared with `engines/rpc`).
- `revm.py`: the in-process backend; `artefacts.py`: the compiled contracts; `abi.py`: encoding.
- `chain.py`, `trainer.py`: the chain handle and the trainer over any backend; `deploy.py`: deployment.
"""

from sumchain.engines.evm.deploy import deploy_contract, deploy_evm

__all__ = ["deploy_contract", "deploy_evm"]
