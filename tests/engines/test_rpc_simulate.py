"""The rpc engine on a real node: the simulator gives the Python engine's results, a random sequence
of contract calls gives the EVM engine's outcomes, and a ledger replays on a fresh deployment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sumchain
from sumchain import Rejected
from sumchain.config import EVM_MODELS, Config
from sumchain.engines import initial_model
from sumchain.engines.evm import deploy_evm
from sumchain.engines.replay import verify_file
from sumchain.engines.rpc import deploy_rpc
from sumchain.ledger.money import to_units
from tests.conftest import make_dataset

SMALL = {"max_train": 300, "max_test": 300, "num_words": 300, "seed": 4}
DAY = 86_400


def test_the_small_default_run_is_identical_on_python_and_rpc(rpc_url):
    """130 samples, default agents: about 120 adds, 70 refunds, 90 reports (each a node transaction)."""
    small = {**SMALL, "max_train": 130}
    python = sumchain.simulate(small)
    rpc = sumchain.simulate({**small, "engine": "rpc", "rpc_url": rpc_url})
    assert python.metrics["counts"]["adds"] > 100 and python.metrics["counts"]["refunds"] > 10
    assert python.metrics == rpc.metrics
    pd.testing.assert_frame_equal(python.timeseries, rpc.timeseries)
    assert python.trainer.model.state() == rpc.trainer.model.state()
    assert {function for _, function in rpc.chain.gas_used()} >= {"add_data", "refund", "report"}


@pytest.mark.parametrize("model", [name for name in EVM_MODELS if name != "perceptron"])
def test_a_small_run_with_each_model_is_identical_on_python_and_rpc(rpc_url, model):
    """100 samples, the honest agent acting hourly (about 90 adds, 90 refunds, 6 reports in 500 turns):
    a node answers each turn's reads slowly."""
    small = {**SMALL, "max_train": 100, "model": model, "agents.Good.mean_update_wait_s": 3600}
    python = sumchain.simulate(small)
    rpc = sumchain.simulate({**small, "engine": "rpc", "rpc_url": rpc_url})
    counts = python.metrics["counts"]
    assert counts["adds"] > 80 and counts["refunds"] > 50 and counts["reports"] > 3, counts
    assert python.metrics == rpc.metrics
    pd.testing.assert_frame_equal(python.timeseries, rpc.timeseries)
    assert python.trainer.model.state() == rpc.trainer.model.state() == rpc.trainer.read_model().state()


def outcome(call):
    try:
        return ("ok", call())
    except Rejected as refusal:
        return ("rejected", refusal.reason)


@pytest.mark.parametrize("incentive", ["stakeable", "points", "quality_priced"])
def test_rpc_and_evm_agree_on_a_random_call_sequence(rpc_url, incentive):
    dataset = make_dataset(n_train=300, n_test=20, width=60, seed=3)
    samples = [dataset.X_train.indices[dataset.X_train.indptr[i]:dataset.X_train.indptr[i + 1]] for i in range(30)]
    config = Config(num_words=60, incentive=incentive, train_size=0.1, cost_weight=1, engine="rpc", rpc_url=rpc_url)
    model = initial_model(config, dataset)
    engines = (deploy_evm(config, model.copy()), deploy_rpc(config, model.copy()))
    people = ("alice", "bob", "carol")
    for trainer in engines:
        for name in people:
            trainer.chain.fund(name, to_units(1_000))
        trainer.chain.advance(60)       # Hardhat stamps time 0 as 1 (see engines/rpc/backend.py); agents act from 1 s
    rng = np.random.default_rng({"stakeable": 11, "points": 12, "quality_priced": 13}[incentive])
    added, seen = [], set()
    for _ in range(70):
        action, who = int(rng.integers(0, 5)), people[rng.integers(0, 3)]
        if action in (1, 2) and not added:
            action = 0
        if action == 0:
            i, y, value = rng.integers(0, 30), int(rng.integers(0, 2)), int(rng.choice([1, to_units(60), to_units(200)]))
            calls = [lambda t: t.add_data(who, samples[i], y, value)]
        elif action == 1:
            i, y, when, author = added[rng.integers(0, len(added))]
            calls = [lambda t: t.refund(author, samples[i], y, when)]
        elif action == 2:
            i, y, when, author = added[rng.integers(0, len(added))]
            flip = int(rng.integers(0, 2))
            calls = [lambda t: t.report(who, samples[i], 1 - y if flip else y, when, author)]
        elif action == 3:
            i, value = rng.integers(0, 30), int(rng.integers(0, to_units(5)))
            calls = [lambda t: t.predict(samples[i], sender=who, value=value)]
        else:
            seconds = int(rng.choice([60, DAY, 2 * DAY, 10 * DAY]))
            calls = [lambda t: t.chain.advance(seconds)]
        results = [outcome(lambda t=t: calls[0](t)) for t in engines]
        assert results[0] == results[1]
        seen.add((action, results[0][0]))
        if action == 0 and results[0][0] == "ok":
            added.append((i, y, results[0][1].added_time, who))
        evm, rpc = engines
        for name in people:
            assert evm.chain.balance_of(name) == rpc.chain.balance_of(name)
            assert evm.verified(name) == rpc.verified(name)
        assert outcome(evm.cost_to_add) == outcome(rpc.cost_to_add)
        assert outcome(lambda: evm.cost_to_add(samples[0], 0)) == outcome(lambda: rpc.cost_to_add(samples[0], 0))
    assert evm.read_model().state() == rpc.read_model().state()
    assert (0, "ok") in seen and any(status == "rejected" for _, status in seen)
    assert (1, "ok") in seen or (2, "ok") in seen          # some deposit was claimed


def test_simulate_on_rpc_from_the_command_line_writes_a_ledger_that_replays(rpc_url, tmp_path):
    settings = [f"--set={key}={value}" for key, value in
                {**SMALL, "max_train": 50, "engine": "rpc", "rpc_url": rpc_url}.items()]   # about 110 transactions
    result = subprocess.run([sys.executable, "-m", "sumchain", "simulate", *settings, "--out", str(tmp_path / "run"),
                             "--ledger", str(tmp_path / "run.sqlite")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "gas.csv").exists()
    verdict = verify_file(tmp_path / "run.sqlite")      # a fresh deployment on the same node
    assert verdict.intact, verdict.describe()
    assert verdict.transactions > 50
    missing = subprocess.run([sys.executable, "-m", "sumchain", "simulate", "--set=engine=rpc"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "rpc_url" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_rpc_follows_the_protocols_and_the_readme_example(rpc_url):
    from sumchain.engines.protocols import ChainHandle, TrainerHandle
    from tests.engines.test_protocols import check_readme_example

    trainer = sumchain.deploy({"num_words": 100, "engine": "rpc", "rpc_url": rpc_url})
    assert isinstance(trainer, TrainerHandle) and isinstance(trainer.chain, ChainHandle)
    check_readme_example(trainer)
