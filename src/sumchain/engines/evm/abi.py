"""The slice of the Solidity ABI the trainer contract speaks: encode calls, decode returns, events
and revert reasons. Types: uint256, int256, address, bool, bytes32, static T[] of those, string.

Why our own: the contract's interface is small and fixed, and sample arrays are encoded on the hot
path (a 125-feature add is 4 KB of calldata) where numpy packs them in one step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from sumchain.engines.evm.backend import keccak256

WORD = 32
ERROR_SELECTOR = keccak256(b"Error(string)")[:4]
STATIC = ("uint256", "int256", "address", "bool", "bytes32")


def _word(kind: str, value: Any) -> bytes:
    encoder = _WORD_ENCODERS.get(kind)
    if encoder is None:
        raise ValueError(f"unsupported ABI type {kind}")
    return encoder(value)


_ADDRESS_PAD = bytes(12)
_WORD_ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "uint256": lambda value: int(value).to_bytes(WORD, "big"),
    "int256": lambda value: int(value).to_bytes(WORD, "big", signed=True),
    "bool": lambda value: (1 if value else 0).to_bytes(WORD, "big"),
    "address": lambda value: _ADDRESS_PAD + bytes.fromhex(value.removeprefix("0x")),
    "bytes32": lambda value: bytes(value).rjust(WORD, b"\0"),
}


def _array(kind: str, values: Any) -> bytes:
    if isinstance(values, (bytes, bytearray)):      # words already encoded (a packed sample)
        return (len(values) // WORD).to_bytes(WORD, "big") + bytes(values)
    if kind in ("uint256", "int256") and isinstance(values, np.ndarray):
        n = len(values)
        words = np.zeros((n, 4), dtype=">u8")
        as_int = values.astype(np.int64)
        words[:, 3] = as_int.astype(">u8")     # two's complement low word
        if kind == "int256":
            words[as_int < 0, :3] = np.uint64(0xFFFFFFFFFFFFFFFF)
        return n.to_bytes(WORD, "big") + words.tobytes()
    return len(values).to_bytes(WORD, "big") + b"".join(_word(kind, v) for v in values)


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """ABI-encode a tuple of values (static types inline, arrays in the tail)."""
    return _encoder(tuple(types))(values)


@lru_cache(maxsize=None)
def _encoder(types: tuple[str, ...]) -> Callable[[Sequence[Any]], bytes]:
    """`encode` for one tuple of types, its type dispatch done once (a hot call is encoded per transaction)."""
    for kind in types:
        if not (kind.endswith("[]") or kind in STATIC):
            raise ValueError(f"unsupported ABI type {kind}")
    words = tuple(None if kind.endswith("[]") else _WORD_ENCODERS[kind] for kind in types)
    if all(words):
        return lambda values: b"".join([word(value) for word, value in zip(words, values)])
    arrays = tuple(kind[:-2] if kind.endswith("[]") else None for kind in types)
    head_size = WORD * len(types)

    def encode_dynamic(values: Sequence[Any]) -> bytes:
        head, tail = [], []
        offset = head_size
        for word, element, value in zip(words, arrays, values):
            if word is None:
                blob = _array(element, value)
                head.append(offset.to_bytes(WORD, "big"))
                tail.append(blob)
                offset += len(blob)
            else:
                head.append(word(value))
        return b"".join(head) + b"".join(tail)
    return encode_dynamic


def _read(kind: str, data: bytes, at: int) -> Any:
    reader = _READERS.get(kind)
    if reader is None:
        raise ValueError(f"unsupported ABI type {kind}")
    return reader(data, at)


_READERS: dict[str, Callable[[bytes, int], Any]] = {
    "uint256": lambda data, at: int.from_bytes(data[at:at + WORD], "big"),
    "int256": lambda data, at: int.from_bytes(data[at:at + WORD], "big", signed=True),
    "bool": lambda data, at: data[at:at + WORD][-1] == 1,
    "address": lambda data, at: "0x" + data[at + 12:at + WORD].hex(),
    "bytes32": lambda data, at: bytes(data[at:at + WORD]),
}


def decode(types: Sequence[str], data: bytes, raw_words: bool = False) -> tuple:
    """The values of ABI-encoded `data`; with `raw_words`, a uint256[] as its words (bytes), not ints."""
    return _decoder(tuple(types), raw_words)(data)


def _uint(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + WORD], "big")


def _dynamic(kind: str, raw_words: bool) -> Callable[[bytes, int], Any]:
    """The decoder of the dynamic value whose offset is at `at`."""
    def body_of(data: bytes, at: int) -> tuple[int, bytes]:
        start = _uint(data, at)
        return _uint(data, start), data[start + WORD:]

    if kind == "string":
        def text(data, at):
            length, body = body_of(data, at)
            return body[:length].decode("utf-8", errors="replace")
        return text
    if kind == "uint256[]" and raw_words:              # the contract's packed samples, as they are
        def raw(data, at):
            length, body = body_of(data, at)
            return bytes(body[:length * WORD])
        return raw
    if kind == "uint256[]":                            # exact (amounts in wei exceed 64 bits)
        def uints(data, at):
            length, body = body_of(data, at)
            return [int.from_bytes(body[j * WORD:(j + 1) * WORD], "big") for j in range(length)]
        return uints
    if kind == "int256[]":
        def ints(data, at):
            length, body = body_of(data, at)
            words = np.frombuffer(body[:length * WORD], dtype=">u8").reshape(length, 4)
            return words[:, 3].astype(np.int64)        # the contract's weights fit in 64 bits
        return ints
    if kind == "bool[]":
        def bools(data, at):
            length, body = body_of(data, at)
            return np.frombuffer(body[:length * WORD], dtype=">u8").reshape(length, 4)[:, 3] == 1
        return bools
    element = kind[:-2]

    def elements(data, at):
        length, body = body_of(data, at)
        return [_read(element, body, j * WORD) for j in range(length)]
    return elements


@lru_cache(maxsize=None)
def _decoder(types: tuple[str, ...], raw_words: bool) -> Callable[[bytes], tuple]:
    """`decode` for one tuple of types, its type dispatch done once."""
    if types == ("uint256",):                           # most reads: one number
        return lambda data: (int.from_bytes(data[:WORD], "big"),)
    parts = []
    for kind in types:
        if kind.endswith("[]") or kind == "string":
            parts.append(_dynamic(kind, raw_words))
        elif kind in _READERS:
            parts.append(_READERS[kind])
        else:
            parts.append(lambda data, at, kind=kind: _read(kind, data, at))    # refuses, as when decoding
    located = tuple((part, i * WORD) for i, part in enumerate(parts))
    return lambda data: tuple([part(data, at) for part, at in located])


LANES = 16
PAD = 0xFFFF


def pack(x: np.ndarray) -> bytes:
    """A sample as the contract takes it: 16 big-endian 16-bit indices per word, padded with 0xFFFF."""
    return np.asarray(x).astype(">u2").tobytes() + _LANE_PADDING[-len(x) % LANES]


_LANE_PADDING = tuple(PAD.to_bytes(2, "big") * k for k in range(LANES))


def unpack(words: bytes) -> np.ndarray:
    lanes = np.frombuffer(words, dtype=">u2")
    return lanes[lanes != PAD].astype(np.int32)


DENSE_LANES = 8


def pack_dense(x: np.ndarray) -> bytes:
    """A dense sample as the contract takes it: 8 big-endian 32-bit two's-complement values per word,
    the lanes after the last feature 0 (contracts/dense_sample.vy)."""
    return np.asarray(x).astype(">i4").tobytes() + bytes(4 * (-len(x) % DENSE_LANES))


def unpack_dense(words: bytes, num_features: int) -> np.ndarray:
    return np.frombuffer(words, dtype=">i4")[:num_features].astype(np.int64)


def revert_reason(output: bytes) -> str:
    """The Error(string) reason of a revert, or a description when the revert carries none."""
    if output[:4] == ERROR_SELECTOR:
        return decode(["string"], output[4:])[0]
    if not output:
        return "the contract reverted without a reason (out of gas or an argument over a bound)"
    return f"the contract reverted with data 0x{output.hex()}"


@dataclass(frozen=True)
class Function:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    selector: bytes

    def calldata(self, *args: Any) -> bytes:
        return self.selector + self._encode(args)

    def result(self, output: bytes) -> tuple:
        return self._decode(output)

    @cached_property
    def _encode(self) -> Callable[[Sequence[Any]], bytes]:
        return _encoder(self.inputs)

    @cached_property
    def _decode(self) -> Callable[[bytes], tuple]:
        return _decoder(self.outputs, False)


@dataclass(frozen=True)
class Event:
    name: str
    topic: bytes
    indexed: tuple[str, ...]
    data: tuple[str, ...]
    names: tuple[str, ...]

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
        """Indexed fields from the topics, the rest from the data, in declaration order."""
        values = [read(topic, 0) for read, topic in zip(self._topic_readers, topics[1:])]
        values += self._decode(data)
        return dict(zip(self.names, values))

    @cached_property
    def _topic_readers(self) -> tuple[Callable[[bytes, int], Any], ...]:
        return tuple(_READERS.get(kind) or (lambda data, at, kind=kind: _read(kind, data, at))
                     for kind in self.indexed)

    @cached_property
    def _decode(self) -> Callable[[bytes], tuple]:
        return _decoder(self.data, True)


def _signature_types(params: list[dict]) -> tuple[str, ...]:
    return tuple(p["type"] for p in params)


def interface(abi: Sequence[dict]) -> tuple[dict[str, Function], dict[bytes, Event]]:
    """Functions by name and events by topic, from a compiled contract's ABI."""
    functions: dict[str, Function] = {}
    events: dict[bytes, Event] = {}
    for item in abi:
        if item["type"] == "function":
            inputs = _signature_types(item["inputs"])
            selector = keccak256(f"{item['name']}({','.join(inputs)})".encode())[:4]
            functions[item["name"]] = Function(item["name"], inputs, _signature_types(item["outputs"]), selector)
        elif item["type"] == "event":
            kinds = _signature_types(item["inputs"])
            topic = keccak256(f"{item['name']}({','.join(kinds)})".encode())
            indexed = tuple(p["type"] for p in item["inputs"] if p["indexed"])
            data = tuple(p["type"] for p in item["inputs"] if not p["indexed"])
            names = (tuple(p["name"] for p in item["inputs"] if p["indexed"])
                     + tuple(p["name"] for p in item["inputs"] if not p["indexed"]))
            events[topic] = Event(item["name"], topic, indexed, data, names)
    return functions, events
