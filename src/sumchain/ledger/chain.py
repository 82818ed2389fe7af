"""An integer ledger whose every call, accepted or refused, is a transaction in a hash chain.

Why a chain and not just a balance dict: the experiments' claims rest on the money moving exactly
as the rules say. Recording every call (with a digest of its arguments, its outcome and the money
it moved) in blocks linked by hashes makes a run auditable and replayable (`sumchain verify`).

Money only moves when a call is accepted (`Chain.accept`): through `Chain.transact`, which runs the
contract's action with a `Transfers` buffer and applies it only when the call succeeds, or from a
contract's flat call that checks its payment first (`check_payment`) and records a refusal with
`refuse`; either way a refused call changes no balance. `fund` is the only way money enters, so
`sum(balances) == minted` at all times.

A run's chain starts from the genesis hash of its config and data (`start_from`, `ledger.genesis`),
so its head hash stands for what the run was as well as for every call in it.

A call is recorded when it is made, as its fields flat on one list (plain arguments kept as they
are, the sample's indices as bytes taken then); its arguments' JSON, its hash and its block's are
computed when the chain is first read (`blocks`, `seal`, `head_hash`, `transactions`), from the
recorded fields in order, so they are the same whenever that happens, and a run whose chain nobody
reads (a sweep keeps only metrics) never encodes or hashes it.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, TypeVar

import numpy as np

from sumchain.errors import Rejected
from sumchain.ledger.genesis import genesis_hash
from sumchain.ledger.money import whole_units

GENESIS_HASH = "0" * 64
_INT32 = np.dtype("<i4")
MINT = "<mint>"
T = TypeVar("T")


class Transaction(NamedTuple):
    """One call as the chain recorded it (a named tuple: cheap to make, immutable)."""

    time: int
    sender: str
    function: str
    value: int
    args_json: str          # the scalar arguments, canonical JSON
    args_x: bytes           # the feature-index array argument, int32 little-endian ('' if none)
    status: str             # "ok" or "rejected"
    reason: str             # why it was rejected ('' when ok)
    transfers: tuple[tuple[str, str, int], ...]
    events: tuple[tuple[Any, ...], ...]
    hash: str

    @property
    def args(self) -> dict[str, Any]:
        """The call's arguments, decoded (x back as an int32 array; a malformed argument as sent)."""
        decoded = {key: _decode_arg(value) for key, value in json.loads(self.args_json).items()}
        if self.args_x or type(decoded.get("x")) is int:
            decoded["x"] = np.frombuffer(self.args_x, dtype="<i4").astype(np.int32)
        return decoded


@dataclass
class Block:
    number: int
    time: int
    prev_hash: str
    transactions: list[Transaction] = field(default_factory=list)
    hash: str = ""

    def seal(self) -> str:
        self.hash = block_hash(self.number, self.time, self.prev_hash, [t.hash for t in self.transactions])
        return self.hash


def block_hash(number: int, time: int, prev_hash: str, tx_hashes: list[str]) -> str:
    header = f"{number}|{time}|{prev_hash}|".encode()
    return hashlib.sha256(header + "".join(tx_hashes).encode()).hexdigest()


def encode_args(args: dict[str, Any]) -> tuple[str, bytes]:
    """Canonical encoding: scalars as sorted JSON, the feature array `x` as raw int32 bytes.

    Any argument a caller sent is encoded, malformed ones too (a 2-D or float `x`, text for a
    number): those go into the JSON as sent (`_encode_arg`), so a call refused for its arguments
    is recorded and replays to the same refusal.
    """
    x = args.get("x")
    x_array = None if x is None else _int32_indices(x)
    x_bytes = b"" if x_array is None else x_array.tobytes()
    parts = []
    for key in sorted(args):
        if key == "x" and x_array is not None:
            value = len(x_array)
        else:
            value = args[key]
        # Hand-rolled for the hot path; identical to json.dumps(..., sort_keys=True) for int/str.
        parts.append(f'"{key}":{value}' if type(value) is int else f'"{key}":{json.dumps(_encode_arg(value))}')
    return "{" + ",".join(parts) + "}", x_bytes


