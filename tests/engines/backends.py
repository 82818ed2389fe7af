"""Every EVM backend, fresh, by name: the conformance suite and the rpc tests share these."""

from __future__ import annotations

from functools import lru_cache

from sumchain.engines.evm.backend import EvmBackend

BACKEND_NAMES = ("revm", "rpc")

PROBE = """
# pragma version ~=0.4.3
# A small contract that exercises what a backend must carry: value, storage, logs, reverts, time.

event Poked:
    who: indexed(address)
    amount: uint256
    paid: uint256

stored: public(uint256)
pokes: public(HashMap[address, uint256])

@deploy
@payable
def __init__(start: uint256):
    self.stored = start

@external
@view
def stamp() -> uint256:
    return block.timestamp

@external
@payable
def poke(amount: uint256) -> uint256:
    assert amount < 100, "amount must be below 100"
    self.stored = amount
    self.pokes[msg.sender] += 1
    log Poked(who=msg.sender, amount=amount, paid=msg.value)
    return block.timestamp

@external
@payable
def keep_half() -> uint256:
    send(msg.sender, msg.value // 2)
    return msg.value - msg.value // 2

@external
def fail_bare():
    raise
"""


@lru_cache(maxsize=1)
def probe_artefact() -> tuple[bytes, list]:
    import vyper

    out = vyper.compile_code(PROBE, output_formats=["bytecode", "abi"])
    return bytes.fromhex(out["bytecode"].removeprefix("0x")), out["abi"]


def make_backend(name: str, rpc_url: str | None = None, gas_price: int = 0) -> EvmBackend:
    """A fresh chain at time 0 on backend `name` (rpc: the dev node taken back to its genesis)."""
    if name == "revm":
        from sumchain.engines.evm.revm import RevmBackend

        return RevmBackend(gas_price=gas_price)
    from sumchain.engines.rpc import RpcBackend, fresh_dev_chain

    return fresh_dev_chain(RpcBackend(rpc_url, gas_price=gas_price))
