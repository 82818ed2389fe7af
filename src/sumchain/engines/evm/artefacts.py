"""The compiled contracts (ABI + bytecode), built once from the Vyper sources and shipped.

Why shipped: compiling needs the Vyper compiler and seconds of work; a run needs neither. The
artefact file records the hash of the sources it was built from, so a stale build is refused at
load time and caught by the test that recompiles (`tests/engines/evm/test_artefacts.py`).
Rebuild after changing a contract: `python -m sumchain.engines.evm.artefacts`.

One trainer source, one contract per model family: `trainer.vy` imports `model`, and each build
resolves `model.vy` to the family's module (`perceptron.vy`, `naive_bayes.vy`, ...); the artefact of
family F is `trainer_F` (`trainer_artefact(F)`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sumchain.config import EVM_MODELS
from sumchain.errors import SumchainError

CONTRACTS_DIR = Path(__file__).with_name("contracts")
ARTEFACTS_FILE = CONTRACTS_DIR / "artefacts.json"
MAX_CODE_BYTES = 24_576
"""EIP-170: a node refuses to deploy a contract whose runtime code is larger."""
VYPER_VERSION = "0.4.3"


@dataclass(frozen=True)
class Artefact:
    name: str
    abi: tuple[dict, ...]
    bytecode: bytes
    runtime: bytes = b""
    """The runtime code as compiled; deployed code is this followed by the immutables' values
    (Vyper appends them, e.g. MECHANISM), so a deployment is recognised by this prefix."""


def source_hash() -> str:
    """sha256 over every Vyper source (name and text), in name order."""
    digest = hashlib.sha256()
    for path in sorted(CONTRACTS_DIR.glob("*.vy")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def trainer_name(family: str) -> str:
    return f"trainer_{family}"


def trainer_artefact(family: str) -> Artefact:
    """The trainer contract compiled with `family`'s model module."""
    if family not in EVM_MODELS:
        raise SumchainError(f"model={family} has no contract code; the EVM runs model={', '.join(EVM_MODELS)}")
    return load(trainer_name(family))


@lru_cache(maxsize=None)
def load(name: str = "trainer_perceptron") -> Artefact:
    try:
        stored = json.loads(ARTEFACTS_FILE.read_text())
    except FileNotFoundError:
        raise SumchainError(f"compiled contracts missing ({ARTEFACTS_FILE}); "
                            "build them with: python -m sumchain.engines.evm.artefacts") from None
    if stored.get("source_hash") != source_hash():
        raise SumchainError("the compiled contracts do not match their Vyper sources; "
                            "rebuild them with: python -m sumchain.engines.evm.artefacts")
    entry = stored["contracts"][name]
    return Artefact(name, tuple(entry["abi"]), bytes.fromhex(entry["bytecode"].removeprefix("0x")),
                    bytes.fromhex(entry.get("runtime", "").removeprefix("0x")))


def compile_all(families: tuple[str, ...] = EVM_MODELS) -> dict:
    """Compile the trainer once per model family with the pinned Vyper (a test dependency, not a
    runtime one)."""
    import vyper
    from vyper.compiler import compile_from_file_input
    from vyper.compiler.input_bundle import FilesystemInputBundle

    if vyper.__version__.split("+")[0] != VYPER_VERSION:
        raise SumchainError(f"contracts are built with vyper {VYPER_VERSION}, found {vyper.__version__}")

    class FamilyBundle(FilesystemInputBundle):
        """The contracts folder, where `model.vy` is the family's module."""

        def __init__(self, family: str):
            super().__init__([CONTRACTS_DIR])
            self.family = family

        def _normalize_path(self, path):
            if path.name == "model.vy":
                path = path.with_name(f"{self.family}.vy")
            return super()._normalize_path(path)

    contracts = {}
    for family in families:
        bundle = FamilyBundle(family)
        file_input = bundle.load_file(CONTRACTS_DIR / "trainer.vy")
        out = compile_from_file_input(file_input, input_bundle=bundle,
                                      output_formats=["abi", "bytecode", "bytecode_runtime"])
        contracts[trainer_name(family)] = {"abi": out["abi"], "bytecode": out["bytecode"],
                                           "runtime": out["bytecode_runtime"],
                                           "runtime_bytes": len(out["bytecode_runtime"].removeprefix("0x")) // 2}
    return {"vyper": VYPER_VERSION, "source_hash": source_hash(), "contracts": contracts}


def build() -> Path:
    from sumchain.files import atomic_path

    with atomic_path(ARTEFACTS_FILE) as temp:
        Path(temp).write_text(json.dumps(compile_all(), indent=1, sort_keys=True) + "\n")
    load.cache_clear()
    return ARTEFACTS_FILE


if __name__ == "__main__":
    print(f"wrote {build()}")
