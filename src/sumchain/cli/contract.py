"""`sumchain contract ...`: a contributor uses a deployed trainer contract from the command line.

One table of subcommands (`COMMANDS`): each is a name, its own arguments, and a function that takes
the opened contract and the parsed arguments and returns a `Result` (words for a person, and the same
facts as JSON for `--json`). The options every subcommand shares (which deployment, who you are,
--json) are added once. A subcommand that sends gets a signer from `choose_signer` (a key from the
environment or a keystore, else the node's unlocked accounts; `--from` picks one) and answers
`--dry-run` from the contract's own free reads without sending anything.

Amounts are exact decimal coins (1 coin = 10**18 base units): shown without rounding, accepted with
at most 18 decimals.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from sumchain.errors import SumchainError
from sumchain.live.words import claim_data, claim_words, coins, money, sent_data  # noqa: F401 (shared words)


@dataclass
class Result:
    """What a subcommand answers: lines for a person, and the same facts for --json."""

    lines: list[str]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Any, argparse.Namespace], Result]
    sends: bool = False         # takes --dry-run and needs a signer


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "contract",
        help="use a deployed trainer contract: status, predict, add, contributions, refund, report, withdraw",
        description="Use a sumchain trainer contract deployed on an Ethereum node. Say which with --deployment "
                    "FILE (the manifest sumchain deploy wrote) or --rpc URL --at 0xADDRESS. Transactions are "
                    "signed with the key in SUMCHAIN_PRIVATE_KEY or the keystore in SUMCHAIN_KEYSTORE, else sent "
                    "from the node's unlocked accounts (a dev node); --from picks the account. Amounts are in "
                    "coins (1 coin = 10**18 wei).")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for command in COMMANDS:
        sub = actions.add_parser(command.name, help=command.help, description=command.help)
        _common_options(sub, command.sends)
        command.arguments(sub)
        sub.set_defaults(handler=lambda args, command=command: run(command, args))


def _common_options(parser: argparse.ArgumentParser, sends: bool) -> None:
    where = parser.add_argument_group("which contract")
    where.add_argument("--deployment", metavar="FILE", help="the deployment manifest (from sumchain deploy)")
    where.add_argument("--rpc", metavar="URL", help="the node's JSON-RPC URL (default: the manifest's rpc_url)")
    where.add_argument("--at", metavar="0xADDRESS", help="the contract's address, without a manifest")
    parser.add_argument("--from", dest="sender", metavar="0xADDRESS",
                        help="your account (default: the key's address, else the node's first unlocked account)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of words")
    if sends:
        parser.add_argument("--dry-run", action="store_true",
                            help="say what would happen now, and when it becomes possible; send nothing")
        parser.add_argument("--gas-price-gwei", metavar="GWEI",
                            help="the gas price to pay (default: the node's eth_gasPrice)")


def run(command: Command, args: argparse.Namespace) -> int:
    from sumchain.live.contract import open_contract

    gas_price = _gwei(args.gas_price_gwei) if getattr(args, "gas_price_gwei", None) else None
    contract = open_contract(args.deployment, args.rpc, args.at, gas_price=gas_price)
    result = command.run(contract, args)
    if args.json:
        print(json.dumps(result.data, indent=1, sort_keys=True))
    else:
        print("\n".join(result.lines))
    return 0


# -- shared pieces ---------------------------------------------------------------------------
def _gwei(text: str) -> int:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value * 10**9 != int(value * 10**9):
        raise SumchainError(f"--gas-price-gwei must be a non-negative number of gwei with at most 9 decimals, "
                            f"got {text!r}")
    return int(value * 10**9)


def signer_of(contract, args: argparse.Namespace):
    """Who sends: `choose_signer` over the node's unlocked accounts and --from."""
    from sumchain.live.signers import choose_signer

    return choose_signer(contract.backend.unlocked_accounts, args.sender)


