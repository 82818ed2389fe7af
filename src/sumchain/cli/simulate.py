"""`sumchain simulate`: one run on the configured data, written to a run folder."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from sumchain.cli.options import add_config_options, config_from
from sumchain.errors import ConfigError, OutputError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate", help="run one simulation and write its run folder",
        description="Simulate honest and malicious contributors on a SUM contract (defaults: the study's Table I).")
    add_config_options(parser)
    parser.add_argument("--out", default="runs/latest", metavar="DIR",
                        help="run folder for config.toml, metrics.json, timeseries.parquet, plot.png (default: "
                             "runs/latest); a folder of another kind of output, or in use, is refused")
    parser.add_argument("--ledger", metavar="FILE", help="also persist the whole chain in this SQLite file")
    parser.add_argument("--force", action="store_true",
                        help="replace the ledger an earlier run wrote at --ledger (without it, an existing ledger "
                             "is refused; a file that is not a ledger is always refused)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    from sumchain.data import load_dataset
    from sumchain.engines.replay import save_ledger
    from sumchain.files import check_output_folder, claim_folder, strict_json
    from sumchain.report.run_folder import write_run_folder
    from sumchain.sim import scenario_type, simulate

    out = check_output_folder(args.out, "--out", "run")
    if args.ledger is not None:
        unreplayable = scenario_type(config).not_replayable
        if unreplayable:
            raise ConfigError(f"--ledger is not available with incentive={config.incentive} ({unreplayable}); "
                              f"leave --ledger out")
        check_ledger(args.ledger, out, args.force)
    started = time.perf_counter()
    dataset = load_dataset(config)
    with claim_folder(out, "run"):
        result = simulate(config, dataset=dataset, progress=not args.quiet and sys.stderr.isatty())
        written = write_run_folder(result, out)
        if args.ledger is not None:
            save_ledger(result.trainer, config, dataset, args.ledger)
    elapsed = time.perf_counter() - started
    if result.end_reason.startswith(("reached the simulated-time limit", "stalled")):
        print(f"sumchain: the run ended early: {result.end_reason}", file=sys.stderr)
    if args.json:
        print(strict_json(result.metrics))
    else:
        print(summary(result.metrics, elapsed, out, args.ledger, result.chain.gas_used(),
                      [path.name for path in written.values()]))
    return 0


def check_ledger(ledger: str, out: Path, force: bool) -> Path:
    """Refuse a `--ledger` that would replace anything but a ledger (and that only with --force),
    or that is one of the run folder's own files."""
    from sumchain.files import LOCK, MARKER, check_output_file
    from sumchain.ledger.store import is_ledger
    from sumchain.report.run_folder import RUN_FILES

    path = check_output_file(ledger, "--ledger")
    target, folder = path.resolve(), out.resolve()
    if target == folder or (target.parent == folder and target.name in (*RUN_FILES, MARKER, LOCK)):
        raise OutputError(f"--ledger {path} is one of --out's own files; give a file name that is not "
                          f"{', '.join(RUN_FILES)} in {out}")
    if path.exists():
        if not is_ledger(path):
            raise OutputError(f"--ledger {path} exists and is not a sumchain ledger; sumchain replaces only its "
                              f"own ledgers: give a new file name")
        if not force:
            raise OutputError(f"--ledger {path} already holds a ledger; add --force to replace it, or give "
                              f"another file name")
    return path


def summary(metrics: dict, elapsed: float, out: Path, ledger: str | None, gas: dict | None = None,
            files: list[str] | None = None) -> str:
    m = metrics
    depleted = "never" if m["bad_depleted_day"] is None else f"day {m['bad_depleted_day']:.1f}"
    balances = ", ".join(f"{name} {balance:,.2f} ({_pct(m['balance_pct'][name])})" for name, balance in m["balances"].items())
    lines = [
        f"accuracy: initial {100 * m['initial_accuracy']:.2f}%  final {100 * m['final_accuracy']:.2f}%  "
        f"baseline {100 * m['baseline_accuracy']:.2f}%  gap {m['gap']:.2f} points",
        f"malicious balance exhausted: {depleted} (lowest {m['bad_min_pct']:.1f}% of start)"
        if m["bad_min_pct"] is not None else "no malicious agents",
        f"balances after {m['days']:.1f} days: {balances}",
        f"calls: {m['counts']['adds']} adds, {m['counts']['refunds']} refunds, {m['counts']['reports']} reports",
        *_population_lines(m),
        *_market_line(m.get("market")),
        f"wrote {out}/ ({', '.join(_in_order(files))}) in {elapsed:.1f} s",
    ]
    if gas:
        lines.append(f"gas used: {sum(gas.values()):,} ({', '.join(f'{k} {v:,}' for k, v in gas_by_sender(gas).items())})")
    if ledger:
        lines.append(f"ledger: {ledger} (check it with: sumchain verify {ledger})")
    return "\n".join(lines)


def _in_order(files: list[str] | None) -> list[str]:
    """The run folder's files as the README lists them (gas.csv last, when the engine has gas)."""
    from sumchain.report.run_folder import RUN_FILES

    chosen = files if files is not None else RUN_FILES[:4]
    return sorted(chosen, key=lambda name: RUN_FILES.index(name) if name in RUN_FILES else len(RUN_FILES))


def _population_lines(m: dict) -> list[str]:
    lines = []
    if m.get("bad_share_submitted") is not None and m.get("malicious_balance_pct") is not None:
        lines.append(f"population: {100 * m['bad_share_submitted']:.1f}% of adds by malicious agents; honest "
                     f"{_pct(m['honest_balance_pct'])}, malicious {_pct(m['malicious_balance_pct'])} of start")
    if m.get("paid_calls"):
        earned = ", ".join(f"{name} {coins:,.2f}" for name, coins in m["fees_earned"].items())
        lines.append(f"paid predictions: {m['paid_calls']} calls, {sum(m['fees_paid'].values()):,.2f} coins in fees; "
                     f"earned: {earned}")
    return lines


def _market_line(market: dict | None) -> list[str]:
    if not market:
        return []
    withdrawn = ", ".join(f"{name} {coins:,.2f}" for name, coins in market["withdrawn"].items())
    return [f"prediction market: {market['contributions']} contributions, {market['rounds']} reward rounds, "
            f"{market['dropped']} dropped, rewards on {market['test_samples']} test samples; withdrawn: {withdrawn}"]


def gas_by_sender(gas: dict) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (sender, _), used in gas.items():
        totals[sender] = totals.get(sender, 0) + used
    return totals


def _pct(value: float | None) -> str:
    """A percent of start; 'n/a' where it is undefined (an agent that started with nothing)."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.0f}%"
