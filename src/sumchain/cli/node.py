"""`sumchain node`: a local Ethereum dev chain in the foreground, with the per-transaction gas cap of a current chain."""

from __future__ import annotations

import argparse
import sys
import time

WEI = 10**18


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "node", help="run a local Ethereum dev chain (Hardhat) until Ctrl-C",
        description="Run a local Ethereum dev chain in the foreground: Hardhat 2.29.1 (installed with npm on first "
                    "use), hardfork osaka, so no transaction may use more than 2**24 gas, as on Ethereum mainnet. "
                    "Its clock is the wall clock, for `sumchain deploy`; --simulation starts it at time 0, for "
                    "`sumchain simulate --set engine=rpc`. Prints its URL and funded accounts; Ctrl-C or SIGTERM "
                    "stops it and removes its files.")
    parser.add_argument("--port", type=int, default=8545, help="the 127.0.0.1 port to listen on (default: 8545)")
    parser.add_argument("--simulation", action="store_true",
                        help="a simulation's chain: genesis at time 0, for `simulate --set engine=rpc`")
    parser.add_argument("--state", metavar="FILE",
                        help="keep the chain in FILE across restarts (not available with the Hardhat node)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sumchain.engines.rpc import (CHAIN_ID, HARDFORK, HARDHAT_VERSION, DevNodeError, funded_accounts,
                                      start_dev_node)

    if args.state:
        raise DevNodeError(f"--state is not available: the Hardhat {HARDHAT_VERSION} node cannot save its chain "
                           f"to a file; leave --state out (the chain lasts until the node stops)")
    node = start_dev_node(port=args.port, simulation=args.simulation)
    try:
        print(f"sumchain node: Hardhat {HARDHAT_VERSION}, hardfork {HARDFORK} (at most 2**24 = 16,777,216 gas per "
              f"transaction), chain id {CHAIN_ID}, one block per transaction")
        if args.simulation:
            print(f"clock: a simulation's (genesis at time 0); run: sumchain simulate --set engine=rpc "
                  f"--set rpc_url={node.url}")
        else:
            print(f"clock: the wall clock; deploy with: sumchain deploy --rpc {node.url}")
        print(f"url: {node.url}")
        accounts = funded_accounts(node.url)
        print(f"accounts ({len(accounts)}, unlocked: send from them without a key):")
        for address, balance in accounts:
            print(f"  {address}  {_ether(balance)} ETH")
        print("Ctrl-C stops the node (its chain is not kept)", flush=True)
        while node.process.poll() is None:
            time.sleep(0.5)
        raise DevNodeError(f"the node stopped by itself (exit code {node.process.returncode}): "
                           f"{node.last_log_line()}")
    except KeyboardInterrupt as interrupt:
        node.stop()
        print("sumchain node: stopped", file=sys.stderr, flush=True)
        if type(interrupt) is not KeyboardInterrupt:      # SIGTERM: exit 143 as for every command
            raise
        return 0
    finally:
        node.stop()


def _ether(wei: int) -> str:
    return f"{wei // WEI:,}" if wei % WEI == 0 else f"{wei / WEI:,.6f}"
