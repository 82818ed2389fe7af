"""Time the default `sumchain simulate` run, stage by stage, and print the figures.

Usage: python benchmarks/bench_simulate.py [--repeat N] [--set key=value ...]
Targets (issue 2): the default simulation, excluding data generation, under 1 s on 2 cores;
the whole `sumchain simulate` under 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sumchain import Config
from timing import timed
from sumchain.config import parse_assignment, parse_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--set", dest="assignments", action="append", default=[])
    args = parser.parse_args()
    config = Config.from_overrides(dict((k, parse_value(v)) for k, v in map(parse_assignment, args.assignments)))

    from sumchain.data import load_dataset
    from sumchain.engines import deploy
    from sumchain.models import train_offchain
    from sumchain.sim import simulate

    dataset, generate_s = timed(lambda: load_dataset(config))
    _, deploy_s = timed(lambda: deploy(config, dataset))
    _, baseline_s = timed(lambda: train_offchain(dataset.X_train, dataset.y_train, seed=config.seed))
    model = deploy(config, dataset).model
    _, evaluate_s = timed(lambda: model.evaluate(dataset.X_test, dataset.y_test))
    simulate(config, dataset=dataset)   # warm the baseline cache: the loop is timed on its own below
    runs = []
    for _ in range(args.repeat):
        run, seconds = timed(lambda: simulate(config, dataset=dataset))
        runs.append(seconds)
    calls = sum(len(b.transactions) for b in run.chain.blocks)
    counts = run.metrics["counts"]
    turns = counts["turns"]
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "sumchain", "simulate", "--quiet", "--out", str(Path(out) / "run")]
        command += [f"--set={a}" for a in args.assignments]
        _, cli_s = timed(lambda: subprocess.run(command, check=True, capture_output=True))

    best = min(runs)
    print(f"dataset            {config.dataset}, num_words={config.num_words}, "
          f"{dataset.X_train.shape[0]} train / {dataset.X_test.shape[0]} test")
    print(f"data generation    {generate_s:8.3f} s")
    print(f"deploy (initial training on {config.train_size:.0%}) {deploy_s:8.3f} s")
    print(f"baseline training  {baseline_s:8.3f} s (all clean training data)")
    print(f"one evaluation     {1000 * evaluate_s:8.3f} ms ({dataset.X_test.shape[0]} test reviews)")
    print(f"simulation         {best:8.3f} s best of {len(runs)} (median {statistics.median(runs):.3f} s), "
          f"excluding data generation and the cached baseline")
    print(f"events             {turns} agent turns, {calls} ledger transactions: "
          f"{turns / best:,.0f} turns/s, {calls / best:,.0f} transactions/s")
    print(f"sumchain simulate  {cli_s:8.3f} s end to end (new process: imports, data, run, files)")
    print(f"metrics            final accuracy {run.metrics['final_accuracy']:.4f}, "
          f"baseline {run.metrics['baseline_accuracy']:.4f}, bad_depleted_day {run.metrics['bad_depleted_day']}")


if __name__ == "__main__":
    main()
