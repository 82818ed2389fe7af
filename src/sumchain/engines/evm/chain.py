"""The chain handle of the EVM engine: the ledger's clock, record and hash chain over an EVM backend.

Why a `Chain` subclass: the record of every call (sender, function, arguments, value, time,
outcome) and its hash chain are exactly the Python engine's, so `sumchain verify` and the ledger
file work unchanged; what differs is where money lives. Balances are the EVM's own (read from the
backend), funding mints on the backend, and the clock sets the backend's block timestamp.
Participants are names, as on the Python engine; each has a deterministic address
(`EvmBackend.address_of`), and a 0x-address is accepted wherever a name is.
"""

from __future__ import annotations

from collections import Counter

from sumchain.engines.evm.backend import EvmBackend
from sumchain.ledger import MINT, Chain, Transfers


def _is_address(text: str) -> bool:
    return len(text) == 42 and text.startswith("0x")


class EvmChain(Chain):
    """Clock, balances and the record of calls, for contracts running on `backend`."""

    def __init__(self, backend: EvmBackend, start_time: int = 0):
        super().__init__(start_time)
        self.backend = backend
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
    def advance(self, seconds: int) -> int:
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

        def mint(transfers: Transfers) -> None:
            self.backend.mint(self.address_of(address), amount)
            transfers.emit("Mint", address, amount)
        self.transact(MINT, "fund", 0, {"address": address, "amount": amount}, mint)
        self.minted += amount

    def meter(self, sender: str, function: str, gas_used: int) -> None:
        self.gas[(sender, function)] += gas_used

    def gas_used(self) -> dict[tuple[str, str], int]:
        return dict(self.gas)
