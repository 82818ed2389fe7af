"""A deployed trainer contract on a node, for a person: open it, check it is sumchain's, read it, send to it.

Why the checks on opening: a contributor sends money to an address. Before anything is sent the
node must be on the manifest's chain, the address must hold code, and that code must be one of
sumchain's compiled trainers (the runtime code of an artefact in `engines/evm/contracts/artefacts.json`,
followed by the values of its immutables, which Vyper appends: MECHANISM); when the manifest gives a
`code_hash`, keccak256 of the code must equal it. Each failed check is a `ContractError` (one line).

Without a manifest (`open_contract(rpc_url=..., address=...)`) the family is the matching artefact's
and the parameters are the contract's public getters; there is then no text encoder and no class
names (features and class indices only).

The contract stores only what its rules need; a contribution's sample, label, time and author live in
its DataAdded event, so everything that names a contribution by id reads the events (`contributions`,
`find`), page by page over block ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterator

import numpy as np
import requests

from sumchain.config import DENSE_MODELS, EVM_MODELS
from sumchain.contract import reasons as R
from sumchain.contract.samples import check_features
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import Artefact, trainer_artefact, trainer_name
from sumchain.engines.evm.backend import TX_GAS_CAP, keccak256
from sumchain.engines.rpc.backend import GAS_MARGIN, RpcBackend
from sumchain.errors import Rejected, SumchainError
from sumchain.live.encoder import encode_text
from sumchain.live.manifest import Manifest, read_manifest
from sumchain.live.signers import Signer, is_address
from sumchain.live.words import LOG_PAGE_BLOCKS  # noqa: F401 (beside the words: the CLI's parser reads it without web3)

MECHANISMS = ("stakeable", "points", "quality_priced")
"""By the contract's MECHANISM number."""

PREVIEW_BOUND = 1024
"""The contract's array bound of claim_preview."""

READ_BLOCK = "pending"
"""Reads run on the pending block: its time is the one a transaction sent now gets, whereas the latest
block's time may be the very second of the last add, when no data can be added yet."""


MOVED = {"add_data": ("DataAdded", "cost"), "refund": ("Refund", "amount"), "report": ("Report", "amount"),
         "withdraw": ("Withdrawal", "amount")}
"""The event and field that say what a sent call moved (the cost taken, or the amount paid)."""


class ContractError(SumchainError):
    """The deployment cannot be opened or used as asked (wrong chain, no or foreign code, a bad
    argument, a deposit below the cost); one line, and nothing was sent."""


class Refused(Rejected):
    """The contract refuses the call (the contract's own reason); raised before sending when a read
    shows it, or after a mined transaction reverted."""


@dataclass(frozen=True)
class Parameters:
    """The deployed contract's rules, read from its public getters."""

    family: str
    mechanism: str
    num_features: int
    max_features: int
    num_classes: int
    refund_wait_s: int
    any_address_claim_wait_s: int
    owner_claim_wait_s: int
    cost_weight: int
    quality_weight: int
    margin_scale: int
    owner: str
    initialising: bool


@dataclass(frozen=True)
class Contribution:
    """One contribution, as its DataAdded event tells it."""

    id: int
    author: str
    x: np.ndarray = field(repr=False, compare=False)     # compared through `packed`
    packed: bytes = field(repr=False)
    y: int
    time: int
    cost: int
    model_updated: bool
    block: int
    tx_hash: str
    key: bytes = field(repr=False)


@dataclass(frozen=True)
class Payout:
    """A refund or report paid from a contribution, as its Refund or Report event tells it."""

    kind: str                     # "refund" or "report"
    claimer: str
    amount: int
    block: int
    tx_hash: str


