"""The contract app's JSON routes (mounted under /api/chain), on `sumchain.live.contract`.

Every read and every check is the one `sumchain contract ...` makes: a contract is opened with
`open_contract` (the node's chain, sumchain's code, the manifest's code hash), a call is checked by
a read of the same call before anything is signed (`LiveContract.prepare`), and claims are
previewed with the contract's own `claim_preview` and reason codes, in the words of
`sumchain.live.words`. Errors are one line, as JSON `{"error": ...}` with status 400 (bad input, a
refusal) or 502 (the node).

Who signs: the browser's wallet (the page asks `/prepare` for the checked call, has the wallet send
it, and gives `/receipt` the hash), or, with `--dev-accounts` on a loopback node, one of the node's
unlocked accounts (`/send`: the node signs, through `eth_sendTransaction`). No private key is ever
asked for, sent, stored or logged.

Amounts are exact wei as decimal text (with the same in coins), since they exceed a double's 2**53.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sumchain.errors import SumchainError
from sumchain.ledger.money import parse_coins
from sumchain.live.contract import (LOG_PAGE_BLOCKS, ContractError, LiveContract, Refused, open_contract,
                                    when)
from sumchain.live.encoder import feature_words
from sumchain.live.manifest import read_manifest
from sumchain.live.signers import Signer, is_address
from sumchain.live.words import claim_data, money, sent_data
from sumchain.web.accuracy import accuracy_history

RECEIPT_WAIT_S = 120.0
"""How long /receipt waits for a wallet's transaction to be mined."""

MOVED = {"add_data": ("DataAdded", "cost"), "refund": ("Refund", "amount"), "report": ("Report", "amount"),
         "withdraw": ("Withdrawal", "amount")}


class ServeError(SumchainError):
    """`sumchain serve` cannot start as asked (dev accounts on a remote node, a missing folder); one line."""


class Unreachable(SumchainError):
    """The node does not answer; one line naming its URL."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def big(value: Any) -> Any:
    """An integer JSON can carry exactly: as text above 2**53."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53 else value


