"""The `sumchain` command: one module per subcommand, each with `add_parser` and `run`.

Every error sumchain raises on purpose (bad config, bad data, a refused call) ends the
command with exit code 2 and one line on stderr naming what was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sumchain.errors import SumchainError

SUBCOMMANDS = ("simulate", "verify", "datasets", "sweep", "reproduce", "gas")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumchain",
        description="Simulate and study Sharing Updatable Models (SUM) contracts.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"sumchain.cli.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SumchainError as error:
        print(f"sumchain: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sumchain: interrupted", file=sys.stderr)
        return 130