def viewer_of(contract, args: argparse.Namespace) -> str | None:
    """Whose balance and claims a read shows: --from (no key needed to read), else the signer if any."""
    import os

    from sumchain.live.contract import ContractError
    from sumchain.live.signers import KEY_VARIABLE, KEYSTORE_VARIABLE, is_address

    if args.sender:
        if not is_address(args.sender):
            raise ContractError(f"--from must be a 0x-address of 40 hex digits, got {args.sender!r}")
        return args.sender.lower()
    configured = any(os.environ.get(name, "").strip() for name in (KEY_VARIABLE, KEYSTORE_VARIABLE))
    if not configured and not contract.backend.unlocked_accounts:
        return None                 # a public node and no key: nobody to show
    return signer_of(contract, args).address       # a damaged key or keystore is said, not skipped


def add_sample_options(parser: argparse.ArgumentParser) -> None:
    sample = parser.add_mutually_exclusive_group(required=True)
    sample.add_argument("--text", help="raw text, turned into features by the deployment's encoder")
    sample.add_argument("--features", metavar="I,J,K",
                        help="the sample's feature indices (a dense model: every feature's fixed-point value)")


def sample_of(contract, args: argparse.Namespace):
    from sumchain.live.contract import ContractError

    if args.text is not None:
        return contract.features(contract.encode(args.text))
    try:
        text = args.features.replace(" ", "")
        values = [int(part) for part in text.split(",")] if text else []   # "1,,2" is a typo, not 1,2
    except ValueError:
        raise ContractError(f"--features must be whole numbers separated by commas, such as 1,4,17; "
                            f"got {args.features!r}") from None
    return contract.features(values)


def sent_words(sent, what: str) -> list[str]:
    return [f"{what}: transaction {sent.tx_hash} in block {sent.block}",
            f"gas used {sent.gas_used:,} at {Decimal(sent.gas_price) / 10**9} gwei: fee {coins(sent.fee)}"]


# -- the subcommands -------------------------------------------------------------------------
def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """Only the shared options."""


def status(contract, args: argparse.Namespace) -> Result:
    from sumchain.live.contract import Refused

    p = contract.parameters
    try:
        cost, why_not = contract.cost_to_add(), None
    except Refused as refusal:
        cost, why_not = None, refusal.reason
    count, total = contract.count(), contract.total_verified()
    you = viewer_of(contract, args)
    lines = [f"contract {contract.address} on chain {contract.chain_id} ({contract.backend.url})",
             f"model {p.family}: {p.num_features} features, at most {p.max_features} per sample, "
             f"{p.num_classes} classes" + (f" ({', '.join(contract.class_names)})" if contract.class_names else ""),
             f"mechanism {p.mechanism}: refund after {p.refund_wait_s:,} s, anyone may take a deposit after "
             f"{p.any_address_claim_wait_s:,} s, the owner after {p.owner_claim_wait_s:,} s; cost weight "
             f"{coins(p.cost_weight)}" + (f", quality weight {p.quality_weight}, margin scale {p.margin_scale}"
                                          if p.mechanism == "quality_priced" else ""),
             f"owner {p.owner}" + (" (still initialising: no contributions yet)" if p.initialising else ""),
             f"cost to add now: {coins(cost)}" if cost is not None else f"adding is not possible now: {why_not}",
             f"contributions: {count:,}; verified contributions: {total:,}"]
    data = {"address": contract.address, "chain_id": contract.chain_id, "rpc_url": contract.backend.url,
            "parameters": {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) and v > 2**53 else v)
                           for k, v in vars(p).items()},
            "class_names": list(contract.class_names), "cost_to_add": money(cost) if cost is not None else None,
            "cost_refusal": why_not, "contributions": count, "total_verified": total, "block_time": contract.now()}
    if you is not None:
        balance, verified, reported = contract.balance(you), contract.verified(you), contract.reported(you)
        (earned,) = contract.read("withdrawable", you)
        lines.append(f"you ({you}): balance {coins(balance)}; verified contributions {verified:,}"
                     + (f"; reported {reported:,}" if p.mechanism == "points" else "")
                     + (f"; earnings to withdraw {coins(earned)}" if earned else ""))
        data["you"] = {"address": you, "balance": money(balance), "verified": verified, "reported": reported,
                       "withdrawable": money(earned)}
    return Result(lines, data)


