"""The simulator runs unchanged on the EVM: same metrics and balance series as the Python engine,
a run folder with the gas per agent and function, and a ledger that `sumchain verify` replays."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import sumchain
from sumchain.config import EVM_MODELS
from sumchain.engines.replay import verify_file

REDUCED = {"max_train": 1500, "max_test": 500, "num_words": 300}


@pytest.mark.parametrize("incentive", ["stakeable", "points"])
def test_a_reduced_default_run_is_identical_on_python_and_evm(incentive):
    python = sumchain.simulate({**REDUCED, "incentive": incentive, "seed": 4})
    evm = sumchain.simulate({**REDUCED, "incentive": incentive, "seed": 4, "engine": "evm"})
    assert python.metrics["counts"]["adds"] > 100
    assert python.metrics == evm.metrics
    pd.testing.assert_frame_equal(python.timeseries, evm.timeseries)
    assert python.trainer.model.state() == evm.trainer.model.state()
    assert python.chain.gas_used() == {}
    assert {function for _, function in evm.chain.gas_used()} >= {"add_data", "refund", "report"}


@pytest.mark.parametrize("model", [name for name in EVM_MODELS if name != "perceptron"])
def test_a_reduced_default_run_with_each_model_is_identical_on_python_and_evm(model):
    reduced = {**REDUCED, "max_train": 700, "model": model, "seed": 4}
    python = sumchain.simulate(reduced)
    evm = sumchain.simulate({**reduced, "engine": "evm"})
    counts = python.metrics["counts"]
    assert counts["adds"] > 400 and counts["refunds"] > 10 and counts["reports"] > 10, counts
    assert python.metrics == evm.metrics
    pd.testing.assert_frame_equal(python.timeseries, evm.timeseries)
    assert python.trainer.model.state() == evm.trainer.model.state() == evm.trainer.read_model().state()
    assert evm.trainer.model.family == model


def test_simulate_on_evm_writes_gas_and_a_verifiable_ledger(tmp_path):
    settings = [f"--set={key}={value}" for key, value in {**REDUCED, "max_train": 600, "engine": "evm"}.items()]
    result = subprocess.run([sys.executable, "-m", "sumchain", "simulate", *settings, "--out", str(tmp_path / "run"),
                             "--ledger", str(tmp_path / "run.sqlite")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "gas used:" in result.stdout
    gas = pd.read_csv(tmp_path / "run" / "gas.csv")
    assert list(gas.columns) == ["sender", "function", "gas"]
    assert set(gas.sender) <= {"Good", "Bad"} and (gas.gas > 21_000).all()
    verdict = verify_file(tmp_path / "run.sqlite")
    assert verdict.intact, verdict.describe()
    assert verdict.transactions > 100


def test_a_population_with_a_caller_and_an_unsure_flipper_is_identical_on_python_and_evm():
    # The paid prediction (the caller's fee shared among verified contributors) is contract code on both
    # engines; the unsure flipper reads the margin from the trainer's public model on both.
    population = {**REDUCED, "max_train": 600, "seed": 4, "agents.Good.count": 2, "agents.Bad.kind": "unsure_flipper",
                  "agents.Pay.kind": "caller", "agents.Pay.fee": 0.7, "agents.Pay.mean_update_wait_s": 1800}
    python = sumchain.simulate(population)
    evm = sumchain.simulate({**population, "engine": "evm"})
    assert python.metrics["paid_calls"] > 50 and python.metrics["fees_earned"]["Good"] > 0
    assert python.metrics == evm.metrics
    pd.testing.assert_frame_equal(python.timeseries, evm.timeseries)
