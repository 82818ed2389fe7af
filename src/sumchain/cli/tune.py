"""`sumchain tune`: search the contract's parameters for the designs that best resist a population of adversaries.

A multi-objective Optuna search (`sumchain.experiments.tune`): each trial is a design (mechanism,
cost, waits, surcharge) run against every adversary with the same search seeds; the Pareto front is
then run again on held-out seeds and compared with Table I, paired by seed. Everything lives in
`--out`: the Optuna journal (`tune.journal`), every run (`results.parquet`, as sweeps keep them),
figures, tables, `report.md` and `report.html`. Rerunning the same command resumes: finished trials
and runs are kept, `--trials` is the total to reach.
"""

from __future__ import annotations

import argparse
import sys
import time

from sumchain.cli.options import ONCE, config_with, overrides_from
from sumchain.cli.sweep import MAX_SEEDS, add_executor_options, executor_from
from sumchain.errors import ConfigError

DEFAULT_OUT = "runs/tune"
MAX_TRIALS = 10_000


def add_parser(subparsers) -> None:
    from sumchain.experiments.tune import ADVERSARIES, PARAMETERS

    parser = subparsers.add_parser(
        "tune", help="search contract parameters for the designs that resist every adversary and keep honest "
                     "contributors whole",
        description="Multi-objective search (Optuna, TPE) over the contract's parameters against a population of "
                    "adversaries: worst-case accuracy gap, honest return, malicious balance; the Pareto front is "
                    "re-run on held-out seeds and compared with Table I. Resumable: rerun the same command.")
    parser.add_argument("--trials", type=int, default=40, metavar="N",
                        help="finished trials to reach, Table I's design first (default 40; a resume continues to N)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="stop asking new trials after this long")
    parser.add_argument("--seeds", type=int, default=3, metavar="N", help="search seeds 0..N-1, the same for every "
                                                                          "trial (default 3)")
    parser.add_argument("--heldout", type=int, default=5, metavar="N",
                        help="held-out seeds for the front and Table I, disjoint from the search seeds (default 5)")
    parser.add_argument("--adversaries", metavar="NAME[,NAME]",
                        help=f"the population each design faces (default all: {', '.join(ADVERSARIES)})")
    parser.add_argument("--param", dest="params", action="append", default=[], metavar="KEY=LOW:HIGH",
                        help="change a searched range (incentive=a,b for the mechanisms); searched: "
                             + ", ".join(f"{k} {p.describe()}" for k, p in PARAMETERS.items()))
    parser.add_argument("--max-honest-cost", type=float, metavar="COINS",
                        help="constraint: the honest agents' mean cost per accepted add at most this")
    parser.add_argument("--min-accuracy", type=float, metavar="A",
                        help="constraint: the worst adversary's final accuracy at least this (0 to 1)")
    parser.add_argument("--sampler-seed", type=int, default=0, metavar="N", help="the sampler's seed (default 0)")
    parser.add_argument("--batch", type=int, metavar="N",
                        help="designs evaluated together, their runs in parallel (default: the worker count); "
                             "part of the search: the same seeds and batch give the same trials")
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys: the base of every run")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a config key in every run, e.g. --set max_train=2000 ({ONCE}); a searched "
                             f"key set here is fixed, not searched")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})")
    add_executor_options(parser)
    parser.set_defaults(handler=run)


def parse_params(texts: list[str]) -> dict[str, str]:
    ranges: dict[str, str] = {}
    for text in texts:
        if "=" not in text:
            raise ConfigError(f"--param expects KEY=LOW:HIGH (or incentive=a,b), got '{text}'")
        key, value = (part.strip() for part in text.split("=", 1))
        if key in ranges:
            raise ConfigError(f"--param {key} is given twice; give each key once")
        ranges[key] = value
    return ranges


