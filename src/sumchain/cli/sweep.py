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


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run a parameter sweep into a resumable results table",
        description="Run every combination of the listed values (or one key at a time with --ofat), "
                    "each with seeds 0..N-1; results in DIR/results.parquet (+ .csv) and DIR/timeseries.parquet.")
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys: the base of the sweep")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="values of a config key, e.g. --set num_words=100,500,1000 (repeatable); "
                             f"KEY1+KEY2=... sets two keys together; {ONCE}")
    parser.add_argument("--seeds", type=int, default=1, metavar="N", help="run every point with seeds 0..N-1 (default 1)")
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
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be >= 1, got {args.seeds}")
    return range(args.seeds)


def run(args: argparse.Namespace) -> int:
    from sumchain.experiments.grid import axis_from_assignment, grid, ofat, split_axes

    refuse_repeated_keys(args.assignments)
    axes = [axis_from_assignment(text) for text in args.assignments]
    fixed, swept = split_axes(axes)
    base = config_with(args, fixed)
    seeds = seeds_from(args)
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
