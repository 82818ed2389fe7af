"""`sumchain deploy`: the trainer contract and its initial model on an Ethereum node, with a manifest."""

from __future__ import annotations

import argparse
import sys

from sumchain.cli.options import add_config_options, config_from


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "deploy", help="deploy the trainer contract on an Ethereum node and write its manifest",
        description="Train the initial model exactly as `simulate` does from the same config, deploy the trainer "
                    "contract on the node at --rpc, write the model's state in transactions of at most "
                    "--max-tx-gas gas, check that the contract holds the model, and open it for contributions. "
                    "The sender is SUMCHAIN_PRIVATE_KEY, else the keystore in SUMCHAIN_KEYSTORE (password in "
                    "SUMCHAIN_KEYSTORE_PASSWORD), else the node's first unlocked account (or --from).")
    parser.add_argument("--rpc", required=True, metavar="URL", help="the node's JSON-RPC URL, e.g. http://127.0.0.1:8545")
    add_config_options(parser)
    parser.add_argument("--manifest", default="deployment.json", metavar="FILE",
                        help="where the deployment manifest is written (default: deployment.json; never overwritten "
                             "except to continue it with --resume)")
    parser.add_argument("--resume", action="store_true",
                        help="finish the interrupted deployment recorded in --manifest, from its last confirmed "
                             "transaction (its config is the manifest's)")
    parser.add_argument("--from", dest="sender", metavar="ADDRESS",
                        help="the sending account's 0x-address (an unlocked account of the node, or the key's address)")
    parser.add_argument("--max-tx-gas", type=_gas, metavar="GAS",
                        help="the most gas one state-writing transaction may ask for (default and maximum "
                             "2**24 = 16777216, a current chain's cap)")
    parser.add_argument("--quiet", action="store_true", help="no line per transaction on stderr")
    parser.set_defaults(handler=run)


def _gas(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of gas, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    given = bool(args.config or args.assignments or args.seed is not None)
    config = config_from(args) if given else None      # resuming without them: the manifest's config
    from sumchain.live.deploy import deploy_live

    def progress(manifest, transaction) -> None:
        if not args.quiet:
            print(f"confirmed {transaction.what}: {transaction.gas:,} gas ({transaction.hash})", file=sys.stderr)

    deployment = deploy_live(args.rpc, args.manifest, config=config, resume=args.resume,
                             requested_from=args.sender, max_tx_gas=args.max_tx_gas, on_transaction=progress)
    print(summary(deployment))
    return 0


def summary(deployment) -> str:
    m = deployment.manifest
    lines = [f"deployed {m.artefact} ({m.family}, {m.mechanism}) at {m.address} on chain {m.chain_id}, "
             f"block {m.block}, from {m.deployer}",
             f"state checked: the contract holds the trained model ({m.state_chunks} state transactions"
             + (f", {deployment.resumed_chunks} of them confirmed before this run" if deployment.resumed_chunks else "")
             + ")",
             f"manifest: {deployment.path}"]
    kinds = deployment.gas_by_kind()
    for kind, (count, gas) in kinds.items():
        lines.append(f"gas {kind}: {gas:,} ({count} transaction{'s' if count != 1 else ''}, at most "
                     f"{max(t.gas for t in m.transactions if t.what.split()[0] == kind):,} each)")
    lines.append(f"gas total: {sum(gas for _, gas in kinds.values()):,} in {len(m.transactions)} transactions "
                 f"(each at most {m.max_tx_gas:,})")
    return "\n".join(lines)
