"""Measure the gas of the deployment's `set_state` transactions on the dev node (hardfork osaka), per
model family: the gas of a call with n entries of worst-case values, as a + b x n, and the largest
chunk `model_state.state_chunks` makes against the 2**24 cap (the figures behind each family's
`entry_gas` and `samples_entry_gas` (`CONTRACT` in its module) and `CALL_GAS` in
sumchain/engines/evm/model_state.py).

Usage: python benchmarks/bench_state_gas.py [--features 1024]
"""

from __future__ import annotations

import argparse

import numpy as np

from sumchain.config import EVM_MODELS, Config
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import trainer_artefact
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.engines.evm.deploy import constructor_values, initcode
from sumchain.engines.evm.model_state import state_chunks
from sumchain.engines.rpc import RpcBackend
from sumchain.engines.rpc.devnode import start_dev_node
from sumchain.models import MODELS


def fresh_contract(backend: RpcBackend, family: str, width: int, classes: int):
    model = MODELS[family].fit(_empty(width), np.zeros(0, np.int64), num_classes=classes, seed=0, step=1000,
                               params=Config(model=family).model_parameters())
    owner = backend.unlocked_accounts[0]
    address, outcome = backend.deploy(owner, initcode(model, constructor_values(
        Config(model=family, num_words=width), model, backend.now)))
    assert outcome.success, family
    return model, owner, address, abi.interface(trainer_artefact(family).abi)[0]["set_state"]


def _empty(width: int):
    import scipy.sparse as sp

    return sp.csr_matrix((0, width), dtype=np.int64)


def worst_values(family: str, n: int, samples_row: bool = False) -> np.ndarray:
    """Values whose ABI words have the most non-zero bytes a family allows (negative where it may)."""
    if family == "naive_bayes" or samples_row:
        return np.full(n, 10**6 + 12345, np.int64)      # a count; its log must stay in range
    return np.full(n, -(2**40) - 12345, np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=1024)
    args = parser.parse_args()
    with start_dev_node(simulation=False) as node:
        backend = RpcBackend(node.url, impersonate=False)
        print(f"{'family':24} {'row':8} {'a (gas)':>9} {'b (gas/entry)':>14}  largest chunk at 2**24: entries, gas")
        for family in EVM_MODELS:
            for row_kind in ("class", "samples"):
                if row_kind == "samples" and family in ("perceptron", "dense_perceptron"):
                    continue
                gas = {}
                for n in (1, 2) if row_kind == "samples" else (50, 250):
                    model, owner, address, set_state = fresh_contract(backend, family, args.features, 2)
                    row = model.num_classes if row_kind == "samples" else 0
                    indices = np.arange(n)
                    outcome = backend.transact(owner, address, set_state.calldata(row, indices, worst_values(family, n, row_kind == "samples")))
                    assert outcome.success, (family, row_kind)
                    gas[n] = outcome.gas_used
                (n1, g1), (n2, g2) = sorted(gas.items())
                b = (g2 - g1) / (n2 - n1)
                a = g1 - b * n1
                largest = ""
                if row_kind == "class":
                    model, owner, address, set_state = fresh_contract(backend, family, args.features, 2)
                    chunk = max(state_chunks(_full(model, family), TX_GAS_CAP), key=lambda c: len(c.indices))
                    outcome = backend.transact(owner, address, set_state.calldata(
                        chunk.row, chunk.indices, worst_values(family, len(chunk.indices))))
                    largest = f"{len(chunk.indices)}, {outcome.gas_used:,} ({outcome.gas_used / TX_GAS_CAP:.1%} of the cap)"
                print(f"{family:24} {row_kind:8} {a:>9,.0f} {b:>14,.0f}  {largest}")


def _full(model, family: str):
    """The model with every entry of its first row non-zero: the largest chunks."""
    model = model.copy()
    if family in ("perceptron", "dense_perceptron"):
        model.weights[:] = 1
    elif family == "naive_bayes":
        model.counts[:] = 1
    else:
        model.centroids[:] = 1
    return model


if __name__ == "__main__":
    main()
