"""Time the study's full reproduction on the local executor and print runs per second.

Usage: python benchmarks/bench_sweep.py [--seeds 5] [--workers N] [--only SWEEP,...] [--set key=value ...]
       [--out DIR]   (default: a temporary folder, so every run executes)
Targets (issue 11, 2-core machine, built-in corpus): the whole reproduction with 5 seeds at most
180 s, with 2 seeds at most 72 s; each worker under 1 GiB resident (peak RSS of the largest
worker, read from the kernel's accounting of finished child processes).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections import Counter

from sumchain import Config
from sumchain.config import parse_assignment, parse_value
from sumchain.experiments.executors import LocalExecutor
from sumchain.experiments.runner import run_all
from sumchain.experiments.store import ResultStore, read_results
from sumchain.experiments.study import analyse, study_points
from sumchain.report.study_report import write_study_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--only", help="comma-separated sweep names (default: all)")
    parser.add_argument("--set", dest="assignments", action="append", default=[])
    parser.add_argument("--out", help="results folder (default: a fresh temporary folder)")
    args = parser.parse_args()
    base = Config.from_overrides(dict((k, parse_value(v)) for k, v in map(parse_assignment, args.assignments)))
    only = args.only.split(",") if args.only else None
    points = study_points(base, range(args.seeds), only)
    with tempfile.TemporaryDirectory() as temp:
        out = args.out or temp
        started = time.perf_counter()
        summary = run_all([p.config for p in points], ResultStore(out), LocalExecutor(args.workers))
        run_s = time.perf_counter() - started
        results = read_results(out)
        started = time.perf_counter()
        analysis = analyse(results, points)
        write_study_report(analysis, out)
        report_s = time.perf_counter() - started
    wall = results["wall_s"]
    print(f"dataset            {base.dataset}, {args.seeds} seeds, {len({p.sweep for p in points}) - 1} sweeps, "
          f"{args.workers} workers, overrides: {', '.join(args.assignments) or 'none'}")
    print(f"runs               {summary.ran} executed ({summary.skipped} already stored, {summary.failed} failed)")
    print(f"sweep              {run_s:8.1f} s  ->  {summary.ran / run_s:.2f} runs/s")
    print(f"per run            mean {wall.mean():.2f} s, max {wall.max():.2f} s "
          f"(sum {wall.sum():.0f} s of worker time)")
    print(f"analysis + report  {report_s:8.1f} s")
    target = {5: 180, 2: 72}.get(args.seeds)
    print(f"total              {run_s + report_s:8.1f} s" + (f"   target <= {target} s on 2 cores" if target else ""))
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"worker memory      {peak_mib:8.0f} MiB peak resident (largest worker)   target < 1024 MiB")
    print(f"load               {os.getloadavg()[0]:.1f} (1-min load average on {os.cpu_count()} cores)")
    print("verdicts           " + ", ".join(f"{k} {v}" for k, v in Counter(f.verdict for f in analysis.findings).items()))


if __name__ == "__main__":
    main()
