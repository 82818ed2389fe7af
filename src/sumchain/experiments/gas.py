"""The gas report: what the SUM contract costs on a real EVM, measured, not estimated.

Every figure is the gas a transaction used on the in-process EVM (pyrevm), multiplied by one gas
price for the cost column. Rows form one tidy table: `section, item, features, gas, ether`.
pyrevm charges storage touched by an earlier transaction as warm (see `engines/evm/revm.py`), so
these are lower bounds of what a node charges: exact for the first touch of every slot (deployment,
a first add), low by up to 2,000 gas per weight read and 2,800 per weight rewrite otherwise.

Samples for the perceptron's per-feature rows are chosen so that every call succeeds: a model whose
weights are all non-zero (as a trained model's are, so an update rewrites words rather than creating
them) and whose intercept is large predicts 1 for everything; alice adds a positive sample (no model
update), bob a negative one on other features (the model updates: one weight per present feature),
alice refunds hers after the refund wait, reports bob's, carol pays for a prediction and alice
withdraws her share of it. Every other
family (each of its adds updates the model, or its update is not a weight per feature) is measured
on its initial model as deployed: alice adds a sample with the label the model gives it, bob one
with the other label; the refund and the report are measured when the contract's claim view says
they would be accepted after the refund wait.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd

from sumchain.config import EVM_MODELS, Config
from sumchain.data import Dataset, load_dataset
from sumchain.engines import initial_model
from sumchain.engines.evm import EVM_MECHANISMS, deploy_measured, initial_rows
from sumchain.contract.reasons import REFUND, REPORT
from sumchain.errors import ConfigError
from sumchain.ledger.money import to_units
from sumchain.models import SparsePerceptron

FEATURE_COUNTS = (10, 50, 100, 250, 500)
DEFAULT_REPORT_GWEI = 20.0
DAY_S = 86_400
CONTRIBUTION_SLOTS = 3
"""Storage words a contribution keeps: (initial deposit | claimable) and (author | time | y | claims)
under its hash key, and the key under its id; its data (x, y, sender, time, cost) lives in the
DataAdded log, never in storage (a mapping marks who claimed, one word per claim)."""


def report_gwei(config: Config) -> float:
    """The price the cost column uses: the config's gas_price_gwei, or 20 gwei when that is 0."""
    return config.gas_price_gwei if config.gas_price_gwei > 0 else DEFAULT_REPORT_GWEI


def ether(gas: int, gwei: float) -> float:
    return gas * gwei / 1e9


def deployment_rows(config: Config, dataset: Dataset) -> list[dict]:
    model = initial_model(config, dataset)
    trainer, gas = deploy_measured(config, model)
    rows = list(initial_rows(model))
    nonzero = sum(int(np.count_nonzero(values)) for _, values in rows)
    state = (f"{nonzero} non-zero weights of {model.num_features}" if config.model in ("perceptron", "dense_perceptron")
             else f"{nonzero} non-zero state entries of {sum(len(values) for _, values in rows)}")
    return [
        {"section": "deploy", "item": "create the trainer contract", "features": None, "gas": gas.create},
        {"section": "deploy", "item": f"initialise {state} ({len(gas.state)} transactions)", "features": None,
         "gas": sum(gas.state)},
        {"section": "deploy", "item": "open for contributions", "features": None, "gas": gas.finish},
    ]


def call_rows(config: Config, dataset: Dataset, counts: tuple[int, ...] = FEATURE_COUNTS) -> list[dict]:
    rows = []
    for n in counts:
        if 2 * n > config.num_words or n > config.max_features:
            continue
        calls = _calls_with(config, n) if config.model == "perceptron" else _family_calls_with(config, dataset, n)
        for item, gas in calls.items():
            rows.append({"section": "calls", "item": item, "features": n, "gas": gas})
    return rows


def _calls_with(config: Config, n: int) -> dict[str, int]:
    width = config.num_words
    model = SparsePerceptron(width, max(1, round(config.learning_rate * 1000)), np.ones(width, np.int64), 10**12)
    trainer, _ = deploy_measured(replace(config, incentive="stakeable"), model)
    chain = trainer.chain
    for name in ("alice", "bob", "carol"):
        chain.fund(name, to_units(1_000))
    mine, theirs = np.arange(n), np.arange(n, 2 * n)
    chain.advance(600)
    trainer.add_data("carol", [width - 1], 1, to_units(100))    # first add: one-off writes (counters, clock)
    chain.advance(600)
    added = trainer.add_data("alice", mine, 1, to_units(100))
    chain.advance(600)
    bad = trainer.add_data("bob", theirs, 0, to_units(100))
    assert bad.model_updated and not added.model_updated
    chain.advance(DAY_S + 1)
    trainer.refund("alice", mine, 1, added.added_time)
    trainer.report("alice", theirs, 0, bad.added_time, "bob")
    trainer.predict(mine, sender="carol", value=to_units(1))
    trainer.withdraw("alice")
    gas = chain.gas_used()
    return {
        "add_data (model unchanged)": gas[("alice", "add_data")],
        "add_data (model updated)": gas[("bob", "add_data")],
        "refund": gas[("alice", "refund")],
        "report": gas[("alice", "report")],
        "paid predict": gas[("carol", "predict_paid")],
        "withdraw": gas[("alice", "withdraw")],
    }


