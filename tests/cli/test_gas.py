"""`sumchain gas`: the table and its CSV, measured on the in-process EVM."""

from __future__ import annotations

import pandas as pd

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
