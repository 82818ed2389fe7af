"""Time building and validating a run config: once per run, and once per row of a sweep.

Usage: python benchmarks/bench_config.py [--repeat N]
Prints the best of --repeat rounds, per config, of: the default `Config()`, `Config.from_overrides`
with a sweep row's flat keys (engine, model, an agent's deposit, a mechanism table), the same row in
sections, `Config.digest()` and `Config.sections` (the config by section, as components read it). The registries are collected before timing (the first config of a process also
imports the component modules once).
"""

from __future__ import annotations

import argparse
import time

from sumchain.config import Config

ROW = {"engine": "evm", "model": "naive_bayes", "naive_bayes.smoothing": 0.5, "incentive": "quality_priced",
       "quality_priced.weight": 2, "agents.Good.mean_deposit": 20, "agents.Bad.count": 3, "num_words": 500}
SECTIONS_ROW = {"engine.name": "evm", "model": {"name": "naive_bayes", "smoothing": 0.5},
                "incentive": {"name": "quality_priced", "weight": 2}, "agents.Good.mean_deposit": 20,
                "agents.Bad.count": 3, "data.num_words": 500}


def best(action, rounds: int, per_round: int = 200) -> float:
    """Best seconds per call over `rounds` rounds of `per_round` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            action()
        times.append((time.perf_counter() - start) / per_round)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = Config.from_overrides(ROW)    # collect the registries outside the timing
    for label, action in (("Config()", Config),
                          ("Config.from_overrides(sweep row)", lambda: Config.from_overrides(ROW)),
                          ("Config.from_overrides(row, sections)", lambda: Config.from_overrides(SECTIONS_ROW)),
                          ("Config.digest()", config.digest),
                          ("Config.sections", lambda: config.sections)):
        try:
            print(f"{label:36s} {best(action, args.repeat) * 1e6:9.1f} us")
        except Exception as error:    # a build without sections
            print(f"{label:36s} {'n/a':>9s}    ({type(error).__name__})")


if __name__ == "__main__":
    main()