def _family_calls_with(config: Config, dataset: Dataset, n: int) -> dict[str, int]:
    trainer, _ = deploy_measured(replace(config, incentive="stakeable"), initial_model(config, dataset))
    chain, model = trainer.chain, trainer.model     # the model only gives the samples' input form
    for name in ("alice", "bob", "carol"):
        chain.fund(name, to_units(1_000))
    mine, theirs = model.sample(np.arange(n)), model.sample(np.arange(n, 2 * n))
    chain.advance(600)
    last = model.sample(np.array([config.num_words - 1]))
    trainer.add_data("carol", last, trainer.predict(last), to_units(100))    # first add: one-off writes
    chain.advance(600)
    given = trainer.predict(mine)
    agreed = trainer.add_data("alice", mine, given, to_units(100))
    chain.advance(600)
    other = 1 - trainer.predict(theirs)
    contradicted = trainer.add_data("bob", theirs, other, to_units(100))
    chain.advance(DAY_S + 1)
    preview = trainer.claim_preview("alice", [agreed.contribution_id, contradicted.contribution_id],
                                    [trainer.predict(mine), trainer.predict(theirs)])
    if preview.action[0] == REFUND:
        trainer.refund("alice", mine, given, agreed.added_time)
    if preview.action[1] == REPORT:
        trainer.report("alice", theirs, other, contradicted.added_time, "bob")
    trainer.predict(mine, sender="carol", value=to_units(1))
    if trainer.withdrawable("alice"):
        trainer.withdraw("alice")
    gas = chain.gas_used()
    calls = {"add_data (label the model gives)": gas[("alice", "add_data")],
             "add_data (the other label)": gas[("bob", "add_data")]}
    calls.update({name: gas[("alice", name)] for name in ("refund", "report") if ("alice", name) in gas})
    calls["paid predict"] = gas[("carol", "predict_paid")]
    if ("alice", "withdraw") in gas:
        calls["withdraw"] = gas[("alice", "withdraw")]
    return calls


def run_rows(config: Config, dataset: Dataset, progress: bool = False) -> list[dict]:
    """Gas of a whole simulation on the EVM, per agent and function."""
    from sumchain.sim import simulate

    run = simulate(replace(config, engine="evm", gas_price_gwei=0.0), dataset=dataset, progress=progress)
    per_agent: Counter[str] = Counter()
    rows = []
    for (sender, function), gas in sorted(run.chain.gas_used().items()):
        per_agent[sender] += gas
        rows.append({"section": "run", "item": f"{sender}: {function}", "features": None, "gas": gas})
    rows += [{"section": "run", "item": f"{sender}: all calls", "features": None, "gas": gas}
             for sender, gas in sorted(per_agent.items())]
    rows.append({"section": "run", "item": "all agents", "features": None, "gas": sum(per_agent.values())})
    return rows


def gas_report(config: Config, dataset: Dataset | None = None, include_run: bool = True,
               progress: bool = False) -> pd.DataFrame:
    if config.model not in EVM_MODELS:
        raise ConfigError(f"config key 'model' = {config.model!r} is not allowed; gas is measured on the contract, "
                          f"which runs only model={', '.join(EVM_MODELS)}")
    if config.incentive not in EVM_MECHANISMS:
        raise ConfigError(f"config key 'incentive' = {config.incentive!r} is not allowed; gas is measured on the "
                          f"contract, which runs only incentive={', '.join(EVM_MECHANISMS)}")
    dataset = dataset if dataset is not None else load_dataset(config)
    rows = deployment_rows(config, dataset) + call_rows(config, dataset)
    if include_run:
        rows += run_rows(config, dataset, progress)
    table = pd.DataFrame(rows, columns=["section", "item", "features", "gas"])
    table["features"] = table["features"].astype("Int64")
    gwei = report_gwei(config)
    table["ether"] = [ether(int(g), gwei) for g in table["gas"]]
    return table