def _int32_indices(x: Any) -> np.ndarray | None:
    """`x` as contiguous little-endian int32 when it is a 1-D integer array that fits; else None."""
    if type(x) is np.ndarray and x.dtype == _INT32 and x.ndim == 1:
        return np.ascontiguousarray(x)
    try:
        array = np.asarray(x)
    except (ValueError, TypeError):
        return None
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        return None
    if array.size and (array.min() < np.iinfo(np.int32).min or array.max() > np.iinfo(np.int32).max):
        return None
    return np.ascontiguousarray(array, dtype="<i4")


def _encode_arg(value: Any) -> Any:
    """A JSON form of an argument that decodes (`_decode_arg`) to a value the contract judges alike."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, float) and np.isfinite(value):
        return value
    try:
        array = np.asarray(value)
        if array.dtype.kind in "biuf" and np.isfinite(array.astype(float)).all():
            return {"array": array.tolist(), "dtype": array.dtype.str}
    except (ValueError, TypeError, OverflowError):
        pass
    return {"repr": repr(value)}


def _decode_arg(value: Any) -> Any:
    if isinstance(value, dict) and "dtype" in value:
        return np.asarray(value["array"], dtype=value["dtype"])
    if isinstance(value, dict) and "repr" in value:
        return value["repr"]
    return value


def _encoded(pairs: list[tuple[str, Any]]) -> str:
    """Plain arguments as `encode_args` encodes them: sorted JSON, ints bare, strings as
    `json.dumps` writes them (x is already its length)."""
    parts = [f'"{key}":{value}' if type(value) is int else f'"{key}":{json.dumps(value)}' for key, value in pairs]
    return "{" + ",".join(parts) + "}"


CLOSED = None
"""Marks where `close` was called on the flat list of calls not yet hashed."""


def _append_flat(out: list, status: str, reason: str, transfers: tuple, events: tuple) -> None:
    """The rest of a flat record (`Chain._record`): each moving transfer and each event after its count."""
    out += (status, reason, len(transfers))
    for transfer in transfers:
        out += transfer
    out.append(len(events))
    for event in events:
        out.append(len(event))
        out += event


def _records(flat: list) -> Iterator[tuple | None]:
    """The calls of a flat list (`Chain._record`) as `Transaction`'s fields before its hash, with the
    arguments' JSON (`_encoded`); None where `close` was called."""
    fields = iter(flat)
    for time in fields:
        if time is CLOSED:
            yield None
            continue
        sender, function, value, args = islice(fields, 4)
        if type(args) is not str:                # `args` plain (key, value) pairs follow, then x's bytes
            pairs = islice(fields, 2 * args)
            args = _encoded(sorted(zip(pairs, pairs)))
        args_x, status, reason, num_transfers = islice(fields, 4)
        transfers = tuple(tuple(islice(fields, 3)) for _ in range(num_transfers))
        events = tuple(tuple(islice(fields, next(fields))) for _ in range(next(fields)))
        yield time, sender, function, value, args, args_x, status, reason, transfers, events


def transaction_hash(time: int, sender: str, function: str, value: int, args_json: str, args_x: bytes,
                     status: str, reason: str, transfers: tuple, events: tuple) -> str:
    text = f"{time}|{sender}|{function}|{value}|{args_json}|{status}|{reason}|{transfers!r}|{events!r}|"
    return hashlib.sha256(text.encode() + args_x).hexdigest()


class Transfers:
    """The money a call wants to move; applied by the chain only if the call succeeds.

    `pay` refuses an overdraft at once, so contracts call it before changing their own state.
    """

    __slots__ = ("moves", "events", "_chain", "_outgoing")

    def __init__(self, chain: "Chain") -> None:
        self.moves: list[tuple[str, str, int]] = []
        self.events: list[tuple[Any, ...]] = []
        self._chain = chain
        self._outgoing: dict[str, int] = {}

    def pay(self, source: str, target: str, amount: int) -> None:
        amount = self._chain.check_payment(source, amount, self._outgoing.get(source, 0))
        if not amount:
            return
        if source != MINT:
            self._outgoing[source] = self._outgoing.get(source, 0) + amount
        self.moves.append((source, target, amount))

    def emit(self, *event: Any) -> None:
        self.events.append(tuple(event))


