"""The ledger: integer balances, refusals that move nothing, a hash chain over every call."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain import Rejected
from sumchain.ledger import GENESIS_HASH, Chain, block_hash


def test_fund_and_transfer():
    chain = Chain()
    chain.fund("alice", 100)
    chain.advance(5)
    chain.transact("alice", "pay", 30, {"to": "bob"}, lambda t: t.pay("alice", "bob", 30))
    assert chain.balances() == {"alice": 70, "bob": 30}
    assert chain.minted == 100


def test_value_above_balance_is_rejected_not_capped():
    chain = Chain()
    chain.fund("alice", 10)
    with pytest.raises(Rejected, match="insufficient balance: sent 11 but the balance is 10"):
        chain.transact("alice", "pay", 11, {}, lambda t: t.pay("alice", "bob", 11))
    assert chain.balances() == {"alice": 10}
    tx = list(chain.transactions())[-1]
    assert (tx.status, tx.function, tx.transfers) == ("rejected", "pay", ())


def test_overdraft_inside_a_call_is_rejected():
    chain = Chain()
    chain.fund("alice", 10)

    def overdraw(transfers):
        transfers.pay("alice", "bob", 6)
        transfers.pay("alice", "carol", 6)
    with pytest.raises(Rejected):
        chain.transact("alice", "split", 0, {}, overdraw)
    assert chain.balances() == {"alice": 10}


def test_blocks_group_calls_by_time_and_link_by_hash():
    chain = Chain()
    chain.fund("a", 1)
    chain.fund("b", 1)
    chain.advance(10)
    chain.fund("c", 1)
    head = chain.seal()
    assert [len(b.transactions) for b in chain.blocks] == [2, 1]
    assert chain.blocks[0].prev_hash == GENESIS_HASH
    assert chain.blocks[1].prev_hash == chain.blocks[0].hash
    for block in chain.blocks:
        assert block.hash == block_hash(block.number, block.time, block.prev_hash,
                                        [t.hash for t in block.transactions])
    assert head == chain.blocks[-1].hash


def test_time_cannot_go_back():
    with pytest.raises(ValueError):
        Chain(start_time=10).advance(-1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc"), st.integers(0, 60),
                          st.integers(0, 60), st.integers(0, 3)), max_size=40))
def test_money_is_conserved(moves):
    chain = Chain()
    for name in "abc":
        chain.fund(name, 50)
    for source, target, value, amount, wait in moves:
        chain.advance(wait)
        try:
            chain.transact(source, "pay", value, {"to": target}, lambda t: t.pay(source, target, amount))
        except Rejected:
            pass
        assert sum(chain.balances().values()) == chain.minted == 150
        assert all(balance >= 0 for balance in chain.balances().values())


def test_hashes_do_not_depend_on_when_they_are_read():
    """Calls are hashed when the chain is first read; reading after every call gives the same chain."""
    def history(chain, read_each_time):
        for step in range(6):
            chain.fund(f"a{step % 2}", step + 1)
            chain.advance(step % 3)
            if read_each_time:
                assert chain.blocks[-1].transactions[-1].hash
        return chain.seal(), [(b.hash, [t.hash for t in b.transactions]) for b in chain.blocks]
    assert history(Chain(), True) == history(Chain(), False)


def test_recorded_arguments_are_copied_when_the_call_is_made():
    import numpy as np
    chain = Chain()
    x = np.array([1, 2, 3], dtype=np.int32)
    chain.transact("<mint>", "note", 0, {"x": x}, lambda t: None)
    x[0] = 7
    assert list(list(chain.transactions())[0].args["x"]) == [1, 2, 3]


def test_close_seals_like_seal_when_the_hashes_are_read():
    def history(end_block):
        chain = Chain()
        chain.fund("a", 1)
        end_block(chain)
        chain.fund("b", 2)            # same time, after the block was closed: a new block
        return chain.seal(), [len(b.transactions) for b in chain.blocks]
    assert history(Chain.seal) == history(Chain.close)
    assert history(Chain.close)[1] == [1, 1]


_ARGUMENTS = st.one_of(
    st.integers(-2**70, 2**70), st.text(max_size=4), st.booleans(), st.none(), st.floats(allow_nan=False),
    st.lists(st.integers(0, 2**31 - 1), max_size=4).map(lambda v: __import__("numpy").array(v, dtype="int32")),
    st.lists(st.integers(-3, 3), max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["x", "y", "added_time", "original_author", "z"]), _ARGUMENTS, max_size=4))
def test_calls_are_recorded_as_their_arguments_encode(args):
    """Plain arguments are kept and encoded when hashed; the record is what `encode_args` gives at the call."""
    from sumchain.ledger.chain import encode_args
    chain = Chain()
    expected = encode_args(args)
    chain.transact("<mint>", "note", 0, args, lambda t: None)
    for value in args.values():             # changing the arguments afterwards changes no record
        if hasattr(value, "fill"):
            value.fill(7)
        elif isinstance(value, list):
            value.append(1)
    tx = list(chain.transactions())[0]
    assert (tx.args_json, tx.args_x) == expected


_EVENT_ITEMS = st.one_of(st.integers(-2**70, 2**70), st.text(max_size=3), st.none(), st.booleans())
_CALLS = st.lists(st.tuples(
    st.dictionaries(st.sampled_from(["x", "y", "added_time", "z"]), _ARGUMENTS, max_size=3),
    st.lists(st.lists(_EVENT_ITEMS, max_size=3), max_size=3),     # events, each a tuple of plain values
    st.integers(0, 2),                                            # coins paid to "b" (refused beyond the balance)
    st.sampled_from(["none", "advance", "close"]),                # what happens after the call
), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(_CALLS)
def test_every_call_reads_back_as_it_was_recorded(calls):
    """The chain keeps calls flat until hashed; read back, each is what was sent and what it did:
    arguments as `encode_args` gives them at the call, transfers, events, outcome, block by time."""
    from sumchain.errors import Rejected
    from sumchain.ledger.chain import encode_args
    chain, expected = Chain(), []
    chain.fund("a", 3)
    expected.append((0, "<mint>", "fund", '{"address":"a","amount":3}', "ok", "", (("<mint>", "a", 3),), ()))
    for args, events, pay, then in calls:
        encoded = encode_args(args)[0]

        def action(transfers, events=events, pay=pay):
            transfers.pay("a", "b", pay)
            for event in events:
                transfers.emit(*event)
        try:
            chain.transact("a", "note", 0, args, action)
            expected.append((chain.now, "a", "note", encoded, "ok", "", (("a", "b", pay),) if pay else (),
                             tuple(tuple(event) for event in events)))
        except Rejected as refusal:
            expected.append((chain.now, "a", "note", encoded, "rejected", refusal.reason, (), ()))
        if then == "advance":
            chain.advance(5)
        elif then == "close":
            chain.close()
    got = [(tx.time, tx.sender, tx.function, tx.args_json, tx.status, tx.reason, tx.transfers, tx.events)
           for tx in chain.transactions()]
    assert got == expected
    assert all(b.time == tx.time for b in chain.blocks for tx in b.transactions)
