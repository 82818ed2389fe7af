"""`sumchain reproduce`: the study's every sweep, with seeds, statistics, figures and verdicts.

Runs the sweeps of `sumchain.experiments.study` (or `--only` some of them) into a resumable store
in `--out`, then writes figures, statistics tables, `report.md` and `report.html` there. `--set`
overrides apply to every run (e.g. `--set max_train=2000` for a quick, small reproduction).
"""

from __future__ import annotations

import argparse
import time

from sumchain.cli.options import ONCE, config_with, overrides_from
from sumchain.cli.sweep import add_executor_options, execute, refuse_seed_override, seeds_from
from sumchain.config import DATASETS, Config
from sumchain.errors import ConfigError

DEFAULT_OUT = "runs/reproduce"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce", help="reproduce the study's sweeps with statistics, figures and a report",
        description="Run the study's sweeps (Figs 6-15 and section IV.E) with several seeds and write "
                    "figures, statistics tables, report.md and report.html with a verdict per finding.")
    parser.add_argument("--dataset", choices=DATASETS,
                        help="the data: shorthand for --set dataset=NAME (default: the config's, synthetic)")
    parser.add_argument("--seeds", type=int, default=5, metavar="N", help="seeds 0..N-1 per value (default 5)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--only", metavar="SWEEP[,SWEEP]", help="run only these sweeps (names as in the report)")
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys: the base of every sweep")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a config key in every run, e.g. --set max_train=2000 ({ONCE})")
    add_executor_options(parser)
    parser.set_defaults(handler=run)


def base_from(args: argparse.Namespace) -> Config:
    """The base of every sweep: `--config`, then `--set`, then `--dataset` (one dataset, however chosen)."""
    overrides = overrides_from(args)
    refuse_seed_override(overrides, "reproduce")
    if args.dataset is not None:
        chosen = overrides.get("dataset", args.dataset)
        if chosen != args.dataset:
            raise ConfigError(f"--dataset {args.dataset} and --set dataset={chosen} disagree; choose the dataset once")
        overrides["dataset"] = args.dataset
    return config_with(args, overrides)


def only_from(text: str | None) -> list[str] | None:
    """`--only a,b` as names; `--only ""` (or only commas) is an error, not 'everything'."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        from sumchain.experiments.study import SWEEP_NAMES
        raise ConfigError(f"--only needs at least one sweep name; choose from: {', '.join(SWEEP_NAMES)}")
    return names


def run(args: argparse.Namespace) -> int:
    from sumchain.experiments.store import read_results
    from sumchain.files import plural
    from sumchain.experiments.study import analyse, study_points
    from sumchain.report.study_report import write_study_report

    only = only_from(args.only)
    base = base_from(args)
    points = study_points(base, seeds_from(args), only)
    started = time.perf_counter()
    summary = execute([p.config for p in points], args, "reproduce")
    elapsed = time.perf_counter() - started
    analysis = analyse(read_results(args.out), points)
    meta = {"dataset": base.dataset, "seeds": str(args.seeds), "runs": f"{plural(summary.total, 'distinct config')} "
            f"({summary.ran} run now, {summary.skipped} reused, {summary.failed} failed)",
            "overrides": ", ".join(args.assignments) or "none (Table I defaults)"}
    write_study_report(analysis, args.out, meta)
    for finding in analysis.findings:
        print(f"finding {finding.number}: {finding.verdict:12s} {finding.claim}")
    print(f"{plural(summary.ran, 'run')} in {elapsed:.1f} s ({summary.skipped} reused, {summary.failed} failed); "
          f"report: {args.out}/report.md and {args.out}/report.html")
    return 1 if summary.failed else 0