def settings_from(args: argparse.Namespace):
    from sumchain.experiments import tune

    if not 1 <= args.trials <= MAX_TRIALS:
        raise ConfigError(f"--trials must be from 1 to {MAX_TRIALS:,}, got {args.trials}")
    for option, value in (("--seeds", args.seeds), ("--heldout", args.heldout)):
        if not 1 <= value <= MAX_SEEDS:
            raise ConfigError(f"{option} must be from 1 to {MAX_SEEDS:,}, got {value}")
    if args.timeout is not None and not args.timeout > 0:
        raise ConfigError(f"--timeout must be > 0 seconds, got {args.timeout:g}")
    if args.batch is not None and args.batch < 1:
        raise ConfigError(f"--batch must be >= 1, got {args.batch}")
    overrides = overrides_from(args)
    if "seed" in overrides:
        raise ConfigError(f"--set seed={overrides['seed']} is not used by tune: every design runs seeds 0..N-1; "
                          f"give --seeds N")
    space = tune.search_space(parse_params(args.params), overrides)
    constraints = tune.Constraints(args.max_honest_cost, args.min_accuracy)
    tune.check_constraints(constraints, space)
    names = None if args.adversaries is None else [n.strip() for n in args.adversaries.split(",") if n.strip()]
    adversaries = tune.adversary_population(names)
    base = config_with(args, overrides)
    seeds = list(range(args.seeds))
    return tune.TuneSettings(base, space, adversaries, seeds, tune.heldout_seeds(seeds, args.heldout),
                             constraints, args.sampler_seed)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sumchain.data import prepare_data
    from sumchain.experiments import tune
    from sumchain.experiments.store import ResultStore
    from sumchain.files import check_output_folder, plural
    from sumchain.report.tune import write_tune_report

    settings = settings_from(args)
    out = check_output_folder(args.out, "--out", "tune")
    executor = executor_from(args)
    batch = args.batch or getattr(executor, "workers", 1)
    prepare_data(settings.base)
    store = ResultStore(out, "tune").open()
    progress = not args.quiet and sys.stderr.isatty()
    started = time.perf_counter()
    try:
        study = tune.open_study(Path(out), settings)
        summary = tune.run_tune(study, settings, store, executor, args.trials, args.timeout, batch, progress)
        front = tune.pareto_trials(study)
        designs = {f"trial {t.number}": t.params for t in front if not t.user_attrs.get("table_one")}
        heldout = tune.heldout_evaluation(designs, settings, store, executor, summary)
    except KeyboardInterrupt:
        done = len(tune.finished_trials(study)) if "study" in locals() else 0
        print(f"interrupted: {plural(done, 'finished trial')} saved in {out}; rerun the same command to resume",
              file=sys.stderr)
        raise
    finally:
        store.close()
    table = tune.front_table(study, heldout)
    meta = {"dataset": settings.base.dataset, "model": settings.base.model,
            "overrides": ", ".join(args.assignments) or "none (Table I defaults)",
            "adversaries": ", ".join(settings.adversaries), "search seeds": f"0..{args.seeds - 1}",
            "held-out seeds": f"{settings.heldout[0]}..{settings.heldout[-1]}",
            "trials": f"{summary.trials} ({summary.told} now, {summary.resumed} resumed)",
            "runs": f"{summary.ran} search and {summary.heldout_ran} held-out runs now ({summary.failed} failed), "
                    f"{summary.reused} reused",
            "constraints": ", ".join(f"{k} {v:g}" for k, v in settings.constraints.as_dict().items() if v is not None)
                           or "none", "sampler": "multi-objective TPE, seed " + str(settings.sampler_seed)}
    answer = write_tune_report(out, tune.trials_table(study), table, tune.importance(study), meta)
    print(answer)
    elapsed = time.perf_counter() - started
    stopped = " (stopped by --timeout)" if summary.stopped else ""
    print(f"{plural(summary.trials, 'trial')}{stopped}, {plural(summary.ran + summary.heldout_ran, 'run')} in "
          f"{elapsed:.1f} s; "
          f"report: {out}/report.md")
    return 1 if summary.failed else 0
