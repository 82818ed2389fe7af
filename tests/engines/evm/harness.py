"""Compile a harness contract around one Vyper model module and drive it, for model-level parity tests."""

from __future__ import annotations

from sumchain.engines.evm import abi
from sumchain.engines.evm.artefacts import CONTRACTS_DIR
from sumchain.engines.evm.revm import RevmBackend


def compile_harness(name: str, source: str):
    """ABI-encoded constructor types, bytecode and functions of `source`, which imports contracts/ modules."""
    from vyper.compiler import compile_from_file_input
    from vyper.compiler.input_bundle import FileInput, FilesystemInputBundle

    path = CONTRACTS_DIR / f"{name}.vy"
    out = compile_from_file_input(FileInput(0, path, path, source), input_bundle=FilesystemInputBundle([CONTRACTS_DIR]),
                                  output_formats=["abi", "bytecode"])
    functions, _ = abi.interface(out["abi"])
    constructor = next(item for item in out["abi"] if item["type"] == "constructor")
    types = tuple(p["type"] for p in constructor["inputs"])
    return bytes.fromhex(out["bytecode"].removeprefix("0x")), types, functions


class Deployed:
    def __init__(self, harness, *constructor_args):
        bytecode, types, self.functions = harness
        self.backend = RevmBackend()
        self.owner = self.backend.address_of("owner")
        self.address, outcome = self.backend.deploy(self.owner, bytecode + abi.encode(types, constructor_args))
        assert outcome.success

    def send(self, function: str, *args):
        outcome = self.backend.transact(self.owner, self.address, self.functions[function].calldata(*args))
        assert outcome.success, abi.revert_reason(outcome.output)

    def read(self, function: str, *args):
        outcome = self.backend.call(self.address, self.functions[function].calldata(*args))
        assert outcome.success, abi.revert_reason(outcome.output)
        return self.functions[function].result(outcome.output)


