"""`sumchain gas`: deploy the contract on the in-process EVM and report what each part costs in gas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sumchain.cli.options import add_config_options, config_from


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "gas", help="measure the contract's gas: deployment, each call by sample size, a whole run",
        description="Deploy the SUM contract on an in-process EVM and print the gas of deployment, of add, "
                    "refund, report and paid predict as the number of present features grows, and of the "
                    "configured simulation per agent; the cost column is in ether at gas_price_gwei "
                    "(20 gwei when it is 0).")
    add_config_options(parser)
    parser.add_argument("--out", default="runs/gas.csv", metavar="FILE", help="CSV of the table (default: runs/gas.csv)")
    parser.add_argument("--no-run", action="store_true", help="skip the whole simulation (the slowest part)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    import pandas as pd

    from sumchain.experiments.gas import CONTRIBUTION_SLOTS, gas_report, report_gwei
    from sumchain.files import atomic_path

    out = check_gas_out(args.out)
    table = gas_report(config, include_run=not args.no_run, progress=not args.quiet and sys.stderr.isatty())
    with atomic_path(out) as temp:
        table.to_csv(temp, index=False)
    shown = table.assign(gas=table["gas"].map("{:,}".format), ether=table["ether"].map("{:.6f}".format),
                         features=[("" if pd.isna(n) else str(n)) for n in table["features"]])
    print(shown.to_string(index=False))
    print(f"\nether at {report_gwei(config):g} gwei per gas; storage per contribution: {CONTRIBUTION_SLOTS} words "
          f"({32 * CONTRIBUTION_SLOTS} bytes), its data only in the DataAdded log; wrote {out}\n"
          "pyrevm charges storage an earlier transaction touched as warm: figures after the first touch are "
          "lower bounds of a node's (engines/evm/revm.py)")
    return 0


GAS_HEADER = "section,item,features,gas,ether"


def check_gas_out(text: str) -> Path:
    """The table's file, checked before any work: writable, not inside another command's output
    folder, and replacing nothing but a gas table an earlier `sumchain gas` wrote."""
    from sumchain.errors import OutputError
    from sumchain.files import KINDS, check_output_file, claimed_folder_of

    out = check_output_file(text, "--out")
    claimed = claimed_folder_of(out)
    if claimed is not None:
        folder, kind = claimed
        what = KINDS[kind][0] if kind in KINDS else "a sumchain output folder"
        raise OutputError(f"--out {out} is inside {folder}, {what}; write the gas table elsewhere")
    if out.exists():
        try:
            with open(out, encoding="utf-8") as handle:
                first = handle.readline().strip()
        except (OSError, UnicodeDecodeError):
            first = ""
        if first != GAS_HEADER:
            raise OutputError(f"--out {out} exists and is not a gas table sumchain wrote; sumchain replaces only "
                              f"its own: give a new file name")
    return out
