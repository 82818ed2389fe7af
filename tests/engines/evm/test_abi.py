"""The engine's own ABI codec against eth_abi (the reference implementation), and the packed samples
and claim_preview fast paths against the generic codec."""

from __future__ import annotations

import eth_abi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.engines.evm import abi
from sumchain.engines.evm.trainer import preview_answer, preview_calldata

UINT = st.integers(0, 2**256 - 1)
INT = st.integers(-2**255, 2**255 - 1)
ADDRESS = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
BYTES32 = st.binary(min_size=32, max_size=32)
STATIC = {"uint256": UINT, "int256": INT, "address": ADDRESS, "bool": st.booleans(), "bytes32": BYTES32}
INT64 = st.integers(-2**63, 2**63 - 1)


@st.composite
def typed_values(draw):
    """A tuple of ABI types (static ones and arrays of them) and values for them."""
    types, values = [], []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(sorted(STATIC)))
        if draw(st.booleans()):
            types.append(kind + "[]")
            values.append(draw(st.lists(STATIC[kind], max_size=6)))
        else:
            types.append(kind)
            values.append(draw(STATIC[kind]))
    return tuple(types), tuple(values)


@settings(max_examples=200, deadline=None)
@given(typed_values())
def test_encode_matches_eth_abi_and_decode_inverts_it(case):
    types, values = case
    data = abi.encode(types, values)
    assert data == eth_abi.encode(list(types), list(values))
    decoded = abi.decode(types, data)
    for kind, value, got in zip(types, values, decoded):
        if kind == "int256[]":                       # read as int64 (the contract's weights): the low word
            assert list(got) == [((v + 2**63) % 2**64) - 2**63 for v in value]
        elif kind == "bool[]":
            assert list(got) == value
        elif kind == "address[]":
            assert got == [v.lower() for v in value]
        else:
            assert got == (value.lower() if kind == "address" else value)


@settings(max_examples=100, deadline=None)
@given(st.lists(INT64, max_size=20), st.sampled_from(["uint256[]", "int256[]"]))
def test_numpy_integer_arrays_encode_as_their_words(values, kind):
    array = np.array(values, dtype=np.int64)
    expected = [v if kind == "int256[]" else v % 2**64 for v in values]    # uint256: the low word
    assert abi.encode((kind, "uint256"), (array, 7)) == eth_abi.encode([kind, "uint256"], [expected, 7])


def test_an_unsupported_type_is_refused():
    with pytest.raises(ValueError, match="unsupported ABI type uint8"):
        abi.encode(("uint8",), (1,))
    with pytest.raises(ValueError, match="unsupported ABI type uint8"):
        abi.decode(("uint8",), bytes(32))


def packed_by_lanes(x, lanes: int, dtype: str, pad: int) -> bytes:
    """The packing as the contract documents it, lane by lane."""
    words = np.full(-(-len(x) // lanes) * lanes, pad, dtype=dtype)
    words[:len(x)] = x
    return words.tobytes()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 65534), max_size=80, unique=True))
def test_a_sparse_sample_packs_into_16_lanes_padded_with_ffff_and_unpacks_back(indices):
    x = np.array(sorted(indices), dtype=np.int32)
    assert abi.pack(x) == packed_by_lanes(x, 16, ">u2", 0xFFFF)
    assert np.array_equal(abi.unpack(abi.pack(x)), x)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-32768, 32768), min_size=1, max_size=40))
def test_a_dense_sample_packs_into_8_zero_padded_lanes_and_unpacks_back(values):
    x = np.array(values, dtype=np.int64)
    assert abi.pack_dense(x) == packed_by_lanes(x, 8, ">i4", 0)
    assert np.array_equal(abi.unpack_dense(abi.pack_dense(x), len(x)), x)


PREVIEW = abi.Function("claim_preview", ("address", "uint256[]", "uint256[]"),
                       ("uint256[]", "uint256[]", "uint256[]", "bool[]"), b"\x01\x02\x03\x04")


@settings(max_examples=100, deadline=None)
@given(ADDRESS, st.lists(st.tuples(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1)), min_size=1, max_size=30))
def test_claim_preview_calldata_is_the_generic_encoding(claimer, pairs):
    ids, predictions = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    word = abi.encode(("address",), (claimer,))
    assert preview_calldata(PREVIEW.selector, word, ids, predictions) == PREVIEW.calldata(claimer, ids, predictions)


def generic_answer(output: bytes) -> tuple:
    action, amount, reason, settled = PREVIEW.result(output)
    return np.array(action, dtype=np.int64), tuple(amount), np.array(reason, dtype=np.int64), np.asarray(settled, bool)


def same_answer(a: tuple, b: tuple) -> bool:
    return (np.array_equal(a[0], b[0]) and a[0].dtype == b[0].dtype and a[1] == b[1]
            and all(type(v) is int for v in a[1]) and np.array_equal(a[2], b[2]) and a[2].dtype == b[2].dtype
            and np.array_equal(a[3], b[3]) and a[3].dtype == b[3].dtype == np.bool_)


WORD_VALUE = st.one_of(st.integers(0, 5), st.integers(0, 2**64 - 1), UINT)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.integers(0, 6), min_size=n, max_size=n), st.lists(WORD_VALUE, min_size=n, max_size=n),
    st.lists(st.integers(0, 40), min_size=n, max_size=n), st.lists(st.integers(0, 2), min_size=n, max_size=n))))
def test_claim_preview_answers_read_in_one_step_equal_the_generic_decoding(case):
    n, action, amount, reason, settled = case
    output = eth_abi.encode(["uint256[]"] * 4, [action, amount, reason, settled])
    assert same_answer(preview_answer(PREVIEW, output, n), generic_answer(output))


@pytest.mark.parametrize("tamper", ["offset", "length", "high word", "short"])
def test_a_claim_preview_answer_off_the_standard_layout_is_read_by_the_generic_decoder(tamper):
    n = 3
    words = [int.from_bytes(w, "big") for w in _words(eth_abi.encode(["uint256[]"] * 4, [[1, 2, 0], [5, 0, 7],
                                                                                     [0, 3, 9], [1, 0, 1]]))]
    if tamper == "offset":          # the second array starts one word later, its last word dropped
        words[1] += 32
        words.insert(4 + n + 1, 0)
        words.pop()
    elif tamper == "length":        # a shorter last array, padded to the same size
        words[-n - 1] = n - 1
    elif tamper == "high word":     # an action beyond 64 bits: the generic decoder refuses it as well
        words[5] = 2**64 + 1
    output = b"".join(w.to_bytes(32, "big") for w in words)
    if tamper == "short":
        output = output[:-32]
    try:
        expected = generic_answer(output)
    except (OverflowError, ValueError) as refusal:      # the generic decoder refuses it: so does the fast path
        with pytest.raises(type(refusal)):
            preview_answer(PREVIEW, output, n)
        return
    assert same_answer(preview_answer(PREVIEW, output, n), expected)


def _words(data: bytes) -> list[bytes]:
    return [data[i:i + 32] for i in range(0, len(data), 32)]
