"""The `rpc` engine: the EVM engine's contracts and trainer, on an Ethereum node through web3.py.

- `backend.py`: `RpcBackend`, the EVM backend protocol over JSON-RPC (dev node or live chain).
- `devnode.py`: `start_dev_node()`, a local Hardhat node installed from npm (used by the tests and
  `sumchain node`).

A simulation needs a dev node whose genesis is at time 0 (`start_dev_node()`, `sumchain node
--simulation`): its clock starts at 0 like every engine's, so `deploy_rpc` takes such a node whose
clock is past 0 back to its genesis (`hardhat_reset`). A node whose genesis is later (a wall-clock
node, a live chain) is refused before anything is reset. Private keys never go in the config (it is
written to run folders and ledgers): a live chain's keys come from the environment variable
`SUMCHAIN_RPC_KEYS` ("name=0xkey,name=0xkey").
`deploy_rpc(config, model, simulation=False)` deploys on a node without touching its clock or state.
"""

from __future__ import annotations

import os

from sumchain.config import Config
from sumchain.engines.evm.deploy import deploy_contract, gas_price_wei
from sumchain.engines.evm.trainer import EvmTrainer
from sumchain.engines.rpc.backend import NodeError, RpcBackend
from sumchain.engines.rpc.devnode import (CHAIN_ID, HARDFORK, HARDHAT_VERSION, DevNode, DevNodeError, funded_accounts,
                                          start_dev_node)
from sumchain.errors import ConfigError
from sumchain.models import Model

KEYS_VARIABLE = "SUMCHAIN_RPC_KEYS"


def keys_from_environment() -> dict[str, str]:
    """Participant keys from $SUMCHAIN_RPC_KEYS: comma-separated `name=0xprivatekey` pairs."""
    text = os.environ.get(KEYS_VARIABLE, "").strip()
    keys = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, key = item.partition("=")
        if not sep or not name.strip() or not key.strip():
            raise ConfigError(f"environment variable {KEYS_VARIABLE} must hold name=0xkey pairs separated by "
                              f"commas; got an item without a name or key")
        keys[name.strip()] = key.strip()
    return keys


SIMULATION_NODE_COMMAND = "sumchain node --simulation"


def fresh_dev_chain(backend: RpcBackend) -> RpcBackend:
    """Take a dev node back to its genesis when its clock is past 0, where a simulation starts.

    A node whose genesis is past 0 is refused first, so a wall-clock node's contracts are never
    reset away. The clock is then held at 0: without a set time, Hardhat stamps blocks with the wall clock.
    """
    genesis = backend.genesis_time()
    if genesis > 1:             # Hardhat may stamp a time-0 genesis 0 or 1
        raise NodeError(f"the node at {backend.url} keeps the wall clock (genesis at time {genesis}), but a "
                        f"simulation's clock starts at 0: start a simulation node with "
                        f"'{SIMULATION_NODE_COMMAND}' and give its URL as rpc_url")
    if backend.now > 0:
        backend.reset()
    if backend.now > 0:
        raise NodeError(f"the node at {backend.url} starts at time {backend.now}, but a simulation's clock "
                        f"starts at 0: start a simulation node with '{SIMULATION_NODE_COMMAND}'")
    backend.set_time(0)         # held until the simulation moves it, as on pyrevm
    return backend


def deploy_rpc(config: Config, model: Model, simulation: bool = True) -> EvmTrainer:
    """The `rpc` engine: the contract deployed on the node at `config.rpc_url`.

    For a simulation (the default) the node is a dev node taken back to its genesis, its clock driven
    by the simulator. With `simulation=False` the node is left as it is and keeps its own clock and
    money (a live chain, or a dev node the user drives): no reset, `trainer.chain.now` is the latest
    block's time, `advance` and `fund` are refused, a contribution's added time is its block's, and
    senders are the keys in $SUMCHAIN_RPC_KEYS (the owner is the key named "owner") or the node's own
    unlocked accounts (by 0x-address); no one is impersonated.
    """
    backend = RpcBackend(config.rpc_url, gas_price=gas_price_wei(config), keys=keys_from_environment(),
                         impersonate=simulation)
    if simulation:
        fresh_dev_chain(backend)
    return deploy_contract(config, model, backend, simulation=simulation)[0]


__all__ = ["CHAIN_ID", "HARDFORK", "HARDHAT_VERSION", "KEYS_VARIABLE", "SIMULATION_NODE_COMMAND", "DevNode",
           "DevNodeError", "NodeError", "RpcBackend", "deploy_rpc", "fresh_dev_chain", "funded_accounts",
           "keys_from_environment", "start_dev_node"]
