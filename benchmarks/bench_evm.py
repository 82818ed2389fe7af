"""Time the EVM engine: add transactions per second, and the default simulation on evm vs python.

Usage: python benchmarks/bench_evm.py [--repeat N] [--features 125] [--adds 2000] [--skip-simulation]
Targets (2-core machine): at least 1,000 add transactions per second with 125 present features; the
whole default simulation on `evm` under 2 minutes and at most 5 times the python engine's.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from timing import timed
from sumchain import Config
from sumchain.engines.evm.deploy import deploy_contract
from sumchain.engines.evm.revm import RevmBackend
from sumchain.ledger.money import to_units
from sumchain.models import SparsePerceptron


def add_rate(features: int, adds: int, backend=None) -> tuple[float, int]:
    """Add transactions per second through the whole engine (encoding, EVM, events, ledger record),
    on `backend` (default: a fresh pyrevm chain; bench_rpc.py passes a node's)."""
    config = Config()
    rng = np.random.default_rng(0)
    model = SparsePerceptron(config.num_words, 20, rng.integers(-500, 500, config.num_words), 0)
    trainer, _ = deploy_contract(config, model, backend if backend is not None else RevmBackend())
    trainer.chain.fund("alice", to_units(10**9))
    samples = [np.sort(rng.choice(config.num_words, features, replace=False)) for _ in range(adds)]
    labels = rng.integers(0, 2, adds)

    def run():
        for x, y in zip(samples, labels):
            trainer.chain.advance(600)
            trainer.add_data("alice", x, int(y), to_units(100))
    _, seconds = timed(run)
    gas = trainer.chain.gas_used()[("alice", "add_data")] // adds
    return adds / seconds, gas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--features", type=int, default=125)
    parser.add_argument("--adds", type=int, default=2000)
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()

    rates = [add_rate(args.features, args.adds) for _ in range(args.repeat)]
    best = max(r for r, _ in rates)
    print(f"add_data on evm    {best:8,.0f} tx/s best of {args.repeat} (median {statistics.median(r for r, _ in rates):,.0f}), "
          f"{args.features} present features, {rates[0][1]:,} gas each on average; target >= 1,000 tx/s")
    if args.skip_simulation:
        return
    from sumchain.data import load_dataset
    from sumchain.sim import simulate

    config = Config()
    dataset = load_dataset(config)
    simulate(config.replace(max_train=2000), dataset=None)   # warm imports and caches
    best = {}
    for engine in ("evm", "python"):
        runs = []
        for _ in range(args.repeat):
            run, seconds = timed(lambda: simulate(config.replace(engine=engine), dataset=dataset))
            runs.append(seconds)
        best[engine] = min(runs)
        calls = sum(len(b.transactions) for b in run.chain.blocks)
        print(f"default run {engine:6} {min(runs):8.1f} s best of {args.repeat} (median {statistics.median(runs):.1f} s), "
              f"{calls:,} ledger transactions, final accuracy {run.metrics['final_accuracy']:.4f}"
              + ("; target < 120 s" if engine == "evm" else ""))
    print(f"evm / python       {best['evm'] / best['python']:8.2f} x (best of each); target <= 5 x")


if __name__ == "__main__":
    main()
