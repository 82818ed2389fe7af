"""The `sumchain` command: one module per subcommand, each with `add_parser` and `run`.

Every error sumchain raises on purpose (bad config, bad data, a refused call) ends the
command with exit code 2 and one line on stderr naming what was wrong. Ctrl-C exits 130 and
SIGTERM 143, both after saving what is finished.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from sumchain import __version__
from sumchain.errors import SumchainError

SUBCOMMANDS = ("simulate", "verify", "datasets", "sweep", "reproduce", "study", "tune", "gas", "node", "deploy", "contract",
               "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumchain",
        description="Simulate and study Sharing Updatable Models (SUM) contracts.")
    parser.add_argument("--version", action="version", version=f"sumchain {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"sumchain.cli.{name}")
        module.add_parser(subparsers)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: finished work is saved, the command says how to resume."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate) if _in_main_thread() else None
    try:
        return int(args.handler(args) or 0)
    except SumchainError as error:
        print(f"sumchain: error: {error}", file=sys.stderr)
        return 2
    except Terminated:
        # Finished work is saved by now; leave at once rather than wait in interpreter shutdown for
        # a process pool the signal may have left half torn down.
        print("sumchain: terminated", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + signal.SIGTERM)
    except KeyboardInterrupt:
        print("sumchain: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
