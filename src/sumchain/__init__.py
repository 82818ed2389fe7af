"""sumchain: collaborative machine-learning training governed by smart contracts.

The public API:
- `Config`: a run's configuration, with the study's Table I defaults.
- `simulate(config) -> Run`: honest and malicious agents on a contract over simulated time.
- `deploy(config) -> Trainer`: a fresh contract to drive by hand (`add_data`, `refund`, `report`, `predict`).
- `load_dataset(config) -> Dataset`: the configured data as sparse binary features.
- `Rejected`: raised by a refused contract call; its message is the reason.
"""

from sumchain.config import AgentConfig, Config
from sumchain.errors import ConfigError, DataError, Rejected, SumchainError

__version__ = "0.1.0"

__all__ = ["AgentConfig", "Config", "ConfigError", "DataError", "Rejected", "Run", "SumchainError", "Trainer",
           "deploy", "load_dataset", "simulate"]


def __getattr__(name: str):
    # Imported on first use so that `sumchain --help` and config errors answer at once.
    if name in ("simulate", "Run"):
        from sumchain import sim
        return getattr(sim, name)
    if name == "deploy":
        from sumchain.engines import deploy
        return deploy
    if name == "Trainer":
        from sumchain.contract import Trainer
        return Trainer
    if name == "load_dataset":
        from sumchain.data import load_dataset
        return load_dataset
    raise AttributeError(f"module 'sumchain' has no attribute {name!r}")