def predict(contract, args: argparse.Namespace) -> Result:
    x = sample_of(contract, args)
    y = contract.predict(x)
    return Result([f"the model predicts {contract.class_name(y)}"],
                  {"prediction": y, "class_name": (contract.class_names[y:y + 1] or [None])[0],
                   "features": [int(i) for i in x]})


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    parser.add_argument("--label", required=True, help="the class: its index, or its name from the manifest")
    parser.add_argument("--deposit", metavar="COINS", help="what to send (default: the cost to add now); the "
                                                           "contract keeps the cost and returns the rest")


def add(contract, args: argparse.Namespace) -> Result:
    from sumchain.ledger.money import parse_coins
    from sumchain.live.contract import ContractError, Refused, when

    x, y = sample_of(contract, args), contract.label(args.label)
    try:
        cost = contract.cost_to_add(x, y)
    except Refused as refusal:
        raise Refused(f"adding is not possible now: {refusal.reason}") from None
    try:
        deposit = cost if args.deposit is None else parse_coins(args.deposit, "--deposit")
    except SumchainError as error:
        raise ContractError(str(error)) from None
    if deposit < cost:
        raise ContractError(f"--deposit {coins(deposit)} is below the cost to add now, {coins(cost)}: send at "
                            f"least that (the contract returns what is over the cost)")
    prediction = contract.predict(x)
    agrees = "agrees with" if prediction == y else f"disagrees with (it predicts {contract.class_name(prediction)})"
    refund_from = contract.now() + contract.parameters.refund_wait_s + 1
    plan = {"features": [int(i) for i in x], "label": y, "cost": money(cost), "deposit": money(deposit),
            "returned": money(deposit - cost), "model_agrees": prediction == y}
    signer = signer_of(contract, args)      # a dry run refuses the sender the real one would refuse
    if args.dry_run:
        return Result([f"adding costs {coins(cost)} now (deposit {coins(deposit)}, {coins(deposit - cost)} "
                       f"returned); the model {agrees} label {contract.class_name(y)}",
                       f"refund possible from {when(refund_from)} if the model agrees with it then "
                       f"(a day counted from the block it is added in)"],
                      {**plan, "dry_run": True, "refund_possible_from": refund_from, "from": signer.address})
    sent = contract.add(signer, x, y, deposit)
    event = sent.event
    refund_from = int(event["time"]) + contract.parameters.refund_wait_s + 1
    lines = [f"added contribution {event['id']} from {signer.address}: label {contract.class_name(y)}, "
             f"cost {coins(sent.amount)} taken ({coins(deposit - sent.amount)} of the deposit returned)",
             *sent_words(sent, "sent"),
             f"refund possible from {when(refund_from)} if the model agrees with it then"]
    return Result(lines, {**plan, **sent_data(sent), "id": int(event["id"]), "added_time": int(event["time"]),
                          "cost": money(sent.amount), "returned": money(deposit - sent.amount),
                          "model_updated": bool(event["model_updated"]), "from": signer.address,
                          "refund_possible_from": refund_from})


def _range_options(parser: argparse.ArgumentParser) -> None:
    from sumchain.live.words import LOG_PAGE_BLOCKS    # not live.contract: building the parser must not import web3

    parser.add_argument("--from-block", type=int, metavar="N",
                        help="read events from this block (default: the deployment's block)")
    parser.add_argument("--page-size", type=int, default=LOG_PAGE_BLOCKS, metavar="BLOCKS",
                        help=f"blocks per event request (default {LOG_PAGE_BLOCKS:,}; public nodes cap it)")


def _contributions_arguments(parser: argparse.ArgumentParser) -> None:
    _range_options(parser)
    parser.add_argument("--to-block", type=int, metavar="N", help="read events up to this block (default: latest)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--mine", action="store_true", help="only your contributions")
    which.add_argument("--refundable", action="store_true", help="only those you can have refunded now")
    which.add_argument("--reportable", action="store_true", help="only those you can report now")


