"""The components a run is made of, each described once in its own module, and the EVM limits.

Registries: each model family (`models.registry.MODELS`, a `Family` per family module), incentive
mechanism (`MechanismDescriptor` in each `contract/incentives/*.py`), dataset (`data.LOADERS`) and
engine (`engines.ENGINES`) says its name, parameters and engines where it lives; the functions
below collect them when first asked (the config validates against them, and sits below every
component, so it imports none of them at module level).

EVM limits are read from the contracts' Vyper sources.

The contracts' constants (`MAX_FEATURES: constant(uint256) = 1024`, the mechanism numbers in
`trainer.vy`, a family's `MAX_CLASSES`) are the limits the EVM engines enforce; the config, the
families and the evm engine read them here instead of restating them, so changing a bound in a
`.vy` file changes it everywhere. The sources are read as text (this module sits beside the config
and imports nothing above it); each file is parsed once per process.
"""

from __future__ import annotations

import ast
import functools
import importlib
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TX_GAS_CAP = 2**24
"""EIP-7825: the most gas one transaction may use (16,777,216) on every engine."""
ALL_ENGINES = ("python", "evm", "rpc")
"""The engines, in the order they are offered (`engines.ENGINES` maps each to its deploy function)."""

CONTRACTS = Path(__file__).parent / "engines" / "evm" / "contracts"
"""The Vyper sources (shipped as package data with the evm engine)."""

_CONSTANT = re.compile(r"^([A-Z][A-Z0-9_]*)\s*:\s*constant\(\s*u?int\d+\s*\)\s*=\s*([^#\n]+)", re.MULTILINE)
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Pow: operator.pow,
              ast.FloorDiv: operator.floordiv, ast.LShift: operator.lshift, ast.RShift: operator.rshift}


@functools.cache
def vyper_constants(source: str) -> dict[str, int]:
    """The integer constants of `contracts/<source>.vy` by name, references to other modules'
    constants (`sparse_sample.MAX_FEATURES`) resolved; those that cannot be resolved are left out."""
    text = (CONTRACTS / f"{source}.vy").read_text()
    constants: dict[str, int] = {}
    for name, expression in _CONSTANT.findall(text):
        try:
            constants[name] = _evaluate(ast.parse(expression.strip(), mode="eval").body, constants)
        except (KeyError, ValueError, FileNotFoundError):
            continue    # e.g. trainer.vy's `model.MAX_WORDS`: `model` is whichever family it is compiled with
    return constants


def vyper_constant(source: str, name: str) -> int:
    """One constant of `contracts/<source>.vy` (KeyError naming the file when it has none)."""
    try:
        return vyper_constants(source)[name]
    except KeyError:
        raise KeyError(f"{source}.vy defines no integer constant {name}") from None


def _evaluate(node: ast.expr, local: dict[str, int]) -> int:
    """Integer arithmetic on literals, this file's constants and other modules' constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return local[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return vyper_constant(node.value.id, node.attr)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, local), _evaluate(node.right, local))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, local)
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "max_value" and len(node.args) == 1:
        bits = re.fullmatch(r"(u?)int(\d+)", getattr(node.args[0], "id", ""))
        if bits:
            return 2 ** (int(bits[2]) - (bits[1] != "u")) - 1
    raise ValueError(f"cannot evaluate the Vyper constant expression {ast.unparse(node)!r}")


@functools.cache
def evm_mechanisms() -> tuple[str, ...]:
    """The incentive mechanisms `trainer.vy` implements, in the order of their MECHANISM numbers
    (`STAKEABLE: constant(uint256) = 0`, ...): the number a deployment passes is the index here."""
    numbered = {value: name.lower() for name, value in _trainer_constants().items()}
    return tuple(numbered[k] for k in range(len(numbered)))


def _trainer_constants() -> dict[str, int]:
    """trainer.vy's mechanism numbers: the constants declared between `MAX_PREVIEW` and `MECHANISM`."""
    text = (CONTRACTS / "trainer.vy").read_text()
    block = text[text.index("NO_LABEL:"):text.index("MECHANISM: public")]
    names = [name for name, _ in _CONSTANT.findall(block) if name != "NO_LABEL"]
    constants = vyper_constants("trainer")
    return {name: constants[name] for name in names}


def evm_max_features() -> int:
    """The most present features (sparse) or values (dense) a sample may have on the contract."""
    sparse, dense = vyper_constant("sparse_sample", "MAX_FEATURES"), vyper_constant("dense_sample", "MAX_FEATURES")
    if sparse != dense:
        raise ValueError(f"sparse_sample.vy and dense_sample.vy disagree on MAX_FEATURES ({sparse}, {dense})")
    return sparse


@dataclass(frozen=True)
class MechanismDescriptor:
    """An incentive mechanism as the config sees it, declared in its own module.

    `parameters`: the frozen class of its own keys (its config table, `[quality_priced]`), or None.
    It runs on the chain engines when `trainer.vy` numbers it (`evm_mechanisms`)."""

    name: str
    summary: str
    paid_predictions: bool = False
    """Its trainer shares a paid prediction's value among verified contributors (callers)."""
    parameters: type | None = None
    own_contract: str | None = None
    """`module:function` building a contract of its own on a Python chain, `function(chain, config,
    model, owner=, address=)`, for a mechanism that is not a trainer's (the prediction market);
    None: the trainer runs it (`contract.incentives.mechanism_for`)."""

    def build_own_contract(self, chain: Any, config: Any, model: Any, *, owner: str, address: str) -> Any:
        module, function = self.own_contract.split(":")
        return getattr(importlib.import_module(module), function)(chain, config, model, owner=owner, address=address)

    @property
    def engines(self) -> tuple[str, ...]:
        return ALL_ENGINES if self.name in evm_mechanisms() else ("python",)


# -- the registries, collected on first use ----------------------------------------------------
@functools.cache
def model_families() -> dict[str, Any]:
    """`model = ...` names to their `models.registry.Family` descriptors."""
    from sumchain.models.registry import MODELS
    return MODELS


@functools.cache
def mechanisms() -> dict[str, MechanismDescriptor]:
    """`incentive = ...` names to their descriptors."""
    from sumchain.contract.incentives import INCENTIVES
    return INCENTIVES


@functools.cache
def dataset_names() -> tuple[str, ...]:
    """`dataset = ...` names (each loader registers one)."""
    from sumchain.data import LOADERS
    return tuple(LOADERS)


def engine_names() -> tuple[str, ...]:
    return ALL_ENGINES


def evm_gas_model() -> dict[str, tuple[int, int, int]]:
    """Per family with contract code, its (base, per_feature, per_present) gas envelope."""
    return {name: family.contract.gas_envelope for name, family in model_families().items() if family.contract}
