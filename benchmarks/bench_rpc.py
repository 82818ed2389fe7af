"""Time the rpc engine on a local Hardhat node: node install and start, add transactions per second
through the whole engine, and the small default simulation on rpc vs python (with its parity check).

Usage: python benchmarks/bench_rpc.py [--repeat N] [--features 125] [--adds 200] [--skip-simulation]
The first run installs Hardhat with npm into the cache (see sumchain.engines.rpc.devnode).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import sumchain
from bench_evm import add_rate
from timing import timed
from sumchain.engines.rpc import RpcBackend, fresh_dev_chain
from sumchain.engines.rpc.devnode import cache_dir, install, start_dev_node

SMALL = {"max_train": 300, "max_test": 300, "num_words": 300, "seed": 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--features", type=int, default=125)
    parser.add_argument("--adds", type=int, default=200)
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()

    already = (cache_dir() / "node_modules" / "hardhat").exists()
    _, install_s = timed(install)
    print(f"hardhat install: {install_s:.1f} s ({'already installed' if already else 'from npm'}) in {cache_dir()}")
    starts = []
    for _ in range(args.repeat):
        node = start_dev_node()
        starts.append(node.started_in_s)
        node.stop()
    print(f"node start (until it answers): best {min(starts):.1f} s of {args.repeat}")

    with start_dev_node() as node:
        rates = [add_rate(args.features, args.adds, fresh_dev_chain(RpcBackend(node.url)))[0]
                 for _ in range(args.repeat)]
        print(f"rpc add transactions with {args.features} features: best {max(rates):.0f} per second "
              f"of {args.repeat} runs of {args.adds}")
        if not args.skip_simulation:
            python, python_s = timed(lambda: sumchain.simulate(SMALL))
            rpc, rpc_s = timed(lambda: sumchain.simulate({**SMALL, "engine": "rpc", "rpc_url": node.url}))
            transactions = sum(len(block.transactions) for block in rpc.chain.blocks)
            same = python.metrics == rpc.metrics
            pd.testing.assert_frame_equal(python.timeseries, rpc.timeseries)
            print(f"small default run {SMALL}: python {python_s:.1f} s, rpc {rpc_s:.1f} s "
                  f"({transactions} recorded calls, {transactions / rpc_s:.0f} per second); "
                  f"metrics and balance series identical: {same}")


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"total {time.time() - started:.0f} s")
