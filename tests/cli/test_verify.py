"""`sumchain verify` from the command line: each tampering with what a ledger is a run of (its config,
the data reference) is one line naming what differs, exit 1; a ledger without that evidence is
refused in one line, exit 2; an untampered one is intact, exit 0. On python and evm ledgers."""

from __future__ import annotations

import json
import sqlite3

import pytest

import sumchain.cli as cli

SMALL = ["--set", "num_words=100", "--set", "max_train=400", "--set", "max_test=200", "--quiet"]


@pytest.fixture(scope="module", params=["python", "evm"])
def ledger(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"verify-{request.param}")
    path = out / "run.sqlite"
    assert cli.main(["simulate", *SMALL, "--set", f"engine={request.param}", "--out", str(out / "run"),
                     "--ledger", str(path)]) == 0
    return path


def _tampered(ledger, tmp_path, *statements):
    copy = tmp_path / "tampered.sqlite"
    copy.write_bytes(ledger.read_bytes())
    with sqlite3.connect(copy) as db:
        for statement, *params in statements:
            db.execute(statement, params)
    db.close()
    return copy


def _config_with(ledger, key, value):
    with sqlite3.connect(ledger) as db:
        config = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
    db.close()
    *tables, leaf = key.split(".")
    table = config
    for name in tables:
        table = table[name]
    table[leaf] = value
    return json.dumps(config)


@pytest.mark.parametrize("key, value", [("agents.Good.mean_deposit", 49.5), ("depleted_pct", 3.0),
                                        ("accuracy_interval_s", 7200)])
def test_an_edited_config_is_one_line_naming_the_key(ledger, tmp_path, capsys, key, value):
    copy = _tampered(ledger, tmp_path, ("UPDATE meta SET value = ? WHERE key = 'config'", _config_with(ledger, key, value)))
    capsys.readouterr()
    assert cli.main(["verify", str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"config differs: {key} is not what the run's chain started from")


def test_a_deleted_data_reference_is_one_line(ledger, tmp_path, capsys):
    copy = _tampered(ledger, tmp_path, ("DELETE FROM meta WHERE key = 'data'",))
    capsys.readouterr()
    assert cli.main(["verify", str(copy)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("data reference missing: ")


def test_a_ledger_without_genesis_evidence_is_refused_and_an_intact_one_passes(ledger, tmp_path, capsys):
    copy = _tampered(ledger, tmp_path, ("DELETE FROM meta WHERE key = 'genesis'",),
                     ("UPDATE blocks SET prev_hash = ? WHERE number = 0", "0" * 64))
    capsys.readouterr()
    assert cli.main(["verify", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not hash its config and data reference" in err
    assert cli.main(["verify", str(ledger)]) == 0
    assert capsys.readouterr().out.startswith("chain intact: ")
