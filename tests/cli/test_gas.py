"""`sumchain gas`: the table and its CSV, measured on the in-process EVM."""

from __future__ import annotations

import pandas as pd
import pytest

from sumchain.cli import main


def test_gas_report_table_and_csv(tmp_path, capsys):
    out = tmp_path / "gas.csv"
    code = main(["gas", "--set", "num_words=120", "--set", "max_train=400", "--set", "max_test=100",
                 "--set", "gas_price_gwei=10", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "ether at 10 gwei per gas" in printed
    table = pd.read_csv(out)
    assert list(table.columns) == ["section", "item", "features", "gas", "ether"]
    calls = table[table.section == "calls"]
    assert sorted(set(calls.features)) == [10, 50]             # 2 * 100 > 120 words: not measurable
    adds = calls[calls.item == "add_data (model unchanged)"].set_index("features").gas
    assert adds[50] > adds[10] > 21_000                        # more features, more gas
    run = table[table.section == "run"]
    assert {"Good: add_data", "Bad: add_data", "all agents"} <= set(run.item)
    assert (table.ether == table.gas * 10 / 1e9).all()


def test_gas_refuses_a_bad_key(capsys):
    assert main(["gas", "--set", "gas_price_gwei=-1", "--no-run"]) == 2
    assert "gas_price_gwei" in capsys.readouterr().err


def test_gas_refuses_a_model_without_contract_code(capsys):
    assert main(["gas", "--set", "model=logistic_regression", "--no-run"]) == 2
    assert "config key 'model' = 'logistic_regression' is not allowed" in capsys.readouterr().err


def test_gas_report_of_another_family_on_contract(tmp_path):
    out = tmp_path / "gas.csv"
    assert main(["gas", "--set", "model=naive_bayes", "--set", "num_words=120", "--set", "max_train=400",
                 "--set", "max_test=100", "--no-run", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    deploy = table[table.section == "deploy"]
    assert deploy.item.str.contains("non-zero state entries").any() and (deploy.gas > 0).all()
    calls = table[table.section == "calls"]
    adds = calls[calls.item == "add_data (label the model gives)"].set_index("features").gas
    assert adds[50] > adds[10] > 21_000           # naive Bayes writes two words per present feature
    assert {"add_data (the other label)", "paid predict"} <= set(calls.item)


def test_gas_prints_blank_features_not_na(tmp_path, capsys):
    assert main(["gas", "--set", "num_words=100", "--set", "max_train=400", "--set", "max_test=100", "--no-run",
                 "--out", str(tmp_path / "gas.csv"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "<NA>" not in printed and "create the trainer contract" in printed


def _inside_run_folder(t):
    from sumchain.files import claim_folder
    claim_folder(t / "run", "run").release()
    (t / "run" / "gas.csv").write_text("sender,function,gas\nGood,add_data,1\n")
    return t / "run" / "gas.csv"


def _read_only_mount(t, monkeypatch):
    """What a read-only mount does (root passes every permission check, so chmod cannot show it)."""
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return t / "gas.csv"


@pytest.mark.parametrize("make_out, message", [
    (lambda t, m: "", "--out is empty; give a file name"),
    (lambda t, m: str(t), "is a folder; give a file name"),
    (lambda t, m: str(_file(t) / "gas.csv"), "cannot be created"),
    (lambda t, m: str(_file(t)), "exists and is not a gas table sumchain wrote"),
    (lambda t, m: str(_inside_run_folder(t)), "a simulate run folder; write the gas table elsewhere"),
    (lambda t, m: str(_read_only_mount(t, m)), "cannot be written: Read-only file system"),
])
def test_gas_checks_its_output_before_any_work(tmp_path, capsys, monkeypatch, make_out, message):
    monkeypatch.setattr("sumchain.experiments.gas.gas_report", lambda *a, **k: pytest.fail("measured before checking"))
    out = make_out(tmp_path, monkeypatch)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["gas", "--no-run", "--out", out, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_gas_refuses_prediction_market_in_one_line(capsys, tmp_path):
    assert main(["gas", "--no-run", "--set", "incentive=prediction_market", "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'incentive' = 'prediction_market' is not allowed" in err


def _file(t):
    (t / "notes.csv").write_text("a,b\n1,2\n")
    return t / "notes.csv"