class ChainApi:
    """The contract app over one node (`rpc`, or none: then it says how to give one)."""

    def __init__(self, rpc: str | None, deployments: Path | None, dev_accounts: bool, gas_price: int | None = None):
        if dev_accounts and not (rpc and is_loopback(urlsplit(rpc).hostname or "")):
            raise ServeError("--dev-accounts sends from the node's unlocked accounts, which only a dev node on "
                             "this machine has: give --rpc a loopback URL such as http://127.0.0.1:8545")
        if deployments is not None and not deployments.is_dir():
            raise ServeError(f"--deployments {deployments} is not a folder (give the folder of the manifests "
                             f"sumchain deploy wrote)")
        self.rpc, self.deployments, self.dev_accounts, self.gas_price = rpc, deployments, dev_accounts, gas_price
        self._opened: dict[str, LiveContract] = {}
        self._node = None
        self._lock = threading.Lock()          # one transaction at a time: nonces stay in order

    def routes(self) -> list[Route]:
        model = "/model/{address}"
        return [Route("/info", self._json(self.info)),
                Route("/models", self._json(self.models)),
                Route(model, self._json(self.model)),
                Route(model + "/account/{who}", self._json(self.account)),
                Route(model + "/predict", self._json(self.predict), methods=["POST"]),
                Route(model + "/quote", self._json(self.quote), methods=["POST"]),
                Route(model + "/prepare", self._json(self.prepare), methods=["POST"]),
                Route(model + "/send", self._json(self.send), methods=["POST"]),
                Route(model + "/receipt", self._json(self.receipt), methods=["POST"]),
                Route(model + "/contributions", self._json(self.contributions)),
                Route(model + "/accuracy", self._json(self.accuracy)),
                Route(model + "/history", self._json(self.history))]

    @staticmethod
    def _json(handler: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]):
        """A Starlette endpoint from `handler(path and query parameters, JSON body)`, run in a thread
        (the node is asked synchronously); sumchain's errors become one line of JSON."""
        from starlette.concurrency import run_in_threadpool

        async def endpoint(request: Request) -> JSONResponse:
            body: dict[str, Any] = {}
            if request.method == "POST":
                try:
                    body = json.loads(await request.body() or b"{}")
                except ValueError:
                    return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
                if not isinstance(body, dict):
                    return JSONResponse({"error": "the request body must be a JSON object"}, status_code=400)
            params = {**request.query_params, **request.path_params}
            try:
                return JSONResponse(await run_in_threadpool(handler, params, body))
            except Unreachable as error:
                return JSONResponse({"error": str(error)}, status_code=502)
            except SumchainError as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        return endpoint

    # -- the node and its contracts ----------------------------------------------------------
    def _rpc(self) -> str:
        if not self.rpc:
            raise ServeError("no node: start sumchain serve with --rpc URL (for a dev node: sumchain node, "
                             "then --rpc http://127.0.0.1:8545)")
        return self.rpc

    def _manifests(self) -> list[tuple[Path, Any]]:
        """(file, manifest or the one-line reason it cannot be used) for each JSON file in --deployments."""
        if self.deployments is None:
            return []
        found = []
        for path in sorted(self.deployments.glob("*.json")):
            try:
                found.append((path, read_manifest(path)))
            except SumchainError as error:
                found.append((path, str(error)))
        return found

    def _manifest_for(self, address: str) -> Path | None:
        for path, manifest in self._manifests():
            if not isinstance(manifest, str) and manifest.address.lower() == address:
                return path
        return None

    def _open(self, address: str) -> LiveContract:
        address = str(address).lower()
        if not is_address(address):
            raise ContractError(f"a contract address is 0x and 40 hex digits, got {address[:60]!r}")
        with self._lock:
            if address not in self._opened:
                manifest = self._manifest_for(address)
                try:
                    self._opened[address] = open_contract(str(manifest) if manifest else None, self._rpc(),
                                                          address, gas_price=self.gas_price)
                except SumchainError:
                    raise
                except Exception as error:      # connection refused and the like, from requests or web3
                    raise Unreachable(f"the node at {self.rpc} does not answer: {type(error).__name__}") from None
            return self._opened[address]

    def _backend(self):
        """The node, connected once (reads only: sends go through an opened contract's own backend)."""
        from sumchain.engines.rpc import RpcBackend

        if self._node is None:
            try:
                self._node = RpcBackend(self._rpc(), impersonate=False)
            except SumchainError:
                raise
            except Exception as error:
                raise Unreachable(f"the node at {self.rpc} does not answer: {type(error).__name__}") from None
        return self._node

    # -- reads -------------------------------------------------------------------------------
    def info(self, params, body) -> dict[str, Any]:
        if not self.rpc:
            return {"rpc": None, "chain_id": None, "dev_accounts": False, "accounts": []}
        backend = self._backend()
        accounts = []
        if self.dev_accounts:
            accounts = [{"address": a} for a in backend.unlocked_accounts]
        return {"rpc": self.rpc, "chain_id": backend.chain_id, "dev_accounts": self.dev_accounts,
                "block": int(backend.request("eth_blockNumber"), 16), "accounts": accounts}

    def models(self, params, body) -> dict[str, Any]:
        chain_id = self._backend().chain_id if self.rpc else None
        listed, skipped = [], []
        for path, manifest in self._manifests():
            if isinstance(manifest, str):
                skipped.append({"file": path.name, "reason": manifest})
            elif not (manifest.finished and manifest.address):
                skipped.append({"file": path.name, "reason": "the deployment is not finished"})
            elif manifest.chain_id != chain_id:
                skipped.append({"file": path.name, "reason": f"on chain {manifest.chain_id}, not the node's"})
            else:
                try:
                    contract = self._open(manifest.address)
                    listed.append({"file": path.name, "address": contract.address, "family": contract.family,
                                   "mechanism": contract.parameters.mechanism, "contributions": contract.count(),
                                   "verified": contract.total_verified(),
                                   "class_names": list(contract.class_names)})
                except ContractError as error:
                    skipped.append({"file": path.name, "reason": str(error)})
        return {"chain_id": chain_id, "models": listed, "skipped": skipped}

    def model(self, params, body) -> dict[str, Any]:
        contract = self._open(params["address"])
        p = contract.parameters
        try:
            cost, why_not = money(contract.cost_to_add()), None
        except Refused as refusal:
            cost, why_not = None, refusal.reason
        encoder = contract.manifest.encoder.get("kind") if contract.manifest else "features"
        return {"address": contract.address, "chain_id": contract.chain_id,
                "file": self._manifest_for(contract.address).name if contract.manifest else None,
                "parameters": {k: big(v) for k, v in vars(p).items()}, "class_names": list(contract.class_names),
                "text": encoder not in (None, "features"), "encoder": encoder,
                "cost_to_add": cost, "cost_refusal": why_not, "contributions": contract.count(),
                "verified": contract.total_verified(), "first_block": contract.first_block,
                "block": contract.block_number(), "time": contract.now(), "time_utc": when(contract.now()),
                "refund_wait": f"{p.refund_wait_s:,} s", "page_blocks": LOG_PAGE_BLOCKS}

    def account(self, params, body) -> dict[str, Any]:
        contract, who = self._open(params["address"]), self._address(params["who"], "the account")
        (earned,) = contract.read("withdrawable", who)
        return {"address": who, "balance": money(contract.balance(who)), "verified": contract.verified(who),
                "reported": contract.reported(who), "withdrawable": money(earned)}

    def predict(self, params, body) -> dict[str, Any]:
        contract = self._open(params["address"])
        x = self._sample(contract, body)
        y = contract.predict(x)
        return {"prediction": y, "class_name": contract.class_name(y), "features": [int(i) for i in x]}

    def contributions(self, params, body) -> dict[str, Any]:
        """The contributions added in a block range, each as `viewer` may claim it now."""
        contract = self._open(params["address"])
        viewer = self._address(params.get("viewer"), "viewer") if params.get("viewer") else None
        first, last = self._range(contract, params)
        found, payouts = contract.history(first, last)
        claims = contract.preview(viewer, found) if viewer else [None] * len(found)
        rows = []
        for c, claim in zip(found, claims):
            row = claim_data(claim) if claim else {"id": c.id, "author": c.author, "label": c.y,
                                                   "added_time": c.time, "deposit": money(c.cost)}
            rows.append({**row, **self._described(contract, c),
                         "payouts": [{"kind": p.kind, "claimer": p.claimer, "amount": money(p.amount),
                                      "block": p.block, "tx_hash": p.tx_hash} for p in payouts.get(c.key, ())]})
        return {"viewer": viewer, "from_block": first, "to_block": last, "first_block": contract.first_block,
                "latest": contract.block_number(), "contributions": rows}

    def history(self, params, body) -> dict[str, Any]:
        """The contract's events in a block range: contributions added, refunds and reports paid."""
        contract = self._open(params["address"])
        first, last = self._range(contract, params)
        events = []
        for name, fields, log in contract.logs(("DataAdded", "Refund", "Report"), first, last):
            block = int(log["blockNumber"], 16)
            if name == "DataAdded":
                events.append({"event": "added", "block": block, "tx_hash": log["transactionHash"],
                               "who": fields["sender"], "id": int(fields["id"]), "label": int(fields["y"]),
                               "class_name": contract.class_name(int(fields["y"])), "amount": money(fields["cost"]),
                               "time_utc": when(int(fields["time"]))})
            else:
                events.append({"event": name.lower(), "block": block, "tx_hash": log["transactionHash"],
                               "who": fields["claimer"], "amount": money(fields["amount"])})
        return {"from_block": first, "to_block": last, "first_block": contract.first_block,
                "latest": contract.block_number(), "events": events}

    def accuracy(self, params, body) -> dict[str, Any]:
        """The model's accuracy on its manifest's test set at up to MAX_POINTS blocks (cached beside the
        manifests)."""
        return accuracy_history(self._open(params["address"]), self.deployments)

    # -- the calls that move money -----------------------------------------------------------
    def prepare(self, params, body) -> dict[str, Any]:
        """The checked call for a wallet to sign: to, data, value (and what it will do)."""
        contract = self._open(params["address"])
        sender = self._address(body.get("from"), "from")
        function, value, arguments, plan = self._call(contract, sender, body)
        data = contract.prepare(sender, function, value, *arguments)
        return {**plan, "function": function, "to": contract.address, "data": "0x" + data.hex(), "value": hex(value),
                "chain_id": contract.chain_id}

    def send(self, params, body) -> dict[str, Any]:
        """The call sent from one of the node's unlocked accounts (--dev-accounts only)."""
        if not self.dev_accounts:
            raise ServeError("this server does not send from the node's accounts: sign with your wallet, or start "
                             "sumchain serve with --dev-accounts on a dev node")
        contract = self._open(params["address"])
        sender = self._address(body.get("from"), "from")
        if sender not in contract.backend.unlocked_accounts:
            raise ContractError(f"{sender} is not an unlocked account of the node")
        function, value, arguments, plan = self._call(contract, sender, body)
        with self._lock:
            sent = contract.send(Signer(sender, "unlocked account of the node"), function, value, *arguments)
        return {**plan, **self._sent(contract, sent.event, function), **sent_data(sent), "from": sender,
                "balance": money(contract.balance(sender))}

    def receipt(self, params, body) -> dict[str, Any]:
        """What a wallet's transaction did, once mined: gas, fee and the contract's event."""
        contract = self._open(params["address"])
        tx_hash = str(body.get("tx_hash", ""))
        if not (tx_hash.startswith("0x") and len(tx_hash) == 66):
            raise ContractError(f"tx_hash must be 0x and 64 hex digits, got {tx_hash[:70]!r}")
        function = body.get("function")
        if function not in MOVED:
            raise ContractError(f"function must be one of {', '.join(MOVED)}, got {str(function)[:40]!r}")
        deadline = time.monotonic() + RECEIPT_WAIT_S
        while (found := contract.backend.request("eth_getTransactionReceipt", [tx_hash])) is None:
            if time.monotonic() > deadline:
                raise ContractError(f"transaction {tx_hash} was not mined within {RECEIPT_WAIT_S:.0f} s")
            time.sleep(0.25)
        gas_used, price = int(found["gasUsed"], 16), int(found.get("effectiveGasPrice") or "0x0", 16)
        sender = found["from"].lower()
        answer = {"tx_hash": tx_hash, "block": int(found["blockNumber"], 16), "gas_used": gas_used,
                  "gas_price_wei": str(price), "fee": money(gas_used * price), "from": sender,
                  "balance": money(contract.balance(sender))}
        if int(found["status"], 16) != 1:
            raise Refused(f"transaction {tx_hash} was mined and reverted, using {gas_used:,} gas")
        return {**answer, **self._sent(contract, contract.decode_events(found["logs"]).get(MOVED[function][0], {}),
                                       function)}

    def _call(self, contract: LiveContract, sender: str, body: dict) -> tuple[str, int, tuple, dict]:
        """(function, value, arguments, what it will do) for an add, refund or report by `sender`,
        after the checks `sumchain contract` makes; a refusal says why, and when that may change."""
        action = body.get("action")
        if action == "add":
            x, y, plan = self._add_plan(contract, body)
            deposit = int(plan["cost"]["wei"]) if body.get("deposit") in (None, "") else self._coins(body["deposit"])
            if deposit < int(plan["cost"]["wei"]):
                raise ContractError(f"the deposit {money(deposit)['coins']} coins is below the cost to add this "
                                    f"sample now, {plan['cost']['coins']} coins: send at least that (the rest is "
                                    f"returned)")
            return "add_data", deposit, (contract.pack(x), y), {**plan, "action": action, "deposit": money(deposit)}
        if action in ("refund", "report"):
            try:
                number = int(body.get("id"))
            except (TypeError, ValueError):
                raise ContractError(f"id must be a contribution's number, got {str(body.get('id'))[:40]!r}") from None
            c = contract.find(number)
            claim = contract.claim(action, sender, c)
            if claim.action != action:
                raise Refused(f"{action} of contribution {c.id} refused: {claim_data(claim)['words']}")
            return action, 0, contract.claim_arguments(action, c), {"action": action, "id": c.id,
                                                                     "amount": money(claim.amount)}
        if action == "withdraw":
            (amount,) = contract.read("withdrawable", sender)
            if not amount:
                raise Refused("nothing to withdraw: this address has no earnings from paid predictions")
            return "withdraw", 0, (), {"action": action, "amount": money(amount)}
        raise ContractError(f"action must be add, refund, report or withdraw, got {str(action)[:40]!r}")

    def _add_plan(self, contract: LiveContract, body: dict) -> tuple[Any, int, dict[str, Any]]:
        """(sample, label, what adding them would cost now and whether the model agrees)."""
        x, y = self._sample(contract, body), contract.label(str(body.get("label", "")))
        try:
            cost = contract.cost_to_add(x, y)
        except Refused as refusal:
            raise Refused(f"adding is not possible now: {refusal.reason}") from None
        prediction = contract.predict(x)
        return x, y, {"features": [int(i) for i in x], "label": y, "cost": money(cost), "prediction": prediction,
                      "class_name": contract.class_name(prediction), "model_agrees": prediction == y}

    def quote(self, params, body) -> dict[str, Any]:
        """What adding this sample with this label would cost now (the default deposit)."""
        return self._add_plan(self._open(params["address"]), body)[2]

    def _sent(self, contract: LiveContract, event: dict, function: str) -> dict[str, Any]:
        moved = int(event.get(MOVED[function][1], 0)) if event else 0
        facts: dict[str, Any] = {"moved": money(moved)}
        if function == "add_data" and event:
            facts.update(id=int(event["id"]), added_time=int(event["time"]), cost=money(moved),
                         model_updated=bool(event["model_updated"]),
                         refund_possible_from_utc=when(int(event["time"]) + contract.parameters.refund_wait_s + 1))
        return facts

    # -- input -------------------------------------------------------------------------------
    @staticmethod
    def _address(text: Any, what: str) -> str:
        text = str(text or "")
        if not is_address(text):
            raise ContractError(f"{what} must be a 0x-address of 40 hex digits, got {text[:60]!r}")
        return text.lower()

    @staticmethod
    def _coins(text: Any) -> int:
        try:
            return parse_coins(str(text), "the deposit")
        except SumchainError as error:
            raise ContractError(str(error)) from None

    @staticmethod
    def _sample(contract: LiveContract, body: dict):
        features, text = body.get("features"), body.get("text")
        if features not in (None, ""):
            parts = str(features).replace(" ", "").split(",")
            try:
                values = [int(part) for part in parts] if parts != [""] else []
            except ValueError:
                raise ContractError(f"features must be whole numbers separated by commas, such as 1,4,17; "
                                    f"got {str(features)[:60]!r}") from None
            return contract.features(values)
        if not isinstance(text, str) or not text.strip():
            raise ContractError("give the sample: its text, or its feature indices")
        return contract.features(contract.encode(text))

    @staticmethod
    def _described(contract: LiveContract, c) -> dict[str, Any]:
        words = feature_words(contract.manifest.encoder, c.x) if contract.manifest else None
        return {"class_name": contract.class_name(c.y), "features": [int(i) for i in c.x], "sample_words": words,
                "block": c.block, "tx_hash": c.tx_hash, "added_utc": when(c.time)}

    @staticmethod
    def _range(contract: LiveContract, params: dict) -> tuple[int, int]:
        """The block range asked for (from_block, to_block), else the newest page of LOG_PAGE_BLOCKS."""
        latest = contract.block_number()
        try:
            last = int(params["to_block"]) if params.get("to_block") not in (None, "") else latest
            first = int(params["from_block"]) if params.get("from_block") not in (None, "") else \
                max(contract.first_block, last - LOG_PAGE_BLOCKS + 1)
        except ValueError:
            raise ContractError("from_block and to_block must be whole block numbers") from None
        if first < 0 or last < first:
            raise ContractError(f"the block range {first}..{last} is empty or negative; give from_block <= to_block")
        return first, min(last, latest)
