"""The architecture as a test: each package imports only the packages below it."""

import ast
from pathlib import Path

import pytest

import sumchain

LAYERS = [
    {"config", "components", "agent_kinds", "errors", "files"},
    {"models", "data"},
    {"ledger"},
    {"contract"},
    {"engines"},
    {"sim"},
    {"experiments"},
    {"report"},
    {"live"},
    {"web"},
    {"cli"},
]
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}
ROOT = Path(sumchain.__file__).parent
MODULES = sorted(p for p in ROOT.rglob("*.py") if p.parent != ROOT or p.stem not in ("__init__", "__main__"))


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found.update(name.split(".")[1] for name in names if name.startswith("sumchain."))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_go_one_way(path):
    own = path.relative_to(ROOT).parts[0].removesuffix(".py")
    if own == "components":
        return    # collects the registries lazily: its own test below
    upward = {name for name in imported_packages(path) if LEVEL[name] > LEVEL[own]}
    assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}, which sit above {own}"


LAZY_REGISTRIES = {"models", "data", "contract"}
"""What `components.py` may import, inside functions only: the packages whose modules declare the
components (never the simulator, engines or anything above)."""


def test_components_collects_descriptors_lazily_and_never_from_the_simulator():
    tree = ast.parse((ROOT / "components.py").read_text())
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert not (module or "").startswith("sumchain."), f"components.py imports {module} at module level"
    lazy = imported_packages(ROOT / "components.py")
    assert lazy <= LAZY_REGISTRIES, f"components.py imports {sorted(lazy - LAZY_REGISTRIES)}"


ENGINE_PACKAGES = ("evm", "rpc")
DRIVE_THE_RPC_ENGINE = {"live"}
"""The deliberate exception: `live/` deploys and drives a contract on a node itself, step by step and
resumably (its ABI, artefacts, state chunks and signed transactions are the rpc engine's own parts);
`sumchain deploy` and `sumchain contract` reach them only through `live/`."""


def engine_internals(path: Path) -> set[str]:
    """The engine modules `path` imports other than an engine package's public `__init__`
    (`from sumchain.engines.evm import abi` imports the module `abi`, so it counts)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names
                                     if (ROOT / Path(*node.module.split(".")[1:]) / f"{alias.name}.py").exists()
                                     or (ROOT / Path(*node.module.split(".")[1:]) / alias.name).is_dir()]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["sumchain", "engines"] and len(parts) > 3 and parts[2] in ENGINE_PACKAGES:
                found.add(name)
    return found


@pytest.mark.parametrize("path", [p for p in MODULES if p.relative_to(ROOT).parts[0] != "engines"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_above_the_engines_reaches_into_one(path):
    relative = path.relative_to(ROOT)
    if relative.parts[0] in DRIVE_THE_RPC_ENGINE or relative.as_posix() in DRIVE_THE_RPC_ENGINE:
        return
    inside = engine_internals(path)
    assert not inside, f"{relative} imports {sorted(inside)}; use the engine package's public names instead"


def test_the_internal_imports_check_can_fail(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("from sumchain.engines.evm import abi, deploy_evm\nimport sumchain.engines.rpc.backend\n"
                      "from sumchain.engines.rpc import deploy_rpc\n")
    assert engine_internals(module) == {"sumchain.engines.evm.abi", "sumchain.engines.rpc.backend"}
