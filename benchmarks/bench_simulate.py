"""Time the default `sumchain simulate` run, stage by stage, and print the figures.

Usage: python benchmarks/bench_simulate.py [--repeat N] [--parts] [--set key=value ...]
Targets (issue 11, 2-core machine): the default simulation core (data loaded, contract deployed)
at most 1.0 s (the "calls alone" figure is its floor: the run's own calls made again, without the
simulator); `sumchain simulate` end to end, second and later runs, at most 2.5 s. Times are the
best of --repeat runs (wall clock; on a shared machine also compare the CPU seconds printed).
The data generation and baseline figures are the uncached work; later runs read both from the
disk cache (`sumchain.data.disk_cache`).

--parts adds one more run, instrumented, and prints where its time went: the contract's calls, its
free reads (the cost of an add, the claim rules, the claim preview), the claim view's own
bookkeeping, the model's predictions of pending claims, accuracy measurements, and the rest (the
agents' decisions, the event queue). Each timed function costs about half a microsecond more there,
so the instrumented total is a few percent above the plain run's. Then the run once more with each
turn's claims to send replayed from a recording of the same run: what is left when the claim view
costs nothing (a bound for any claim view).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sumchain import Config
from timing import timed
from sumchain.config import parse_assignment, parse_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--set", dest="assignments", action="append", default=[])
    parser.add_argument("--parts", action="store_true", help="also time the run's parts (one instrumented run)")
    args = parser.parse_args()
    config = Config.from_overrides(dict((k, parse_value(v)) for k, v in map(parse_assignment, args.assignments)))

    from sumchain.data import load_dataset
    from sumchain.engines import deploy
    from sumchain.models import train_offchain
    from sumchain.sim import simulate

    from sumchain.data.synthetic import _corpus

    os.environ["SUMCHAIN_NO_CACHE"] = "1"           # the uncached work, as a first run does it
    _corpus.cache_clear()
    _, generate_s = timed(lambda: load_dataset(config))
    del os.environ["SUMCHAIN_NO_CACHE"]
    load_dataset(config)                             # make sure the disk cache holds the corpus
    _corpus.cache_clear()
    dataset, cached_load_s = timed(lambda: load_dataset(config))
    _, deploy_s = timed(lambda: deploy(config, dataset))
    _, baseline_s = timed(lambda: train_offchain(dataset.X_train, dataset.y_train, seed=config.seed))
    model = deploy(config, dataset).model
    _, evaluate_s = timed(lambda: model.evaluate(dataset.X_test, dataset.y_test))
    simulate(config, dataset=dataset)   # warm the per-process caches: the loop is timed on its own below
    runs, cpus, hashed = [], [], []
    for _ in range(args.repeat):
        cpu = time.process_time()
        run, seconds = timed(lambda: simulate(config, dataset=dataset))
        cpus.append(time.process_time() - cpu)
        runs.append(seconds)
        _, hash_s = timed(lambda: run.chain.head_hash)
        hashed.append(seconds + hash_s)
    calls = sum(len(b.transactions) for b in run.chain.blocks)
    replay_s, replay_cpu = calls_alone(config, dataset, run.chain)
    counts = run.metrics["counts"]
    turns = counts["turns"]
    clis = []
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "sumchain", "simulate", "--quiet", "--out", str(Path(out) / "run")]
        command += [f"--set={a}" for a in args.assignments]
        for _ in range(max(2, args.repeat)):       # the first run fills the disk cache if it was empty
            _, cli_s = timed(lambda: subprocess.run(command, check=True, capture_output=True))
            clis.append(cli_s)

    best = min(runs)
    print(f"dataset            {config.dataset}, num_words={config.num_words}, "
          f"{dataset.X_train.shape[0]} train / {dataset.X_test.shape[0]} test")
    print(f"data generation    {generate_s:8.3f} s uncached; {cached_load_s:.3f} s from the disk cache")
    print(f"deploy (initial training on {config.train_size:.0%}) {deploy_s:8.3f} s (then cached per process)")
    print(f"baseline training  {baseline_s:8.3f} s (all clean training data; then cached on disk)")
    print(f"one evaluation     {1000 * evaluate_s:8.3f} ms ({dataset.X_test.shape[0]} test reviews)")
    print(f"simulation         {best:8.3f} s best of {len(runs)} (median {statistics.median(runs):.3f} s, "
          f"CPU best {min(cpus):.3f} s)   target <= 1.0 s")
    print(f"  + head hash      {min(hashed):8.3f} s best of {len(runs)} (hashing all {calls} calls on first read)")
    print(f"calls alone        {replay_s:8.3f} s (CPU {replay_cpu:.3f} s): the run's {calls} calls made again on a fresh "
          f"contract, no simulator (the simulation's floor while every call is made and recorded)")
    print(f"events             {turns} agent turns, {calls} ledger transactions: "
          f"{turns / best:,.0f} turns/s, {calls / best:,.0f} transactions/s")
    print(f"sumchain simulate  {min(clis[1:]):8.3f} s end to end, best of later runs "
          f"(first {clis[0]:.3f} s; new process: imports, data, run, files)   target <= 2.5 s")
    print(f"metrics            final accuracy {run.metrics['final_accuracy']:.4f}, "
          f"baseline {run.metrics['baseline_accuracy']:.4f}, bad_depleted_day {run.metrics['bad_depleted_day']}")
    print(f"load               {os.getloadavg()[0]:.1f} (1-min load average on {os.cpu_count()} cores)")
    if args.parts:
        print_parts(config, dataset, best)


PARTS = {   # part: the functions whose time (inclusive) it adds, then those whose time it excludes
    "calls: add_data": (["Trainer.add_data"], []),
    "calls: refund": (["Trainer.refund"], []),
    "calls: report": (["Trainer.report"], []),
    "read: cost_to_add": (["Trainer.cost_to_add"], []),
    "read: claim_rules": (["Trainer.claim_rules"], []),
    "read: claim_preview": (["Trainer.claim_preview"], []),
    "claim view bookkeeping": (["ClaimView.turn"], ["Trainer.claim_rules", "Trainer.claim_preview",
                                                    "Outstanding.refresh_predictions", "Outstanding.watch"]),
    "predictions: refreshes": (["Outstanding.refresh_predictions"], []),
    "predictions: new watches": (["Outstanding.watch"], []),
    "accuracy measurements": (["Simulation.measure_accuracy"], []),
}


def print_parts(config, dataset, plain_s: float) -> None:
    """One more run with the parts' functions wrapped in timers (inclusive wall seconds and calls)."""
    from sumchain.contract.trainer import Trainer
    from sumchain.sim import simulate
    from sumchain.sim.claims import ClaimView
    from sumchain.sim.loop import Simulation
    from sumchain.sim.outstanding import Outstanding

    owners = {"Trainer": Trainer, "ClaimView": ClaimView, "Outstanding": Outstanding, "Simulation": Simulation}
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    originals = []
    for name in sorted({n for included, excluded in PARTS.values() for n in included + excluded}):
        owner, attribute = name.split(".")
        original = getattr(owners[owner], attribute)
        originals.append((owners[owner], attribute, original))
        setattr(owners[owner], attribute, _timer(original, name, seconds, counts))
    try:
        _, total = timed(lambda: simulate(config, dataset=dataset))
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)
    print(f"parts of one instrumented run ({total:.3f} s; the plain run above {plain_s:.3f} s):")
    accounted = 0.0
    for part, (included, excluded) in PARTS.items():
        part_s = sum(seconds.get(n, 0.0) for n in included) - sum(seconds.get(n, 0.0) for n in excluded)
        accounted += part_s
        calls = sum(counts.get(n, 0) for n in included)
        print(f"  {part:26s} {part_s:7.3f} s {100 * part_s / total:5.1f}%  {calls:7d} x {1e6 * part_s / max(1, calls):6.1f} us")
    rest = total - accounted
    print(f"  {'the rest (agents, events)':26s} {rest:7.3f} s {100 * rest / total:5.1f}%")
    free_view_s = run_with_free_claim_view(config, dataset)
    print(f"with the claim view free  {free_view_s:7.3f} s: the same run with each turn's claims to send taken from a "
          f"recording of this run (no claim_rules, claim_preview, prediction refresh or bookkeeping; same head hash)")