def contributions(contract, args: argparse.Namespace) -> Result:
    from sumchain.live.contract import ContractError, when

    you = viewer_of(contract, args)
    if you is None:
        raise ContractError("say whose view of the contributions to show: --from 0xADDRESS (no key is needed "
                            "to read)")
    found, payouts = contract.history(args.from_block, args.to_block, args.page_size)
    if args.mine:
        found = [c for c in found if c.author == you]
    claims = contract.preview(you, found)
    if args.refundable:
        claims = [c for c in claims if c.action == "refund"]
    if args.reportable:
        claims = [c for c in claims if c.action == "report"]
    lines = [f"{len(claims)} contribution(s), as {you} sees them:"]
    for claim in claims:
        c = claim.contribution
        mine = " (yours)" if c.author == you else ""
        paid = "".join(f"; {p.kind} {coins(p.amount)} paid to {p.claimer}" for p in payouts.get(c.key, ()))
        lines.append(f"  {c.id}: {contract.class_name(c.y)} by {c.author}{mine}, added {when(c.time)}, deposit "
                     f"{coins(c.cost)}{paid}; {claim_words(claim)}")
    return Result(lines, {"viewer": you, "contributions": [
        {**claim_data(claim), "payouts": [{"kind": p.kind, "claimer": p.claimer, "amount": money(p.amount),
                                           "block": p.block, "tx_hash": p.tx_hash}
                                          for p in payouts.get(claim.contribution.key, ())]}
        for claim in claims]})


def _claim_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int, help="the contribution's id (sumchain contract contributions lists them)")
    _range_options(parser)


def _claim(action: str) -> Callable[[Any, argparse.Namespace], Result]:
    """refund or report: find the contribution's sample, label, time and author in its DataAdded event,
    ask the contract what the call would do now, then send it (or, with --dry-run, only say)."""

    def claim(contract, args: argparse.Namespace) -> Result:
        from sumchain.live.contract import Refused, when

        signer = signer_of(contract, args)
        c = contract.find(args.id, args.from_block, args.page_size)
        preview = contract.claim(action, signer.address, c)
        about = (f"contribution {c.id}: {contract.class_name(c.y)} by {c.author}, added {when(c.time)}, "
                 f"deposit {coins(c.cost)}")
        data = {**claim_data(preview), "from": signer.address}
        if args.dry_run:
            return Result([about, claim_words(preview) if preview.action != "none" else
                           f"{action} not possible now: {claim_words(preview)}"], {**data, "dry_run": True})
        if preview.action != action:
            raise Refused(f"{action} of contribution {c.id} refused: {claim_words(preview)}")
        sent = getattr(contract, action)(signer, c)
        lines = [about, f"{action}: {coins(sent.amount)} paid to {signer.address}", *sent_words(sent, "sent")]
        return Result(lines, {**data, **sent_data(sent)})
    claim.__name__ = action
    return claim


def withdraw(contract, args: argparse.Namespace) -> Result:
    """Paid predictions credit contributors; each takes what is owed with this call (pull payments)."""
    from sumchain.live.contract import Refused

    signer = signer_of(contract, args)
    (due,) = contract.read("withdrawable", signer.address)
    data = {"from": signer.address, "withdrawable": money(due)}
    if args.dry_run:
        words = f"withdraw possible now: pays {coins(due)}" if due else \
            "withdraw not possible now: nothing to withdraw (no earnings from paid predictions yet)"
        return Result([words], {**data, "dry_run": True})
    if not due:
        raise Refused("withdraw refused: nothing to withdraw (no earnings from paid predictions yet)")
    sent = contract.send(signer, "withdraw", 0)
    return Result([f"withdraw: {coins(sent.amount)} paid to {signer.address}", *sent_words(sent, "sent")],
                  {**data, **sent_data(sent)})


COMMANDS: tuple[Command, ...] = (
    Command("status", "the contract's parameters, the cost to add now, counts, your balance and score",
            _no_arguments, status),
    Command("predict", "the model's prediction for raw text or feature indices (free)", add_sample_options,
            predict),
    Command("add", "add a labelled sample with a deposit", _add_arguments, add, sends=True),
    Command("contributions", "contributions from the contract's events: yours, refundable, reportable",
            _contributions_arguments, contributions),
    Command("refund", "take back your deposit for a contribution the model agrees with, after the wait",
            _claim_arguments, _claim("refund"), sends=True),
    Command("report", "take the deposit of a contribution the model disagrees with", _claim_arguments,
            _claim("report"), sends=True),
    Command("withdraw", "take what your verified contributions earned from paid predictions", _no_arguments,
            withdraw, sends=True),
)
