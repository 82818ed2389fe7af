"""The chain handle of the EVM engine: the ledger's clock, record and hash chain over an EVM backend.

Why a `Chain` subclass: the record of every call (sender, function, arguments, value, time,
outcome) and its hash chain are exactly the Python engine's, so `sumchain verify` and the ledger
file work unchanged; what differs is where money lives. Balances are the EVM's own (read from the
backend), funding mints on the backend, and the clock sets the backend's block timestamp.
Participants are names, as on the Python engine; each has a deterministic address
(`EvmBackend.address_of`), and a 0x-address is accepted wherever a name is.

A chain is either a simulation's (`live=False`: the clock starts where the simulator says and moves
with `advance`) or a live one's (`live=True`: any node whose clock and money the user does not
control; `now` is the node's latest block time, and `advance` and `fund` are refused in one line).
"""

from __future__ import annotations

from collections import Counter

from sumchain.engines.evm.backend import EvmBackend
from sumchain.errors import SumchainError
from sumchain.ledger import MINT, Chain, Transfers


class LiveChainError(SumchainError):
    """Something only a simulation's chain can do (move the clock, mint money), asked of a live chain."""


def _is_address(text: str) -> bool:
    return len(text) == 42 and text.startswith("0x")


class EvmChain(Chain):
    """Clock, balances and the record of calls, for contracts running on `backend`."""

    def __init__(self, backend: EvmBackend, start_time: int = 0, live: bool = False):
        self.live = live
        super().__init__(backend.now if live else start_time)
        self.backend = backend
        if not live:
            backend.set_time(self.now)
        self._address_of: dict[str, str] = {}
        self._name_of: dict[str, str] = {}
        self.gas: Counter[tuple[str, str]] = Counter()
        """Gas used, by (sender, function); refused calls included, as a chain charges them."""

    # -- names and addresses ---------------------------------------------------------------
    def address_of(self, name: str) -> str:
        address = self._address_of.get(name)
        if address is None:
            address = name.lower() if _is_address(name) else self.backend.address_of(name)
            self._address_of[name] = address
            self._name_of.setdefault(address, name)
        return address

    def name_of(self, address: str) -> str:
        return self._name_of.get(address.lower(), address.lower())

    # -- clock and money ---------------------------------------------------------------------
    @property
    def now(self) -> int:
        """On a live chain, the node's own time (its latest block's), read afresh each time."""
        if self.live:
            self.saw_time(self.backend.now)
        return self._now

    def saw_time(self, timestamp: int) -> None:
        """A live chain's clock follows the blocks it sees (a transaction's block time, for the record)."""
        self._now = max(self._now, int(timestamp))

    def advance(self, seconds: int) -> int:
        if self.live:
            raise LiveChainError("a live chain's clock cannot be moved: it advances as the node mines blocks")
        now = super().advance(seconds)
        self.backend.set_time(now)
        return now

    def balance_of(self, address: str) -> int:
        return self.backend.balance(self.address_of(address))

    def balances(self) -> dict[str, int]:
        """Every named participant's balance, as the EVM holds it now."""
        return {name: self.backend.balance(address) for name, address in self._address_of.items()}

    def fund(self, address: str, amount: int) -> None:
        """Mint `amount` wei to `address` on the backend, recorded as a call like on every engine."""
        amount = int(amount)
        if amount < 0:
            raise ValueError("cannot fund a negative amount")
        if self.live:
            raise LiveChainError("a live chain's money cannot be minted: send ether to the address on the chain")

        def mint(transfers: Transfers) -> None:
            self.backend.mint(self.address_of(address), amount)
            transfers.emit("Mint", address, amount)
        self.transact(MINT, "fund", 0, {"address": address, "amount": amount}, mint)
        self.minted += amount

    def meter(self, sender: str, function: str, gas_used: int) -> None:
        self.gas[(sender, function)] += gas_used

    def gas_used(self) -> dict[tuple[str, str], int]:
        return dict(self.gas)