def run_with_free_claim_view(config, dataset) -> float:
    """The run once more with `ClaimView.turn` answering from a recording of the run's own answers (the
    claims to send, and the contributions it found settled, which end the run): a bound on what any
    claim view could save (the calls, the agents and the loop still run)."""
    from sumchain.sim import simulate
    from sumchain.sim.claims import ClaimView

    original = ClaimView.turn
    answers: list = []

    def recording(self, claimer, version, predict_row):
        settled_before = self.outstanding.settled.copy()
        hits = original(self, claimer, version, predict_row)
        answers.append((hits, np.flatnonzero(self.outstanding.settled & ~settled_before).tolist()))
        return hits

    def replaying(self, claimer, version, predict_row):
        hits, settled = next(recorded)
        if settled:
            self.outstanding.settle(settled)
        return hits
    try:
        ClaimView.turn = recording
        expected = simulate(config, dataset=dataset).chain.head_hash
        recorded = iter(answers)
        ClaimView.turn = replaying
        run, seconds = timed(lambda: simulate(config, dataset=dataset))
    finally:
        ClaimView.turn = original
    if run.chain.head_hash != expected:
        raise SystemExit("the run with recorded claim answers does not reach the run's head hash")
    return seconds


def _timer(function, name: str, seconds: dict, counts: dict):
    clock = time.perf_counter

    def timed_call(*args, **kwargs):
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + clock() - start
            counts[name] = counts.get(name, 0) + 1
    return timed_call


def calls_alone(config, dataset, chain) -> tuple[float, float]:
    """Wall and CPU seconds to make the run's recorded calls again, in order, on a freshly deployed
    contract (arguments decoded beforehand); checks that the replay reaches the run's head hash."""
    from sumchain.engines import deploy
    from sumchain.engines.replay import replay_call, stored_call

    calls = [(tx.time, stored_call(tx)) for tx in chain.transactions()]
    trainer = deploy(config, dataset)
    replayed = trainer.chain
    cpu, wall = time.process_time(), time.perf_counter()
    for time_s, call in calls:
        replayed.advance_to(time_s)
        replay_call(trainer, *call)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if replayed.head_hash != chain.head_hash:
        raise SystemExit("the replayed calls do not reach the run's head hash")
    return wall, cpu


if __name__ == "__main__":
    main()
