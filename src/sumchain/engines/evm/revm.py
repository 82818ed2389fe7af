"""The in-process backend: pyrevm (revm's Python binding). Every pyrevm call lives in this module,
so an API change of the pinned pyrevm touches this file only.

A transaction (or read) asks for at most 2**24 gas, a current chain's per-transaction cap
(EIP-7825), and a larger request is refused in one line (`check_gas`), as such a node refuses it.

pyrevm's `message_call` commits a successful call, raises `RuntimeError` carrying the revert data for
a reverted one, and charges no gas; so gas is charged here (gas_used * gas_price, burned) whatever
the outcome, as a chain would.

Gas accounting caveat, measured on pyrevm 0.3.7: its journal is never finalised between
transactions, so a storage slot touched by any earlier transaction stays warm (EIP-2929: 100 gas
instead of 2,100 for a read) and a slot's "original value" (EIP-2200) stays the one before the
first transaction, so rewriting it costs 100 instead of 2,900. Storage-heavy calls are charged
less than a node would charge (a 100-feature `predict` sent as a transaction: 99,094 gas after the
weights were written, 299,094 on first touch). Runs stay deterministic (a replay gives the same
gas); node-exact figures come from the `rpc` engine. Measuring each transaction on a fresh copy of
the state would be exact, but pyrevm only reveals which slots exist through its opcode tracer,
which takes tens of seconds per transaction.
"""

from __future__ import annotations

import re

from pyrevm import EVM, BlockEnv, Env

from sumchain.engines.evm.backend import BLOCK_GAS_LIMIT, TX_GAS_CAP, Log, Outcome, address_for_name, check_gas

_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*) \}")
_HALT = re.compile(r"Halt \{ reason: (\w+).*gas_used: (\d+)")


def _log(log) -> Log:
    topics, data = log.data                 # bytes already (a list of them, and the data)
    return Log(log.address.lower(), tuple(topics), data)


class RevmBackend:
    """A fresh in-memory chain: block timestamps follow `set_time`, gas is metered and optionally paid."""

    def __init__(self, gas_price: int = 0, start_time: int = 0):
        self.gas_price = int(gas_price)
        self._now = int(start_time)
        self._evm = EVM(env=Env(block=BlockEnv(number=1, timestamp=self._now, gas_limit=BLOCK_GAS_LIMIT,
                                               basefee=0)),
                        gas_limit=TX_GAS_CAP)

    def address_of(self, name: str) -> str:
        return address_for_name(name)

    # -- transactions ------------------------------------------------------------------------
    def deploy(self, sender: str, initcode: bytes, value: int = 0) -> tuple[str, Outcome]:
        try:
            address = self._evm.deploy(sender, initcode, value or None, TX_GAS_CAP)
        except RuntimeError as error:
            outcome = self._failure(error)
            self._charge(sender, outcome.gas_used)
            return "", outcome
        outcome = self._success(b"")
        self._charge(sender, outcome.gas_used)
        return address.lower(), outcome

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int = TX_GAS_CAP) -> Outcome:
        gas = check_gas(gas)
        try:
            output = self._evm.message_call(sender, to, data, value or None, gas)
        except RuntimeError as error:
            outcome = self._failure(error)
        else:
            outcome = self._success(bytes(output))
        self._charge(sender, outcome.gas_used)
        return outcome

    def call(self, to: str, data: bytes, sender: str | None = None) -> Outcome:
        caller = sender or address_for_name("reader")
        # A read must not even warm storage: pyrevm keeps a static call's journal, so the next
        # transaction would pay warm instead of cold access (EIP-2929). Roll it back.
        checkpoint = self._evm.snapshot()
        try:
            output = self._evm.message_call(caller, to, data, None, TX_GAS_CAP, None, True)
        except RuntimeError as error:
            return self._failure(error)
        finally:
            self._evm.revert(checkpoint)
        return Outcome(True, bytes(output), (), self._evm.result.gas_used)

    # -- money and time ----------------------------------------------------------------------
    def balance(self, address: str) -> int:
        return self._evm.get_balance(address)

    def mint(self, address: str, amount: int) -> None:
        self._evm.set_balance(address, self._evm.get_balance(address) + int(amount))

    @property
    def now(self) -> int:
        return self._now

    def set_time(self, timestamp: int) -> None:
        timestamp = int(timestamp)
        if timestamp < self._now:
            raise ValueError(f"time cannot go backwards: {timestamp} < {self._now}")
        if timestamp != self._now:
            block = self._evm.env.block
            block.timestamp = timestamp
            block.number = block.number + 1
            self._evm.set_block_env(block)
            self._now = timestamp

    # -- results -----------------------------------------------------------------------------
    def _success(self, output: bytes) -> Outcome:
        result = self._evm.result
        return Outcome(True, output, tuple([_log(log) for log in result.logs]), result.gas_used)

    @staticmethod
    def _failure(error: RuntimeError) -> Outcome:
        text = str(error.args[0]) if error.args else str(error)
        revert = _REVERT.search(text)
        if revert:
            return Outcome(False, bytes.fromhex(revert.group(2)), (), int(revert.group(1)))
        halt = _HALT.search(text)
        if halt:
            return Outcome(False, b"", (), int(halt.group(2)))
        raise RuntimeError(f"the EVM refused the transaction: {text}") from error

    def _charge(self, sender: str, gas_used: int) -> None:
        if self.gas_price and gas_used:
            fee = gas_used * self.gas_price
            self._evm.set_balance(sender, max(0, self._evm.get_balance(sender) - fee))
