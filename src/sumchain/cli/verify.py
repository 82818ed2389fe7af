"""`sumchain verify FILE`: replay a persisted chain from genesis and say whether it is intact."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="replay a ledger file and report the first block that differs",
        description="Replay a chain saved with `sumchain simulate --ledger FILE` from its genesis block.")
    parser.add_argument("ledger", metavar="FILE", help="the SQLite ledger file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sumchain.engines.replay import verify_file

    verdict = verify_file(args.ledger)
    print(verdict.describe())
    return 0 if verdict.intact else 1