class Chain:
    """Balances, a clock and the blocks. Every run owns its own chain."""

    def __init__(self, start_time: int = 0):
        self._now = int(start_time)
        self._balances: dict[str, int] = {}
        self.minted = 0
        self._blocks: list[Block] = []
        self._open: Block | None = None
        self._unhashed: list = []                  # calls not yet hashed, flat (`_record`); CLOSED: `close`
        self._genesis: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None

    # -- genesis -------------------------------------------------------------------------
    def start_from(self, evidence: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> None:
        """Link the first block to the genesis hash of `evidence` (`ledger.genesis`: the run's config
        and data) instead of to zeros. A callable is called when the chain is first hashed, so a run
        whose chain nobody reads never computes it. Only before the first block is hashed."""
        if self._blocks:
            raise ValueError("a chain's genesis is fixed once its first block is hashed")
        self._genesis = evidence

    @property
    def genesis_evidence(self) -> Mapping[str, Any] | None:
        """What the chain starts from (None: zeros, a chain no run's config was given to)."""
        if callable(self._genesis):
            self._genesis = self._genesis()
        return self._genesis

    @property
    def genesis(self) -> str:
        evidence = self.genesis_evidence
        return GENESIS_HASH if evidence is None else genesis_hash(evidence)

    # -- clock ---------------------------------------------------------------------------
    @property
    def now(self) -> int:
        return self._now

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += int(seconds)
        return self._now

    def advance_to(self, time: int) -> int:
        return self.advance(int(time) - self._now)

    # -- money ---------------------------------------------------------------------------
    def balance_of(self, address: str) -> int:
        return self._balances.get(address, 0)

    def balances(self) -> dict[str, int]:
        return dict(self._balances)

    def fund(self, address: str, amount: int) -> None:
        """Mint `amount` to `address`: the only way money enters the chain (recorded as a call)."""
        def mint(transfers: Transfers) -> None:
            units = whole_units(amount, "a funding amount")
            if units < 0:
                raise Rejected("cannot fund a negative amount")
            transfers.pay(MINT, address, units)
        self.transact(MINT, "fund", 0, {"address": address, "amount": amount}, mint)

    # -- transactions --------------------------------------------------------------------
    def transact(self, sender: str, function: str, value: int, args: dict[str, Any],
                 action: Callable[[Transfers], T]) -> T:
        """Run `action` as one call: record it whatever happens; move money only on success.

        `action` must check everything before it changes contract state, and raise `Rejected`
        (changing nothing) to refuse; the chain then records the refusal and re-raises it.
        A contract's hot calls may do the same without the closure and the `Transfers` buffer:
        check (`value_of`, `check_payment`), `refuse` on `Rejected`, change state, then `accept`.
        """
        transfers = Transfers(self)
        try:
            units = self.value_of(sender, value)
            result = action(transfers)
        except Rejected as refusal:
            self.refuse(sender, function, value, args, refusal)
            raise
        self.accept(sender, function, units, args, transfers.moves, transfers.events)
        return result

    def value_of(self, sender: str, value: Any) -> int:
        """The value a call sends as whole base units its sender holds, or `Rejected` (a call's first check)."""
        units = whole_units(value, "the value sent")
        if units < 0:
            raise Rejected("the value sent cannot be negative")
        if sender != MINT and units > self.balance_of(sender):
            raise Rejected(f"insufficient balance: sent {units} but the balance is {self.balance_of(sender)}")
        return units

    def check_payment(self, source: str, amount: int, already: int = 0) -> int:
        """`amount` as an int, or `Rejected` when `source` cannot pay it on top of `already` (what the
        same call pays it before). Contracts check before they change their own state."""
        amount = int(amount)
        if amount < 0:
            raise ValueError("a transfer amount cannot be negative")
        if amount and source != MINT:
            outgoing = already + amount
            if outgoing > self.balance_of(source):
                raise Rejected(f"insufficient balance: {source} would pay {outgoing} "
                               f"but holds {self.balance_of(source)}")
        return amount

    def refuse(self, sender: str, function: str, value: Any, args: dict[str, Any], refusal: Rejected) -> None:
        """Record a refused call, moving nothing. `value` as sent: one that is no whole number of
        base units is recorded as the argument `value_sent`, with value 0, so that it replays alike."""
        try:
            value = whole_units(value, "the value sent")
        except Rejected:
            args, value = {**args, "value_sent": value}, 0
        self._record(sender, function, value, args, "rejected", refusal.reason, (), ())

    def accept(self, sender: str, function: str, value: int, args: dict[str, Any],
               moves: Iterable[tuple[str, str, int]], events: Iterable[tuple[Any, ...]]) -> None:
        """Move an accepted call's money (`moves`, each checked by `check_payment` and nonzero) and
        record the call; `value` is `value_of`'s units."""
        moves = tuple(moves)
        for source, target, amount in moves:
            if source == MINT:
                self.minted += amount
            else:
                self._balances[source] -= amount
            self._balances[target] = self._balances.get(target, 0) + amount
        self._record(sender, function, value, args, "ok", "", moves, tuple(events))

    def _record(self, sender: str, function: str, value: int, args: dict[str, Any], status: str,
                reason: str, transfers: tuple, events: tuple) -> None:
        """Record the call's fields, flat, on the list of calls not yet hashed; its hash and its
        block's are computed when first read (`blocks`, `seal`).

        What the record holds cannot change after the call: plain int and str arguments are kept as
        they are (immutable) and a 1-D int32 `x` as its bytes, taken now; their JSON is built when the
        call is hashed (`_encoded`), which a run whose chain nobody reads never does. Any other
        argument is encoded now (`encode_args`).

        Why flat (each field an item of one list, its nested parts preceded by their lengths): a
        tuple per call, and tuples within it, stay in the cycle collector's care until a full
        collection, and 50,000 of them made it rescan the heap again and again; ints, strings and
        bytes on one list give it nothing to visit."""
        out = self._unhashed
        x = args.get("x")
        if x is None or (type(x) is np.ndarray and x.ndim == 1 and x.dtype == _INT32):
            scalars = []
            for key, arg in args.items():
                kind = type(arg)
                if kind is int or kind is str:
                    scalars += (key, arg)
                elif key != "x" or x is None:
                    break
            else:
                if x is not None:
                    scalars += ("x", len(x))
                out += (self._now, sender, function, value, len(scalars) // 2)
                out += scalars
                out.append(b"" if x is None else x.tobytes())
                _append_flat(out, status, reason, transfers, events)
                return
        args_json, args_x = encode_args(args)
        out += (self._now, sender, function, value, args_json, args_x)
        _append_flat(out, status, reason, transfers, events)

    def _hash_recorded(self) -> None:
        """Hash the recorded calls into blocks, one block per distinct time, exactly as if each had
        been hashed when made: the hashes depend only on the recorded fields and the order.

        The cycle collector is paused meanwhile (and restored as it was): this builds a hundred
        thousand records that can form no cycle, and the collector would rescan them, and the whole
        heap, over and over for nothing (about 40% of the hashing's time)."""
        if not self._unhashed:
            return
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._hash_blocks()
        finally:
            if collecting:
                gc.enable()

    def _hash_blocks(self) -> None:
        unhashed, self._unhashed = self._unhashed, []
        open_block = self._open
        for record in _records(unhashed):
            if record is None:                   # `close` was called here
                self._seal_open()
                open_block = None
                continue
            time = record[0]
            if open_block is None or open_block.time != time:
                prev = self._seal_open()
                open_block = self._open = Block(len(self._blocks), time, prev)
                self._blocks.append(open_block)
            open_block.transactions.append(Transaction(*record, transaction_hash(*record)))

    def _seal_open(self) -> str:
        if self._open is not None:
            self._open.seal()
            self._open = None
        return self._blocks[-1].hash if self._blocks else self.genesis

    @property
    def blocks(self) -> list[Block]:
        """Every block so far (the last stays open, unsealed, until `seal` or a later call)."""
        self._hash_recorded()
        return self._blocks

    def close(self) -> None:
        """Close the open block as `seal` does, deferring the hashing to the first read."""
        self._unhashed.append(CLOSED)

    def seal(self) -> str:
        """Close the open block; return the head hash (the hash of the whole history)."""
        self._hash_recorded()
        return self._seal_open()

    @property
    def head_hash(self) -> str:
        return self.seal()

    def transactions(self) -> Iterator[Transaction]:
        for block in self.blocks:
            yield from block.transactions
