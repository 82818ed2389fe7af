"""The low-level EVM backend protocol: where EVM bytecode runs (agreed with the `rpc` engine).

The EVM engine's trainer (ABI encoding, events, mapping reverts to `sumchain.Rejected`, the ledger
record) is written once over this small protocol. Two backends implement it: pyrevm in process
(`sumchain.engines.evm.revm`) and a JSON-RPC node through web3.py (`sumchain.engines.rpc`).

Time: the simulator's clock sets the timestamp before each transaction; many transactions may share
one timestamp. Gas price 0 by default, so balances equal the Python engine's. Senders are arbitrary
addresses; the deployer (the contract's owner) is `address_of("owner")`.

Gas: a transaction asks for at most `TX_GAS_CAP` = 2**24 gas, the per-transaction cap a current
Ethereum chain enforces (EIP-7825, the Fusaka upgrade), and a backend refuses a larger request in
one line as such a node does, so what runs on `engine=evm` also runs on a current chain.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple, Protocol

from Crypto.Hash import keccak

from sumchain.components import TX_GAS_CAP
from sumchain.errors import SumchainError

# TX_GAS_CAP: EIP-7825, the most gas one transaction (or a read, on such a node) may ask for: 16,777,216.
BLOCK_GAS_LIMIT = 60_000_000
"""The block gas limit of the in-process chain and the dev node, as on Ethereum mainnet."""


class GasCapError(SumchainError):
    """A transaction asked for more gas than a current chain allows one transaction."""


def check_gas(gas: int) -> int:
    """`gas` if a current chain would take it as one transaction's limit; else a one-line refusal."""
    gas = int(gas)
    if not 0 < gas <= TX_GAS_CAP:
        raise GasCapError(f"a transaction's gas limit must be between 1 and 2**24 = {TX_GAS_CAP:,} "
                          f"(EIP-7825), got {gas:,}")
    return gas


def keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


@lru_cache(maxsize=4096)
def address_for_name(name: str) -> str:
    """A participant's address, the same on every backend: the last 20 bytes of keccak256("sumchain:" + name).
    Remembered: every read names its caller, and a hash costs more than the read's own encoding."""
    return "0x" + keccak256(b"sumchain:" + name.encode())[-20:].hex()


class Log(NamedTuple):
    """A contract's event as a transaction emitted it (a named tuple: tens of thousands per run)."""

    address: str                  # 0x-prefixed lower-case hex, 20 bytes
    topics: tuple[bytes, ...]     # 32 bytes each
    data: bytes


class Outcome(NamedTuple):
    """What a transaction or a read did (a named tuple: one per call, over a hundred thousand per run)."""

    success: bool                 # False when the call reverted (or ran out of gas)
    output: bytes                 # return data, or the revert data (Error(string) ABI-encoded for a reason)
    logs: tuple[Log, ...]         # empty when not successful
    gas_used: int
    tx_hash: str = ""             # 0x-hex, on a node; empty in process (pyrevm has no transaction hashes)
    block: int = 0                # the block it was mined in, on a node


class EvmBackend(Protocol):
    """Where EVM bytecode runs. Every transaction is metered; balances are the EVM's own."""

    gas_price: int
    """Wei per gas; 0 by default so balances equal the python engine's."""

    def address_of(self, name: str) -> str:
        """A participant's address, deterministic for a name (`address_for_name`)."""

    def deploy(self, sender: str, initcode: bytes, value: int = 0) -> tuple[str, Outcome]:
        """Create a contract from `sender` (an address); return the new contract's address."""

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int = TX_GAS_CAP) -> Outcome:
        """One transaction at the current time; state changes only on success, except that gas is
        paid either way (gas_used * gas_price)."""

    def call(self, to: str, data: bytes, sender: str | None = None) -> Outcome:
        """A free read: changes nothing."""

    def balance(self, address: str) -> int: ...

    def mint(self, address: str, amount: int) -> None:
        """Add `amount` wei to `address` (dev chains: set balance to balance + amount)."""

    @property
    def now(self) -> int:
        """The timestamp the next transaction carries."""

    def set_time(self, timestamp: int) -> None:
        """Never backwards; several transactions may share a timestamp."""
