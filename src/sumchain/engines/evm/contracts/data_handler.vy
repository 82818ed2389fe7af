# pragma version 0.4.3
"""
@title The contract's memory of contributions
@notice Storage keeps per contribution only what the rules need, under a key that hashes what its
        author must present again to claim it (x, y, the time it was added, the author): the initial
        deposit, the amount still claimable, how many claims were made and who claimed. The data
        itself lives in the DataAdded event.
"""

import perceptron

struct Contribution:
    initial_deposit: uint256
    claimable: uint256
    claims: uint256          # 1 + the number of claims; 0 when there is no such contribution

records: HashMap[bytes32, Contribution]
claimed_by: public(HashMap[bytes32, HashMap[address, bool]])


@internal
@pure
def key_of(packed: DynArray[uint256, perceptron.MAX_WORDS], y: uint256, added_time: uint256,
           author: address) -> bytes32:
    return keccak256(abi_encode(packed, y, added_time, author))


@internal
@view
def check_new(key: bytes32):
    assert self.records[key].claims == 0, "this exact contribution was already added at this time"


@internal
def add(key: bytes32, deposit: uint256):
    self.records[key] = Contribution(initial_deposit=deposit, claimable=deposit, claims=1)


@internal
@view
def find(key: bytes32) -> Contribution:
    record: Contribution = self.records[key]
    assert record.claims != 0, "no such contribution (check x, y, added_time and the original author)"
    return record


@internal
def record_claim(key: bytes32, claimer: address, amount: uint256):
    record: Contribution = self.records[key]
    self.records[key] = Contribution(initial_deposit=record.initial_deposit, claimable=record.claimable - amount,
                                     claims=record.claims + 1)
    self.claimed_by[key][claimer] = True
