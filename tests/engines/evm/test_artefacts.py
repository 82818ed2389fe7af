"""The shipped compiled contracts are exactly what the pinned Vyper makes of the shipped sources."""

from __future__ import annotations

import json

import pytest

from sumchain.engines.evm import artefacts


def test_shipped_artefacts_match_their_sources():
    pytest.importorskip("vyper")
    shipped = json.loads(artefacts.ARTEFACTS_FILE.read_text())
    assert shipped["source_hash"] == artefacts.source_hash()
    assert shipped == json.loads(json.dumps(artefacts.compile_all()))


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
            artefacts.load("trainer")
    finally:
        artefacts.load.cache_clear()
