"""The EVM engine's trainer: the contract's public functions as Python calls, over any EVM backend.

Same functions, arguments, results and refusals as `sumchain.contract.Trainer`: a call is encoded
for the Vyper contract, sent as one transaction from the sender's address, metered, recorded in the
ledger like every call, and a revert's reason becomes `sumchain.Rejected` with the same message.
Agents predict many samples locally from a copy of the model that follows the chain: each
DataAdded event carries the sample and whether the model moved, and the copy applies it (a
disagreement with the event, or a change made by someone else, triggers a read of the model's state).
Every model family with contract code runs here: the contract is the family's trainer and
`model_state` says how its state and samples travel.

A contribution's added time is the one its DataAdded event carries (the block's timestamp): on a
simulation's chain that is the simulator's clock, on a live chain the time the node mined it.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from sumchain.components import evm_mechanisms
from sumchain.contract import AddReceipt, ClaimPreview, ClaimRules, ContributionView
from sumchain.contract.incentives import MECHANISMS
from sumchain.contract.trainer import claim_rules_of
from sumchain.contract.samples import check_features, check_label
from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import Artefact
from sumchain.engines.evm.backend import Outcome, keccak256
from sumchain.engines.evm.chain import EvmChain
from sumchain.engines.evm.model_state import rebuild, row_widths, wire
from sumchain.errors import Rejected
from sumchain.ledger import Transfers
from sumchain.models import Model

PREVIEW_CHUNK = 1024
"""Contributions per claim_preview read (the contract's array bound)."""

STATE_CHUNK = 1000
"""State entries per read (the contract's array bound)."""

SAMPLE_PRICED = frozenset({"quality_priced"})
"""The mechanisms whose cost reads the sample (trainer.vy's `_cost_to_add`). For the others,
`cost_to_add_for(x, y)` of a sample that passed the checks answers exactly as `cost_to_add()`, which
the contract computes without unpacking the sample (a tenth of the work), so that read is asked."""

MAX_UINT256 = 2**256 - 1

_UNKNOWN_ID = np.iinfo(np.int64).max
"""What a negative id is sent as in `claim_preview`: an id no contribution has."""


class EvmTrainer:
    """A deployed SUM contract on an EVM: `add_data`, `refund`, `report`, `predict`, plus free reads."""

    def __init__(self, chain: EvmChain, artefact: Artefact, address: str, template: Model, owner: str = "owner"):
        """`template`: a model of the deployed family with its parameters (the state is read from the chain)."""
        self.chain = chain
        self.backend = chain.backend
        self.address = address
        self.owner = owner
        self._functions, self._events = abi.interface(artefact.abi)
        self.num_features, self.max_features, num_classes = self._read("model_shape")
        self.family = template.family
        self.mechanism_name = evm_mechanisms()[self._read("MECHANISM")[0]]
        self.num_classes, self._dense = num_classes, template.input_kind == "dense"
        self._template = template.copy()
        self._pack, self._unpack = wire(template)
        self._claimers: dict[bytes, set[str]] = {}
        self._local: Model | None = None
        self._local_version = -1
        self._chain_version = self._read("model_state", 0, 0, 0)[0]
        self._rules_mirror = None
        self._lasting_rules: dict[str, ClaimRules] = {}
        self._address_words: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return (f"EvmTrainer(address={self.address}, model={self.family}, num_features={self.num_features}, "
                f"mechanism={self.mechanism_name})")

    # -- calls that change state -------------------------------------------------------------
    # add_data, refund and report run flat, as on the Python engine: check the value (`Chain.value_of`),
    # send, then record the call with its events (`Chain.accept`) or its refusal (`Chain.refuse`).
    def add_data(self, sender: str, x, y: int, value: int) -> AddReceipt:
        x = self._features(x)
        y = self._label(y)
        added = self._send(sender, "add_data", value, {"x": x, "y": y}, x, self._pack, y)["DataAdded"]
        return AddReceipt(added["cost"], added["time"], bool(added["model_updated"]), added["id"])

    def refund(self, sender: str, x, y: int, added_time: int) -> int:
        x = self._features(x)
        y = self._label(y)
        args = {"x": x, "y": y, "added_time": int(added_time)}
        return self._send(sender, "refund", 0, args, x, self._pack, y, int(added_time))["Refund"]["amount"]

    def report(self, sender: str, x, y: int, added_time: int, original_author: str) -> int:
        x = self._features(x)
        y = self._label(y)
        author = self.chain.address_of(original_author)
        args = {"x": x, "y": y, "added_time": int(added_time), "original_author": original_author}
        return self._send(sender, "report", 0, args, x, self._pack, y, int(added_time), author)["Report"]["amount"]

    def predict(self, x, sender: str | None = None, value: int = 0) -> int:
        """A free read without `sender`; with a sender, a paid call that credits `value // total verified`
        to each verified contribution (`withdraw` pays a contributor); the caller keeps the rest."""
        x = self._features(x)
        if sender is None:
            if value:
                raise Rejected("a paid prediction needs a sender")
            self._check_bound(x)
            return self._read("predict", self._pack(x))[0]

        def paid_predict(transfers: Transfers) -> int:
            events = self._transact(transfers.events, sender, "predict_paid", value, self._pack(x), x=x)
            return events["Prediction"]["prediction"]
        return self.chain.transact(sender, "predict", value, {"x": x}, paid_predict)

    def withdraw(self, sender: str) -> int:
        """Pay `sender` what its verified contributions earned from paid predictions (see `withdrawable`)."""
        def withdraw(transfers: Transfers) -> int:
            spec = self._functions["withdraw"]
            outcome = self.backend.transact(self.chain.address_of(sender), self.address, spec.calldata(), 0)
            self.chain.meter(sender, "withdraw", outcome.gas_used)
            if not outcome.success:
                raise Rejected(abi.revert_reason(outcome.output))
            return self._follow(outcome, transfers.events)["Withdrawal"]["amount"]
        return self.chain.transact(sender, "withdraw", 0, {}, withdraw)

    # -- free reads --------------------------------------------------------------------------
    def cost_to_add(self, x=None, y: int | None = None) -> int:
        """What `add_data` would take now (with a sample and label: for exactly those); raises
        `Rejected` when no data can be added now."""
        if x is None or y is None:
            return self._read("cost_to_add")[0]
        x = self._features(x)
        y = self._label(y)
        self._check_bound(x)
        if self.mechanism_name not in SAMPLE_PRICED:
            return self._read("cost_to_add")[0]
        return self._read("cost_to_add_for", self._pack(x), y)[0]

    def predict_many(self, X: sp.csr_matrix) -> np.ndarray:
        """`predict` for many samples at once, from the local copy of the chain's model."""
        if X.shape[1] != self.num_features:
            raise Rejected(f"samples have {X.shape[1]} features but the model has {self.num_features}")
        return self.model.predict_many(X)

    def contribution(self, x, y: int, added_time: int, author: str) -> ContributionView:
        x = self._features(x)
        y = self._label(y)
        author_address = self.chain.address_of(author)
        deposit, claimable, claims, settled = self._read("contribution", self._pack(x), y, int(added_time),
                                                         author_address)
        key = contribution_key(self._pack(x), y, int(added_time), author_address)
        return ContributionView(author, y, int(added_time), deposit, claimable,
                                frozenset(self._claimers.get(key, ())), claims, settled)

    def claim_preview(self, claimer: str, ids, predictions) -> ClaimPreview:
        """What `refund` or `report` by `claimer` would do now, for a batch: the contract's own free read
        (`Trainer.claim_preview` documents the arguments and the answer), in reads of up to 1,024."""
        ids = np.asarray(ids, dtype=np.int64)
        predictions = np.asarray(predictions, dtype=np.int64)
        if ids.ndim != 1 or predictions.shape != ids.shape:
            raise Rejected("ids and predictions must be one-dimensional and of the same length")
        if not len(ids):
            empty = np.zeros(0, dtype=np.int64)
            return ClaimPreview(empty, (), empty, np.zeros(0, dtype=bool))
        ids = np.where(ids < 0, _UNKNOWN_ID, ids)       # a negative id names no contribution
        predictions = np.where(predictions < 0, _UNKNOWN_ID, predictions)
        claimer_word = self._address_words.get(claimer)
        if claimer_word is None:
            claimer_word = self._address_words[claimer] = abi.encode(("address",), (self.chain.address_of(claimer),))
        spec = self._functions["claim_preview"]
        parts = []
        for i in range(0, len(ids), PREVIEW_CHUNK):
            outcome = self.backend.call(self.address, preview_calldata(
                spec.selector, claimer_word, ids[i:i + PREVIEW_CHUNK], predictions[i:i + PREVIEW_CHUNK]))
            if not outcome.success:
                raise Rejected(abi.revert_reason(outcome.output))
            parts.append(preview_answer(spec, outcome.output, len(ids[i:i + PREVIEW_CHUNK])))
        if len(parts) == 1:
            return ClaimPreview(*parts[0])
        return ClaimPreview(np.concatenate([p[0] for p in parts]), tuple(a for p in parts for a in p[1]),
                            np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts]))

    def claim_rules(self, claimer: str) -> ClaimRules:
        """When `claimer`'s `claim_preview` answers can change (`Trainer.claim_rules`): the Python
        mechanism's own description, asked of a mirror built from the contract's waits and holding
        the claimer's verified count as the contract reads it (the state its claim rules read).

        Remembered once it can no longer change: the waits are fixed at deployment, and a verified
        count only grows (the contract's one write of it is `+= 1`), so rules that are the same for
        the count read now and for the largest count there is stay the same (the rules read the
        count through thresholds, `rules_state`)."""
        rules = self._lasting_rules.get(claimer)
        if rules is not None:
            return rules
        mirror = self._rules_mirror
        if mirror is None:
            waits = {key: self._read(key)[0] for key in ("refund_wait_s", "any_address_claim_wait_s",
                                                         "owner_claim_wait_s")}
            mirror = self._rules_mirror = MECHANISMS[self.mechanism_name](**waits, owner=self.owner)
        mirror.verified = {claimer: self.verified(claimer)}
        rules = claim_rules_of(mirror, claimer)
        mirror.verified = {claimer: MAX_UINT256}
        if claim_rules_of(mirror, claimer) == rules:
            self._lasting_rules[claimer] = rules
        return rules

    def verified(self, address: str) -> int:
        return self._read("verified", self.chain.address_of(address))[0]

    def withdrawable(self, address: str) -> int:
        """What `withdraw` would pay `address` now: its earnings from paid predictions not yet withdrawn."""
        return self._read("withdrawable", self.chain.address_of(address))[0]

    def reported(self, address: str) -> int:
        """How many of `address`'s contributions were reported as bad (counted by the points mechanism)."""
        return self._read("reported", self.chain.address_of(address))[0]

    @property
    def model(self) -> Model:
        """A copy of the contract's model, kept up to date (read in full only when it fell behind)."""
        if self._local is None or self._local_version != self._chain_version:
            self._local = self.read_model()
            self._local_version = self._chain_version
        return self._local

    def read_model(self) -> Model:
        """The contract's model as stored now: its state rows read in chunks, never one call per sample."""
        rows = []
        version = 0
        for row, width in enumerate(row_widths(self._template)):
            values = np.zeros(width, dtype=np.int64)
            for first in range(0, width, STATE_CHUNK):
                version, chunk = self._read("model_state", row, first, STATE_CHUNK)
                values[first:first + len(chunk)] = chunk
            rows.append(values)
        self._chain_version = version
        return rebuild(self._template, rows)

    # -- the wire ----------------------------------------------------------------------------
    def _read(self, function: str, *args: Any) -> tuple:
        return self._call(self._functions[function], *args)

    def _call(self, spec: abi.Function, *args: Any) -> tuple:
        outcome = self.backend.call(self.address, spec.calldata(*args))
        if not outcome.success:
            raise Rejected(abi.revert_reason(outcome.output))
        return spec.result(outcome.output)

    def _send(self, sender: str, function: str, value: int, args: dict[str, Any], x: np.ndarray,
              pack, *rest: Any) -> dict[str, dict]:
        """`_transact` of (pack(x), *rest) recorded as one call of the chain, as `Chain.transact` records it."""
        chain = self.chain
        events: list[tuple] = []
        try:
            units = chain.value_of(sender, value)
            emitted = self._transact(events, sender, function, value, pack(x), *rest, x=x)
        except Rejected as refusal:
            chain.refuse(sender, function, value, args, refusal)
            raise
        chain.accept(sender, function, units, args, (), events)
        return emitted

    def _transact(self, events: list[tuple], sender: str, function: str, value: int, *args: Any,
                  x: np.ndarray) -> dict[str, dict]:
        """Send one transaction; the contract's events it emitted, by name. A call's result is read from
        its event, not its return data: on a live chain the return data comes from a read before the
        transaction, at an earlier block time, whereas the event is what the mined block did."""
        self._check_bound(x)
        spec = self._functions[function]
        outcome = self.backend.transact(self.chain.address_of(sender), self.address, spec.calldata(*args), value)
        self.chain.meter(sender, function, outcome.gas_used)
        if not outcome.success:
            raise Rejected(abi.revert_reason(outcome.output))
        return self._follow(outcome, events)

    def _follow(self, outcome: Outcome, events: list[tuple]) -> dict[str, dict]:
        """Record the call's events for the ledger (`events`, as `Transfers.events` holds them) and keep
        the local model and claims index current."""
        emitted = {}
        for log in outcome.logs:
            event = self._events.get(log.topics[0]) if log.topics else None
            if event is None or log.address != self.address:
                continue
            name = event.name
            fields = emitted[name] = event.decode(log.topics, log.data)
            if name == "DataAdded":
                self.chain.saw_time(fields["time"])
                self._on_data_added(fields)
                events.append(("DataAdded", fields["key"].hex(), fields["cost"], fields["model_updated"]))
            elif name == "Refund" or name == "Report":
                claimer = self.chain.name_of(fields["claimer"])
                self._claimers.setdefault(fields["key"], set()).add(claimer)
                events.append((name, fields["key"].hex(), fields["amount"]))
            elif name == "Prediction":
                events.append(("Prediction", fields["prediction"]))
            elif name == "Withdrawal":
                events.append(("Withdrawal", fields["amount"]))
        events.append(("gas", outcome.gas_used))
        return emitted

    def _on_data_added(self, fields: dict) -> None:
        if not fields["model_updated"]:
            return
        self._chain_version += 1
        local = self._local
        if local is not None and self._local_version == self._chain_version - 1:
            moved = local.update(self._unpack(fields["x"]), int(fields["y"]))
            self._local_version = self._chain_version if moved else -1

    # -- argument checks (the Python engine's, so refusals match before anything is sent) ------
    def _features(self, x) -> np.ndarray:
        return check_features(x, self.num_features, self._dense)

    def _label(self, y) -> int:
        return check_label(y, self.num_classes)

    def _check_bound(self, x: np.ndarray) -> None:
        """A sample over the compiled array bound cannot even be encoded: refuse it as the contract would."""
        if len(x) > self.max_features:
            raise Rejected(f"a sample may have at most {self.max_features} present features, got {len(x)}")


