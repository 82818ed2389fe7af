"""`sumchain serve`: the web app, a contract app over a node and a research dashboard over run folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from sumchain.errors import SumchainError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the web app: use a live contract from the browser, explore runs, sweeps and studies",
        description="Serve the web app on this machine (127.0.0.1 unless --host says otherwise): the contract "
                    "app for the node at --rpc and the deployments in --deployments DIR (or any sumchain "
                    "contract by its address), and the research dashboard over the run folders in --runs DIR. "
                    "Transactions are signed by the browser's wallet; with --dev-accounts (a dev node on this "
                    "machine only) also by the node's unlocked accounts.")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000)")
    parser.add_argument("--rpc", metavar="URL", help="the node's JSON-RPC URL, e.g. http://127.0.0.1:8545")
    parser.add_argument("--deployments", metavar="DIR", type=Path,
                        help="a folder of deployment manifests (sumchain deploy --manifest DIR/NAME.json)")
    parser.add_argument("--runs", metavar="DIR", type=Path,
                        help="a folder of run, sweep, reproduce and study outputs for the dashboard")
    parser.add_argument("--dev-accounts", action="store_true",
                        help="let the page send from the node's unlocked accounts (a dev node on 127.0.0.1 only; "
                             "no key is involved)")
    parser.add_argument("--gas-price-gwei", metavar="GWEI",
                        help="the gas price of the dev accounts' transactions (default: the node's eth_gasPrice)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from sumchain.web.app import create_app
    from sumchain.web.chain_api import is_loopback

    if not 0 < args.port < 65536:
        raise SumchainError(f"--port must be between 1 and 65535, got {args.port}")
    if args.dev_accounts and not is_loopback(args.host):
        raise SumchainError(f"--dev-accounts lets any visitor send from the node's accounts: serve it on a "
                            f"loopback --host (127.0.0.1), not {args.host}")
    if args.runs is not None and not args.runs.is_dir():
        raise SumchainError(f"--runs {args.runs} is not a folder (give the folder holding run or sweep folders)")
    from sumchain.cli.contract import _gwei

    gas_price = _gwei(args.gas_price_gwei) if args.gas_price_gwei else None
    app = create_app(rpc=args.rpc, deployments=args.deployments, runs=args.runs, dev_accounts=args.dev_accounts,
                     gas_price=gas_price)
    print(f"sumchain serve: http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
