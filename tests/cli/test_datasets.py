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
    path.write_text("x,label\n1,a\n2,b\n3,a\n4,b\n")
    assert main(["datasets", "--json", "--set", "dataset=csv", "--set", f"data_path={path}",
                 "--set", "label_column=label"]) == 0
    infos = {info["name"]: info for info in json.loads(capsys.readouterr().out)}
    assert infos["csv"]["offline"] is True and infos["csv"]["rows"] == 4
    assert set(infos) == {"synthetic", "imdb", "text", "csv"}


def test_bad_config_exits_2(capsys):
    assert main(["datasets", "--set", "dataset=nope"]) == 2
    assert "config key 'dataset'" in capsys.readouterr().err


@pytest.mark.parametrize("dataset, content, overrides, message", [
    ("csv", "x,label\n1,a\n2,b\n3,a\n4,b\n", [], "has no column 'sentiment'"),
    ("text", "review,sentiment\ngood,positive\nfine,positive\nok,positive\n", [], "a single class 'positive'"),
    ("csv", "x,kind\n1,a\n2,b\n", ["label_column=kind"], "too few to split"),
    ("csv", "x,y,kind\n1,2,a\n2,3,b\n3,4,a\n4,5,b\n", ["label_column=kind", "num_words=1"],
     "less than the 2 feature columns"),
])
def test_a_file_datasets_calls_usable_is_one_simulate_loads(capsys, tmp_path, dataset, content, overrides, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    sets = [arg for item in [f"dataset={dataset}", f"data_path={path}", *overrides] for arg in ("--set", item)]
    assert main(["datasets", "--json", *sets]) == 0
    info = {info["name"]: info for info in json.loads(capsys.readouterr().out)}[dataset]
    assert info["offline"] is False and message in info["status"]
    assert main(["simulate", *sets, "--quiet", "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