def preview_calldata(selector: bytes, claimer_word: bytes, ids: np.ndarray, predictions: np.ndarray) -> bytes:
    """`claim_preview(claimer, ids, predictions)`'s calldata, built in one array: the same bytes as
    `Function.calldata` for non-negative int64 ids and predictions (a read per simulated turn)."""
    n = len(ids)
    words = np.zeros((2 * n + 4, 4), dtype=">u8")   # after the claimer: two offsets, two length-prefixed arrays
    words[0, 3] = 3 * abi.WORD
    words[1, 3] = (4 + n) * abi.WORD
    words[2, 3] = n
    words[3:3 + n, 3] = ids
    words[3 + n, 3] = n
    words[4 + n:, 3] = predictions
    return selector + claimer_word + words.tobytes()


def preview_answer(spec: abi.Function, output: bytes, n: int) -> tuple:
    """One `claim_preview` read's (action, amount, reason, settled) as `ClaimPreview` holds them.

    The contract answers `n` ids with four arrays of `n` words in the standard layout. When every
    word fits 64 bits (amounts up to about 18 ether) the answer is read as 64-bit limbs in one step
    and its offsets and lengths checked; anything else goes to the generic decoder. Both give the
    same values."""
    layout = _preview_layout(n)
    if len(output) == layout.size:
        limbs = layout.unpack(output)
        low = limbs[3::4]
        if (not (any(limbs[0::4]) or any(limbs[1::4]) or any(limbs[2::4])) and low[:4] == _preview_offsets(n)
                and low[4] == low[5 + n] == low[6 + 2 * n] == low[7 + 3 * n] == n):
            return (np.array(low[5:5 + n], dtype=np.int64), low[6 + n:6 + 2 * n],
                    np.array(low[7 + 2 * n:7 + 3 * n], dtype=np.int64), np.array(low[8 + 3 * n:]) == 1)
    action, amount, reason, settled = spec.result(output)
    return (np.array(action, dtype=np.int64), tuple(amount), np.array(reason, dtype=np.int64),
            np.asarray(settled, dtype=bool))


@lru_cache(maxsize=PREVIEW_CHUNK + 1)
def _preview_layout(n: int) -> struct.Struct:
    return struct.Struct(f">{4 * (8 + 4 * n)}Q")


@lru_cache(maxsize=PREVIEW_CHUNK + 1)
def _preview_offsets(n: int) -> tuple[int, ...]:
    return tuple((4 + k * (n + 1)) * abi.WORD for k in range(4))


def contribution_key(packed: bytes, y: int, added_time: int, author: str) -> bytes:
    """The contract's storage key of a contribution: keccak256(abi_encode(packed x, y, added_time, author))."""
    return keccak256(abi.encode(("uint256[]", "uint256", "uint256", "address"), (packed, y, added_time, author)))