@dataclass(frozen=True)
class Claim:
    """What a refund or report of one contribution by `claimer` would do now, and when that changes."""

    contribution: Contribution
    claimer: str
    action: str                   # "refund", "report" or "none" (R.ACTIONS)
    amount: int                   # base units the call would pay now
    code: int                     # R.OK with an action, else the refusal's code (R.REASONS)
    reason: str                   # the contract's words for the code ("" with an action)
    settled: bool                 # nothing more can ever be claimed from it
    prediction: int               # the model's prediction for its sample now
    possible_from: int | None     # when waiting would make `then` possible (block time), else None
    then: str | None              # the action possible from that time
    condition: str = ""           # what must still hold then, in words ("if the model agrees with it then")


@dataclass(frozen=True)
class Sent:
    """A mined transaction: its hash, gas, and the amount it moved (cost taken or amount paid)."""

    function: str
    tx_hash: str
    block: int
    gas_used: int
    gas_price: int
    value: int
    amount: int
    event: dict[str, Any] = field(repr=False)

    @property
    def fee(self) -> int:
        return self.gas_used * self.gas_price


def when(timestamp: int) -> str:
    """A block time for a person, rounded up to the minute (from that minute on, it is possible)."""
    moment = datetime.fromtimestamp(-(-int(timestamp) // 60) * 60, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def immutables_bytes(artefact: Artefact) -> int:
    """How many bytes of immutable values Vyper appends to the runtime code of `artefact`'s deployment,
    read from the CBOR trailer of its initcode ([integrity, runtime size, data sizes, immutables
    size, {"vyper": version}], then the trailer's length, these two bytes included)."""
    code = artefact.bytecode
    length = int.from_bytes(code[-2:], "big")
    items = _cbor(code[-length:-2] if 2 < length <= len(code) else b"", 0)[0]
    if not isinstance(items, list) or len(items) < 4 or not isinstance(items[3], int):
        raise SumchainError(f"the artefact {artefact.name} has no Vyper metadata trailer; rebuild the artefacts")
    return items[3]


def _cbor(data: bytes, at: int) -> tuple[Any, int]:
    """The CBOR item at `at` (unsigned integers, byte and text strings, arrays, maps) and where it ends."""
    if at >= len(data):
        return None, at
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        value = info
    elif info <= 27:
        size = 1 << (info - 24)
        value, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        return None, len(data)
    if major == 0:
        return value, at
    if major in (2, 3):
        return data[at:at + value], at + value
    if major in (4, 5):
        items = []
        for _ in range(value * (2 if major == 5 else 1)):
            item, at = _cbor(data, at)
            items.append(item)
        return items, at
    return None, len(data)


def match_artefact(code: bytes) -> Artefact | None:
    """The trainer artefact whose runtime code `code` is (plus its immutables), or None."""
    for family in EVM_MODELS:
        artefact = trainer_artefact(family)
        if (artefact.runtime and code.startswith(artefact.runtime)
                and len(code) == len(artefact.runtime) + immutables_bytes(artefact)):
            return artefact
    return None


def open_contract(deployment: str | None = None, rpc_url: str | None = None, address: str | None = None,
                  gas_price: int | None = None) -> "LiveContract":
    """Open a deployment from its manifest (`deployment`; `rpc_url` overrides its URL) or from an address
    on the node at `rpc_url`, after the checks in the module's docstring. Nothing is sent."""
    manifest = read_manifest(deployment) if deployment else None
    if manifest is not None and not (manifest.address and manifest.finished):
        raise ContractError(f"the deployment in {deployment} is not finished (no address yet, or the model's "
                            f"state is not all written): finish it with sumchain deploy --resume --manifest "
                            f"{deployment}")
    if manifest is None and not (rpc_url and address):
        raise ContractError("say which contract: --deployment FILE (the manifest sumchain deploy wrote), "
                            "or --rpc URL with --at 0xADDRESS")
    if address is not None and not is_address(address):
        raise ContractError(f"--at must be a 0x-address of 40 hex digits, got {address!r}")
    if manifest is not None and address is not None and address.lower() != manifest.address.lower():
        raise ContractError(f"--at {address} is not the address in the manifest ({manifest.address}); "
                            f"give one or the other")
    address = (address or manifest.address).lower()
    url = rpc_url or manifest.rpc_url
    backend = RpcBackend(url, gas_price=0, impersonate=False)
    if manifest is not None and backend.chain_id != int(manifest.chain_id):
        raise ContractError(f"the node at {url} is chain {backend.chain_id}, but the deployment is on chain "
                            f"{manifest.chain_id}: give --rpc the URL of a node of chain {manifest.chain_id}")
    code = bytes.fromhex(backend.request("eth_getCode", [address, "latest"]).removeprefix("0x"))
    if not code:
        raise ContractError(f"there is no contract at {address} on chain {backend.chain_id} ({url}): "
                            f"check the address, the node, or whether the deployment finished")
    artefact = match_artefact(code)
    if artefact is None:
        raise ContractError(f"the code at {address} on chain {backend.chain_id} is not a sumchain trainer "
                            f"(it matches none of the compiled trainers of this sumchain version)")
    if manifest is not None:
        if artefact.name != manifest.artefact:
            raise ContractError(f"the code at {address} is {artefact.name}, but the manifest says "
                                f"{manifest.artefact}")
        if manifest.code_hash and "0x" + keccak256(code).hex() != manifest.code_hash.lower():
            raise ContractError(f"the code at {address} does not have the manifest's code_hash "
                                f"{manifest.code_hash}: a different contract is deployed there")
    backend.gas_price = int(backend.request("eth_gasPrice"), 16) if gas_price is None else int(gas_price)
    return LiveContract(backend, address, artefact, manifest)


class LiveContract:
    """An opened deployment: free reads and the three calls that move money."""

    def __init__(self, backend: RpcBackend, address: str, artefact: Artefact, manifest: Manifest | None = None):
        self.backend = backend
        self.address = address
        self.artefact = artefact
        self.manifest = manifest
        self.family = artefact.name.removeprefix(trainer_name(""))
        self._functions, self._events = abi.interface(artefact.abi)
        self._topics = {event.name: topic for topic, event in self._events.items()}
        self.parameters = self._read_parameters()
        self._dense = self.family in DENSE_MODELS

    def __repr__(self) -> str:
        return f"LiveContract(address={self.address}, chain_id={self.chain_id}, family={self.family})"

    @property
    def chain_id(self) -> int:
        return self.backend.chain_id

    @property
    def first_block(self) -> int:
        """Where its events start: the manifest's creation block, else the chain's first."""
        return int(self.manifest.block) if self.manifest is not None else 0

    def has_function(self, name: str) -> bool:
        return name in self._functions


    # -- samples and labels ------------------------------------------------------------------
    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(self.manifest.class_names) if self.manifest is not None else ()

    def encode(self, text: str) -> np.ndarray:
        if self.manifest is None:
            raise ContractError("without a deployment manifest there is no text encoder: give the sample's "
                                "feature indices (--features 1,4,17) or open it with --deployment FILE")
        return encode_text(self.manifest.encoder, text)

    def features(self, x) -> np.ndarray:
        """The sample checked as the contract checks it (sorted distinct indices in range, within the
        bound), so a bad sample is refused before anything is sent."""
        try:
            x = check_features(x, self.parameters.num_features, self._dense)
        except Rejected as error:
            raise ContractError(str(error)) from None
        if not self._dense and len(x) > self.parameters.max_features:
            raise ContractError(f"a sample may have at most {self.parameters.max_features} present features, "
                                f"got {len(x)}")
        return x

    def label(self, text: str | int) -> int:
        """A class index, or a class name of the manifest's."""
        classes = self.parameters.num_classes
        names = self.class_names
        text = str(text).strip()
        if text in names:
            return names.index(text)
        if text.isdigit() and int(text) < classes:
            return int(text)
        named = f" or a name: {', '.join(names)}" if names else ""
        raise ContractError(f"--label must be a class index from 0 to {classes - 1}{named}; got {text!r}")

    def class_name(self, y: int) -> str:
        names = self.class_names
        return f"{names[y]} (class {y})" if y < len(names) else f"class {y}"

    def pack(self, x: np.ndarray) -> bytes:
        return abi.pack_dense(x) if self._dense else abi.pack(x)

    def unpack(self, words: bytes) -> np.ndarray:
        if self._dense:
            return abi.unpack_dense(words, self.parameters.num_features)
        return abi.unpack(words)

    # -- free reads --------------------------------------------------------------------------
    def read(self, function: str, *args: Any) -> tuple:
        outcome = self.backend.call(self.address, self._functions[function].calldata(*args), block=READ_BLOCK,
                                    gas=TX_GAS_CAP)
        if not outcome.success:
            raise Refused(abi.revert_reason(outcome.output))
        return self._functions[function].result(outcome.output)

    def _read_parameters(self) -> Parameters:
        num_features, max_features, num_classes = self.read("model_shape")
        one = lambda name: self.read(name)[0]      # noqa: E731
        mechanism = one("MECHANISM")
        if mechanism >= len(MECHANISMS):          # the constructor refuses these: not a real deployment
            raise ContractError(f"the contract at {self.address} has mechanism number {mechanism}, which no "
                                f"deployment of a sumchain trainer can have")
        return Parameters(self.family, MECHANISMS[mechanism], num_features, max_features, num_classes,
                          one("refund_wait_s"), one("any_address_claim_wait_s"), one("owner_claim_wait_s"),
                          one("cost_weight"), one("weight"), one("margin_scale"), one("owner"),
                          one("initialising"))

    def now(self) -> int:
        """The time a transaction sent now would carry (the pending block's; the latest block's on a node
        without one)."""
        block = self.backend.request("eth_getBlockByNumber", [READ_BLOCK, False]) or \
            self.backend.request("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def block_number(self) -> int:
        return int(self.backend.request("eth_blockNumber"), 16)

    def cost_to_add(self, x: np.ndarray | None = None, y: int | None = None) -> int:
        """What add_data would take now (for exactly this sample and label, when given); `Refused` with
        the contract's reason when no data can be added now."""
        if x is None or y is None:
            return self.read("cost_to_add")[0]
        return self.read("cost_to_add_for", self.pack(x), y)[0]

    def predict(self, x: np.ndarray) -> int:
        return self.read("predict", self.pack(x))[0]

    def predict_at(self, block: int, samples: list[np.ndarray]) -> list[int]:
        """The model's predictions as of `block` (after its transactions), in one JSON-RPC batch: the node
        must keep that block's state (a dev node keeps all; a public chain needs an archive node)."""
        if not samples:
            return []
        function = self._functions["predict"]
        batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_call",
                  "params": [{"to": self.address, "data": "0x" + function.calldata(self.pack(x)).hex(),
                              "gas": hex(TX_GAS_CAP)}, hex(block)]} for i, x in enumerate(samples)]
        try:
            response = requests.post(self.backend.url, json=batch, timeout=120)
            answers = {a["id"]: a for a in response.json()}
        except (requests.RequestException, ValueError, TypeError, KeyError):
            raise ContractError(f"the node at {self.backend.url} did not answer a batch of predictions at block "
                                f"{block}") from None
        predictions = []
        for i in range(len(samples)):
            answer = answers.get(i, {})
            if "result" not in answer:
                reason = (answer.get("error") or {}).get("message", "no answer")
                raise ContractError(f"the node cannot read the model at block {block} ({reason}): it may not "
                                    f"keep that block's state; use an archive node")
            predictions.append(int(function.result(bytes.fromhex(answer["result"][2:]))[0]))
        return predictions

    def balance(self, address: str) -> int:
        return int(self.backend.request("eth_getBalance", [address, "latest"]), 16)

    def verified(self, address: str) -> int:
        return self.read("verified", address)[0]

    def total_verified(self) -> int:
        return self.read("total_verified")[0]

    def reported(self, address: str) -> int:
        return self.read("reported", address)[0]

    def count(self) -> int:
        """How many contributions the contract holds. claim_preview answers NO_SUCH_CONTRIBUTION exactly
        for the ids at or past the count, so a few batched reads find it without reading the events."""
        def exists(ids: list[int]) -> list[bool]:
            codes = self.read("claim_preview", self.address, ids, [0] * len(ids))[2]
            return [code != R.NO_SUCH_CONTRIBUTION for code in codes]

        probes = [0] + [2**k for k in range(63)]
        found = exists(probes)
        if not found[0]:
            return 0
        last = max(i for i, ok in enumerate(found) if ok)
        low = probes[last]                             # exists
        high = probes[last + 1] if last + 1 < len(probes) else 2**63       # does not exist
        while high - low > 1:
            step = max(1, (high - low) // PREVIEW_BOUND)
            ids = list(range(low + 1, high, step))[:PREVIEW_BOUND]
            for i, ok in zip(ids, exists(ids)):
                if ok:
                    low = i
                else:
                    high = i
                    break
        return high

    # -- events ------------------------------------------------------------------------------
    def logs(self, names: tuple[str, ...], from_block: int | None = None, to_block: int | None = None,
             page_blocks: int = LOG_PAGE_BLOCKS) -> Iterator[tuple[str, dict[str, Any], dict]]:
        """(event name, its fields, the raw log) of this contract's events, oldest first, read
        `page_blocks` blocks per request."""
        if page_blocks < 1:
            raise ContractError(f"the page size must be at least 1 block, got {page_blocks}")
        first = self.first_block if from_block is None else int(from_block)
        last = self.block_number() if to_block is None else int(to_block)
        if first < 0 or last < 0:
            raise ContractError(f"a block number is a whole number from 0, got {min(first, last)}")
        if last < first:
            raise ContractError(f"the block range {first}..{last} is empty; give --from-block <= --to-block")
        topics = [["0x" + self._topics[name].hex() for name in names]]
        for start in range(first, last + 1, page_blocks):
            end = min(last, start + page_blocks - 1)
            for log in self.backend.request("eth_getLogs", [{"address": self.address, "fromBlock": hex(start),
                                                             "toBlock": hex(end), "topics": topics}]):
                raw_topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
                event = self._events[raw_topics[0]]
                yield event.name, event.decode(raw_topics, bytes.fromhex(log["data"][2:])), log

    def contributions(self, from_block: int | None = None, to_block: int | None = None,
                      page_blocks: int = LOG_PAGE_BLOCKS) -> Iterator[Contribution]:
        for _, fields, log in self.logs(("DataAdded",), from_block, to_block, page_blocks):
            yield self._contribution(fields, log)

    def history(self, from_block: int | None = None, to_block: int | None = None,
                page_blocks: int = LOG_PAGE_BLOCKS) -> tuple[list[Contribution], dict[bytes, list[Payout]]]:
        """The contributions and, by contribution key, the refunds and reports paid from them, in one
        pass over the events (a claim's event names its contribution by key)."""
        contributions, payouts = [], {}
        for name, fields, log in self.logs(("DataAdded", "Refund", "Report"), from_block, to_block, page_blocks):
            if name == "DataAdded":
                contributions.append(self._contribution(fields, log))
            else:
                payouts.setdefault(bytes(fields["key"]), []).append(Payout(
                    name.lower(), fields["claimer"], int(fields["amount"]), int(log["blockNumber"], 16),
                    log["transactionHash"]))
        return contributions, payouts

    def _contribution(self, fields: dict[str, Any], log: dict) -> Contribution:
        return Contribution(int(fields["id"]), fields["sender"], self.unpack(fields["x"]), bytes(fields["x"]),
                            int(fields["y"]), int(fields["time"]), int(fields["cost"]),
                            bool(fields["model_updated"]), int(log["blockNumber"], 16), log["transactionHash"],
                            bytes(fields["key"]))

    def find(self, contribution_id: int, from_block: int | None = None,
             page_blocks: int = LOG_PAGE_BLOCKS) -> Contribution:
        """The contribution with this id, from its DataAdded event."""
        if contribution_id < 0:
            raise ContractError(f"a contribution id is a whole number from 0, got {contribution_id}")
        for contribution in self.contributions(from_block, None, page_blocks):
            if contribution.id == contribution_id:
                return contribution
        count = self.count()
        if contribution_id >= count:
            holds = f"the contract holds {count} (ids 0 to {count - 1})" if count else "the contract holds none yet"
            raise ContractError(f"there is no contribution {contribution_id}: {holds}")
        raise ContractError(f"contribution {contribution_id} was not found in the events from block "
                            f"{self.first_block if from_block is None else from_block}: give an earlier --from-block")

    # -- what a claim would do ---------------------------------------------------------------
    def preview(self, claimer: str, contributions: list[Contribution]) -> list[Claim]:
        """claim_preview for these contributions by `claimer`, judged with the model's predictions now."""
        claims = []
        for start in range(0, len(contributions), PREVIEW_BOUND):
            batch = contributions[start:start + PREVIEW_BOUND]
            predictions = [self.read("predict", c.packed)[0] for c in batch]
            actions, amounts, codes, settled = self.read("claim_preview", claimer, [c.id for c in batch],
                                                         predictions)
            for c, prediction, action, amount, code, done in zip(batch, predictions, actions, amounts, codes,
                                                                 settled):
                then, moment, condition = self._later(int(code), c, claimer, prediction)
                claims.append(Claim(c, claimer, R.ACTIONS[action], int(amount), int(code), R.REASONS[code],
                                    bool(done), int(prediction), moment, then, condition))
        return claims

    def claim(self, action: str, claimer: str, contribution: Contribution) -> Claim:
        """What `action` ("refund" or "report") by `claimer` would do now: the preview when it allows
        exactly this action, else the contract's own refusal of the call, and when that may change."""
        (preview,) = self.preview(claimer, [contribution])
        if preview.action == action:
            return preview
        if action == "refund" and claimer != contribution.author:
            # the call would look for the claimer's own contribution and not find it; the rule is this one
            return replace(preview, action="none", amount=0, code=R.NOT_AUTHOR, reason=R.REASONS[R.NOT_AUTHOR],
                           possible_from=None, then=None, condition="")
        outcome = self.backend.call(self.address, self._claim_calldata(action, contribution), sender=claimer,
                                    block=READ_BLOCK, gas=TX_GAS_CAP)
        if outcome.success:         # the call would pass, though the preview's first choice is the other one
            return replace(preview, action=action, amount=int.from_bytes(outcome.output[:32], "big"), code=R.OK,
                           reason="", possible_from=None, then=None, condition="")
        reason = abi.revert_reason(outcome.output)
        code = R.REASONS.index(reason) if reason in R.REASONS else -1
        then, moment, condition = self._later(code, contribution, claimer, preview.prediction)
        if then != action:
            then, moment, condition = None, None, ""
        return Claim(contribution, claimer, "none", 0, code, reason, preview.settled, preview.prediction,
                     moment, then, condition)

    def _later(self, code: int, c: Contribution, claimer: str, prediction: int) -> tuple[str | None, int | None, str]:
        """(the action, the block time from which it becomes possible, what must still hold then) when
        waiting may remove the refusal `code`; (None, None, "") when waiting changes nothing."""
        p = self.parameters
        takes_all = c.time + p.any_address_claim_wait_s
        if claimer == p.owner:
            takes_all = min(takes_all, c.time + p.owner_claim_wait_s)
        after_wait = c.time + p.refund_wait_s + 1
        if code == R.TOO_EARLY_TO_REFUND:
            return "refund", after_wait, "if the model agrees with it then"
        if code == R.TOO_EARLY_TO_REPORT and prediction != c.y and self.verified(claimer) > 0:
            return "report", after_wait, "if the model still disagrees with it then"
        if code in (R.TOO_EARLY_TO_REPORT, R.OWN_BEFORE_ANY_ADDRESS_WAIT, R.ALREADY_REPORTED, R.MODEL_AGREES,
                    R.NO_VERIFIED, R.MODEL_DISAGREES):
            return "report", takes_all, "if anything is left to claim then"
        return None, None, ""

    def _claim_calldata(self, action: str, c: Contribution) -> bytes:
        return self._functions[action].calldata(*self.claim_arguments(action, c))

    # -- calls that send ---------------------------------------------------------------------
    def add(self, signer: Signer, x: np.ndarray, y: int, deposit: int) -> Sent:
        return self.send(signer, "add_data", deposit, self.pack(x), y)

    def refund(self, signer: Signer, contribution: Contribution) -> Sent:
        return self.send(signer, "refund", 0, *self.claim_arguments("refund", contribution))

    def report(self, signer: Signer, contribution: Contribution) -> Sent:
        return self.send(signer, "report", 0, *self.claim_arguments("report", contribution))

    def use(self, signer: Signer) -> None:
        """Send as `signer` from now on (its key, if it has one, signs locally)."""
        if signer.key:
            self.backend.add_key(signer.key)

    def send(self, signer: Signer, function: str, value: int, *args: Any) -> Sent:
        """One transaction, after a read of the same call shows it would pass (else `Refused`, nothing
        sent); a revert once mined is `Refused` too, with the transaction's hash and gas."""
        self.use(signer)
        data = self.prepare(signer.address, function, value, *args)
        outcome, receipt = self.backend.send(signer.address, self.address, data, value, self._gas_limit(signer,
                                                                                                       data, value))
        tx_hash = receipt["transactionHash"]
        price = int(receipt.get("effectiveGasPrice") or hex(self.backend.gas_price), 16)
        if not outcome.success:
            raise Refused(f"{abi.revert_reason(outcome.output)} (transaction {tx_hash} was mined and reverted, "
                          f"using {outcome.gas_used} gas)")
        events = {}
        for log in outcome.logs:
            event = self._events.get(log.topics[0]) if log.topics and log.address == self.address else None
            if event is not None:
                events[event.name] = event.decode(log.topics, log.data)
        name, key = MOVED.get(function, (None, None))
        event = events.get(name, {}) if name else {}
        amount = int(event.get(key, 0)) if key else 0
        return Sent(function, tx_hash, int(receipt["blockNumber"], 16), outcome.gas_used, price, value, amount,
                    event)

    def prepare(self, sender: str, function: str, value: int, *args: Any) -> bytes:
        """The call's data, once a read of the same call from `sender` shows it would pass (else
        `Refused`): what `send` sends, or what a wallet in a browser is asked to sign."""
        data = self._functions[function].calldata(*args)
        check = self.backend.call(self.address, data, sender=sender, value=value, block=READ_BLOCK, gas=TX_GAS_CAP)
        if not check.success:
            raise Refused(abi.revert_reason(check.output))
        return data

    def claim_arguments(self, action: str, c: Contribution) -> tuple:
        """The arguments of refund or report for contribution `c` (the call names it by its event's fields)."""
        return (c.packed, c.y, c.time) if action == "refund" else (c.packed, c.y, c.time, c.author)

    def decode_events(self, logs: list[dict]) -> dict[str, dict[str, Any]]:
        """This contract's events among a receipt's raw logs, by name."""
        events = {}
        for log in logs:
            topics = [bytes.fromhex(t[2:]) for t in log.get("topics", [])]
            event = self._events.get(topics[0]) if topics and log.get("address", "").lower() == self.address else None
            if event is not None:
                events[event.name] = event.decode(topics, bytes.fromhex(log["data"][2:]))
        return events

    def _gas_limit(self, signer: Signer, data: bytes, value: int) -> int:
        """The node's estimate plus a margin, within the per-transaction cap of recent hardforks."""
        estimate = self.backend.request("eth_estimateGas", [{"from": signer.address, "to": self.address,
                                                              "data": "0x" + data.hex(), "value": hex(value)},
                                                             READ_BLOCK])
        needed = int(estimate, 16)
        return max(needed, min(needed * GAS_MARGIN[0] // GAS_MARGIN[1], TX_GAS_CAP))
