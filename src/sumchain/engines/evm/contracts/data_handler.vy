# pragma version 0.4.3
"""
@title The contract's memory of contributions
@notice Storage keeps per contribution only what the rules need, under a key that hashes what its
        author must present again to claim it (x, y, the time it was added, the author): two words,
        (initial deposit | claimable) and (author | added time | y | claims), plus its key under its
        id (the order of adding, 0, 1, 2, ...) so that claim_preview can read many at once. Who
        claimed is a mapping. The data itself lives in the DataAdded event.
"""

import model

struct Contribution:
    initial_deposit: uint256
    claimable: uint256
    author: address
    added_time: uint256
    y: uint256
    claims: uint256          # 1 + the number of claims; 0 when there is no such contribution

MASK_128: constant(uint256) = 2**128 - 1
MASK_64: constant(uint256) = 2**64 - 1
MASK_24: constant(uint256) = 2**24 - 1

amounts: HashMap[bytes32, uint256]      # initial deposit << 128 | claimable
facts: HashMap[bytes32, uint256]        # author << 96 | added time << 32 | y << 24 | claims
keys: HashMap[uint256, bytes32]
count: public(uint256)
claimed_by: public(HashMap[bytes32, HashMap[address, bool]])


@internal
@pure
def key_of(packed: DynArray[uint256, model.MAX_WORDS], y: uint256, added_time: uint256,
           author: address) -> bytes32:
    return keccak256(abi_encode(packed, y, added_time, author))


@internal
@view
def check_new(key: bytes32):
    assert self.facts[key] == 0, "this exact contribution was already added at this time"


@internal
def add(key: bytes32, author: address, y: uint256, added_time: uint256, deposit: uint256) -> uint256:
    assert deposit <= MASK_128, "a deposit must be below 2**128 wei"
    self.amounts[key] = (deposit << 128) | deposit
    self.facts[key] = (convert(author, uint256) << 96) | ((added_time & MASK_64) << 32) | (y << 24) | 1
    id: uint256 = self.count
    self.keys[id] = key
    self.count = id + 1
    return id


@internal
@view
def load(key: bytes32) -> Contribution:
    """The contribution under `key` (claims == 0 when there is none)."""
    amounts: uint256 = self.amounts[key]
    facts: uint256 = self.facts[key]
    return Contribution(initial_deposit=amounts >> 128, claimable=amounts & MASK_128,
                        author=convert(convert(facts >> 96, uint160), address),
                        added_time=(facts >> 32) & MASK_64, y=(facts >> 24) & 255, claims=facts & MASK_24)


@internal
@view
def find(key: bytes32) -> Contribution:
    record: Contribution = self.load(key)
    assert record.claims != 0, "no such contribution (check x, y, added_time and the original author)"
    return record


@internal
def record_claim(key: bytes32, claimer: address, amount: uint256):
    self.amounts[key] -= amount
    self.facts[key] += 1
    self.claimed_by[key][claimer] = True
