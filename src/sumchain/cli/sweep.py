"""`sumchain sweep`: run a grid (or one factor at a time) of configs with several seeds.

`--set key=v1,v2,...` lists the values of a swept key (split on top-level commas; a single value
is a plain override); `--set a+b=v1,v2` sets keys a and b together. Results go to a resumable
store in `--out` (see `sumchain.experiments.store`): rerunning the same command only runs what is
missing, and Ctrl-C keeps every finished run.
"""

from __future__ import annotations

import argparse
import sys

from sumchain.cli.options import ONCE, config_with, refuse_repeated_keys
from sumchain.errors import ConfigError

DEFAULT_OUT = "runs/sweep"
MAX_SEEDS = 10_000
"""The most seeds per point (`--seeds`, `--set seed=...`); the study's power table stops there too."""
MAX_RUNS = 100_000
"""The most runs one sweep command lists (points times seeds): each is a whole simulation (seconds to
minutes), and every run's config is built before the first starts."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run a parameter sweep into a resumable results table",
        description="Run every combination of the listed values (or one key at a time with --ofat), "
                    "each with seeds 0..N-1; results in DIR/results.parquet (+ .csv) and DIR/timeseries.parquet.")
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys: the base of the sweep")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="values of a config key, e.g. --set num_words=100,500,1000 (repeatable); "
                             f"KEY1+KEY2=... sets two keys together; {ONCE}")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help=f"run every point with seeds 0..N-1, N up to {MAX_SEEDS:,} (default: the config's seed, "
                             f"0; or list seeds with --set seed=3,7)")
    parser.add_argument("--ofat", action="store_true",
                        help="one factor at a time: vary each listed key alone from the base, instead of a grid")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"results folder (default: {DEFAULT_OUT})")
    add_executor_options(parser)
    parser.set_defaults(handler=run)


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Options shared with `sumchain reproduce`."""
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local: a process pool on this machine (default); dask: Dask distributed")
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="with --executor dask: an existing scheduler (default: start a local cluster)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (there is none unless stderr is a terminal)")


def executor_from(args: argparse.Namespace):
    from sumchain.experiments.executors import make_executor
    return make_executor(args.executor, args.workers, args.scheduler)


def seeds_from(args: argparse.Namespace) -> range:
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ConfigError(f"--seeds must be from 1 to {MAX_SEEDS:,}, got {args.seeds}")
    return range(args.seeds)


def refuse_seed_override(overrides: dict, command: str) -> None:
    """`study` and `reproduce` run every scenario with seeds 0..N-1 (`--seeds N`): a `--set seed=...`
    would be overridden in every run, so it is refused rather than silently ignored."""
    if "seed" in overrides:
        raise ConfigError(f"--set seed={overrides['seed']} is not used by {command}: every scenario runs seeds "
                          f"0..N-1; give --seeds N")


def sweep_seeds(args: argparse.Namespace, axes: list) -> list[int] | range:
    """The seeds of every point: `--seeds N` (0..N-1), or those listed by `--set seed=...` (taken out of
    `axes`), or the config's own seed; two of them at once are refused, not silently overridden."""
    listed = [axis for axis in axes if "seed" in axis.keys]
    if not listed:
        return seeds_from(args) if args.seeds is not None else []
    axis = listed[0]
    if axis.keys != ("seed",):
        raise ConfigError(f"--set {axis.name} sweeps seed with other keys; list seeds alone (--set seed=3,7)")
    if args.seeds is not None:
        raise ConfigError(f"--set seed={','.join(map(str, axis.values))} and --seeds {args.seeds} both choose the "
                          f"seeds; give one (--seeds N runs seeds 0..N-1)")
    if len(axis.values) > MAX_SEEDS:
        raise ConfigError(f"--set seed lists {len(axis.values):,} seeds; at most {MAX_SEEDS:,}")
    axes.remove(axis)
    return list(axis.values)


def run(args: argparse.Namespace) -> int:
    import math

    from sumchain.experiments.grid import axis_from_assignment, grid, ofat, split_axes

    refuse_repeated_keys(args.assignments)
    axes = [axis_from_assignment(text) for text in args.assignments]
    seeds = sweep_seeds(args, axes)
    fixed, swept = split_axes(axes)
    base = config_with(args, fixed)
    if not seeds:
        seeds = [base.seed]
    elif base.seed != 0 and args.seeds is not None:
        raise ConfigError(f"config key 'seed' = {base.seed} (from --config) and --seeds {args.seeds} both choose "
                          f"the seeds; give one")
    sizes = [len(axis.values) for axis in swept]
    runs = (sum(sizes) if args.ofat and swept else math.prod(sizes)) * len(seeds)
    if runs > MAX_RUNS:
        raise ConfigError(f"this sweep lists {runs:,} runs ({runs // len(seeds):,} points x "
                          f"{len(seeds):,} seeds); at most {MAX_RUNS:,}: list fewer values or seeds")
    points = ofat(swept, base, seeds) if args.ofat and swept else grid(swept, base, seeds)
    summary = execute([p.config for p in points], args)
    print(report(points, summary, args.out))
    return 1 if summary.failed else 0


def report(points, summary, out: str) -> str:
    """What ran: the counts, a table of every swept point (mean over its seeds), and where the files are."""
    from sumchain.experiments.stats import point_table
    from sumchain.experiments.store import read_results
    from sumchain.files import plural

    table = point_table(points, read_results(out))
    lines = [f"{plural(summary.total, 'run')}: {summary.ran} ran now ({summary.failed} failed), "
             f"{summary.skipped} already stored"]
    if len(table):
        lines += ["", table.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.2f}"), ""]
    lines.append(f"results in {out}/results.parquet (and .csv), time series in {out}/timeseries.parquet")
    return "\n".join(lines)


def execute(configs, args: argparse.Namespace, kind: str = "sweep"):
    """Run the configs into the store at `args.out` (a folder of output `kind`); on Ctrl-C or SIGTERM
    say what was kept, then re-raise."""
    from sumchain.experiments.runner import run_all
    from sumchain.experiments.store import ResultStore
    from sumchain.files import check_output_folder, plural

    check_output_folder(args.out, "--out", kind)
    executor = executor_from(args)
    store = ResultStore(args.out, kind)
    try:
        return run_all(configs, store, executor, progress=not args.quiet and sys.stderr.isatty())
    except KeyboardInterrupt:
        done = int((store.frame["status"] == "ok").sum()) if len(store.frame) else 0
        print(f"interrupted: {plural(done, 'finished run')} saved in {args.out}; rerun the same command to resume",
              file=sys.stderr)
        raise
