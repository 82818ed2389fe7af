"""`sumchain datasets`: table and JSON output, and config options."""

from __future__ import annotations

import json

import pytest

from sumchain.cli import main


@pytest.fixture(autouse=True)
def with_datasets_command(monkeypatch, tmp_path):
    """Keep the cache private to the test."""
    monkeypatch.setenv("SUMCHAIN_DATA_DIR", str(tmp_path / "cache"))


def test_table(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["dataset", "offline", "size", "status"]
    assert rows[0].split()[:2] == ["synthetic", "yes"] and rows[1].split()[:2] == ["imdb", "no"]


def test_json_with_data_path(capsys, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,label\n1,a\n2,b\n")
    assert main(["datasets", "--json", "--set", "dataset=csv", "--set", f"data_path={path}"]) == 0
    infos = {info["name"]: info for info in json.loads(capsys.readouterr().out)}
    assert infos["csv"]["offline"] is True and infos["csv"]["rows"] == 2
    assert set(infos) == {"synthetic", "imdb", "text", "csv"}


def test_bad_config_exits_2(capsys):
    assert main(["datasets", "--set", "dataset=nope"]) == 2
    assert "config key 'dataset'" in capsys.readouterr().err
