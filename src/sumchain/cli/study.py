"""`sumchain study`: the design space the study leaves open, measured with seeds and answered.

Runs the scenarios of `sumchain.experiments.design_space` (every (mechanism, model) pair, each
adversary, the bad_share sweep; or `--only` some sections) into a resumable store in `--out`, then
writes figures, tables and `report.md` there and prints the answers; an answer the runs cannot
decide (too few seeds, runs too short for any malicious balance to run out) is printed as
"undecided" with the reason. `--set` overrides apply to every run (e.g. `--set max_train=2000` for
a quick, small study, whose answers are then mostly undecided).
"""

from __future__ import annotations

import argparse
import time

from sumchain.cli.options import ONCE, config_with, overrides_from
from sumchain.cli.sweep import add_executor_options, execute, refuse_seed_override, seeds_from

DEFAULT_OUT = "runs/study"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "study", help="measure every mechanism and model, each adversary and the bad share, and answer the "
                      "study's open questions",
        description="Run the design-space study: every (mechanism, model) pair on the default scenario, "
                    "each adversary under each mechanism, and the bad_share sweep, with several seeds; write figures, "
                    "tables and report.md, and print a plain answer to each open question.")
    parser.add_argument("--seeds", type=int, default=5, metavar="N", help="seeds 0..N-1 per scenario (default 5)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--only", metavar="SECTION[,SECTION]", help="run only these sections: pairs, adversaries, bad_share")
    parser.add_argument("--models", metavar="MODEL[,MODEL]",
                        help="only these models in the pairs section (default: every family; the dense twins only "
                             "with --set csv_encoding=standardised, as on binary data they equal their sparse twins, "
                             "or when named here)")
    parser.add_argument("--incentives", metavar="MECHANISM[,MECHANISM]", help="only these mechanisms in every section")
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys: the base of every run")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a config key in every run, e.g. --set max_train=2000 ({ONCE})")
    add_executor_options(parser)
    parser.set_defaults(handler=run)


def names(text: str | None) -> list[str] | None:
    """`a,b` as a list; None when the option was not given (an empty list is refused downstream)."""
    return None if text is None else [name.strip() for name in text.split(",") if name.strip()]


def study_base(args: argparse.Namespace):
    """The base config of every run. With `--set csv_encoding=standardised` and no model named, the
    base model (which the adversary and bad_share sections use) is `dense_perceptron`, the twin of
    Table I's perceptron that reads values; the pairs section sets each family itself."""
    overrides = overrides_from(args)
    refuse_seed_override(overrides, "study")
    if overrides.get("csv_encoding") == "standardised" and "model" not in overrides:
        overrides["model"] = "dense_perceptron"
    return config_with(args, overrides)


def run(args: argparse.Namespace) -> int:
    from sumchain.experiments import design_space as ds
    from sumchain.experiments.store import read_results
    from sumchain.files import plural
    from sumchain.report.design_report import write_design_report

    base = study_base(args)
    chosen = ds.scenarios(names(args.only), names(args.models), names(args.incentives),
                          dense_values=base.csv_encoding == "standardised")
    points = ds.study_points(base, seeds_from(args), chosen)
    started = time.perf_counter()
    summary = execute([p.config for p in points], args, "study")
    elapsed = time.perf_counter() - started
    analysis = ds.analyse(read_results(args.out), points, base)
    meta = {"dataset": base.dataset, "seeds": str(args.seeds), "scenarios": str(len(chosen)),
            "runs": f"{plural(summary.total, 'distinct config')} ({summary.ran} run now, {summary.skipped} reused, "
                    f"{summary.failed} failed)", "overrides": ", ".join(args.assignments) or "none (Table I defaults)"}
    write_design_report(analysis, args.out, meta)
    for question, answer in analysis.answers.items():
        print(f"{question}\n  {answer}")
    print(f"{plural(summary.ran, 'run')} in {elapsed:.1f} s ({summary.skipped} reused, {summary.failed} failed); "
          f"report: {args.out}/report.md")
    return 1 if summary.failed else 0
