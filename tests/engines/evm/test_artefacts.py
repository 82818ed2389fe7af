"""The shipped compiled contracts are exactly what the pinned Vyper makes of the shipped sources."""

from __future__ import annotations

import json

import pytest

from sumchain.config import EVM_MODELS
from sumchain.engines.evm import artefacts


@pytest.mark.parametrize("family", EVM_MODELS)
def test_shipped_artefacts_match_their_sources(family):
    """Per family, so that test workers share the compiling (each trainer takes several seconds)."""
    pytest.importorskip("vyper")
    shipped = json.loads(artefacts.ARTEFACTS_FILE.read_text())
    built = json.loads(json.dumps(artefacts.compile_all((family,))))
    assert shipped["source_hash"] == built["source_hash"] == artefacts.source_hash()
    assert shipped["vyper"] == built["vyper"]
    name = artefacts.trainer_name(family)
    assert shipped["contracts"][name] == built["contracts"][name]


def test_every_family_s_trainer_fits_the_code_size_limit():
    """EIP-170 (24,576 bytes of runtime code): the rpc engine's node refuses a larger contract."""
    shipped = json.loads(artefacts.ARTEFACTS_FILE.read_text())["contracts"]
    assert set(shipped) == {artefacts.trainer_name(family) for family in EVM_MODELS}
    for name, entry in shipped.items():
        assert 0 < entry["runtime_bytes"] <= artefacts.MAX_CODE_BYTES, name


def test_stale_artefacts_are_refused(tmp_path, monkeypatch):
    source = tmp_path / "contracts"
    source.mkdir()
    for path in artefacts.CONTRACTS_DIR.iterdir():
        (source / path.name).write_bytes(path.read_bytes())
    (source / "points.vy").write_text((source / "points.vy").read_text() + "\n# changed\n")
    monkeypatch.setattr(artefacts, "CONTRACTS_DIR", source)
    monkeypatch.setattr(artefacts, "ARTEFACTS_FILE", source / "artefacts.json")
    artefacts.load.cache_clear()
    try:
        with pytest.raises(artefacts.SumchainError, match="do not match their Vyper sources"):
            artefacts.trainer_artefact("perceptron")
    finally:
        artefacts.load.cache_clear()
