"""The prediction market scenario end to end: the bounty provider, the agents, the phases, the money."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sumchain import Config, simulate
from sumchain.config import to_toml
from sumchain.errors import ConfigError
from sumchain.ledger.money import to_units
from sumchain.sim.market import PROVIDER
from tests.sim.test_simulate import METRIC_KEYS

MARKET = {"min_length_s": 2 * 86_400, "min_num_contributions": 50, "bounty": 500, "num_portions": 5}


def market_config(dataset, **table) -> Config:
    return Config.from_overrides({"num_words": dataset.num_features, "incentive": "prediction_market",
                                  "prediction_market": {**MARKET, **table}})


@pytest.mark.parametrize("group,reset", [(False, False), (True, True)])
def test_a_market_runs_through_every_phase_and_pays_everything_out(tiny_dataset, group, reset):
    config = market_config(tiny_dataset, group_contributions=group, reset_model=reset)
    run = simulate(config, dataset=tiny_dataset)
    m, chain = run.metrics, run.chain
    assert set(m) == METRIC_KEYS | {"market"}
    assert run.end_reason == "market ended, test set revealed, rewards computed and withdrawn"
    assert m["market"]["phase"] == "withdraw" and m["market"]["rounds"] >= 1
    assert m["market"]["test_samples"] == len(tiny_dataset.y_test) * 4 // 5      # all but the first portion
    assert m["counts"]["adds"] == m["market"]["contributions"] >= 50
    assert 2 <= m["days"] < 2.1                                   # ended at the minimum length
    assert chain.balance_of(run.trainer.address) == 0             # everyone withdrew
    assert sum(chain.balances().values()) == chain.minted
    assert set(m["balances"]) == {"Good", "Bad", PROVIDER}
    start = to_units(10_000) * 2 + to_units(config.prediction_market.provider_balance)
    assert sum(to_units(round(b, 6)) for b in m["balances"].values()) == pytest.approx(start, rel=1e-12)
    assert m["cost_per_add"] == {"Good": 1.0, "Bad": 1.0}         # the stake, whatever was offered


def test_the_market_waits_for_its_minimum_number_of_contributions(tiny_dataset):
    run = simulate(market_config(tiny_dataset, min_length_s=3_600, min_num_contributions=40), dataset=tiny_dataset)
    counts = run.metrics["counts"]
    too_early = counts["rejections"]["the market cannot end before its minimum length and minimum number of contributions"]
    assert 40 <= counts["adds"] < 40 + 8                       # ended within the hour the 40th arrived
    assert too_early >= 3                                        # the provider tried every hour until then
    assert set(counts["rejections"]) == {"the market cannot end before its minimum length and minimum number of "
                                         "contributions"}


def test_the_provider_name_is_reserved(tiny_dataset):
    config = Config.from_overrides({"num_words": tiny_dataset.num_features, "incentive": "prediction_market",
                                    f"agents.{PROVIDER}.honest": True})
    with pytest.raises(ConfigError, match=f"agents.{PROVIDER}"):
        simulate(config, dataset=tiny_dataset)


def test_the_market_table_round_trips_through_toml(tmp_path):
    config = Config.from_overrides({"incentive": "prediction_market", "prediction_market.reset_model": True,
                                    "prediction_market.bounty": 20})
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config))
    assert Config.from_toml(path) == config
    text = path.read_text()
    assert '[incentive]\nname = "prediction_market"' in text and "bounty = 20" in text and "\nweight =" not in text


def test_simulate_command_runs_the_market_and_refuses_a_ledger(tmp_path):
    common = ["simulate", "--set", "incentive=prediction_market", "--set", "num_words=100", "--set", "max_train=1500",
              "--set", "max_test=500", "--set", "prediction_market.min_length_s=86400", "--quiet"]
    done = subprocess.run([sys.executable, "-m", "sumchain", *common, "--out", str(tmp_path / "run"), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["market"]["phase"] == "withdraw"
    refused = subprocess.run([sys.executable, "-m", "sumchain", *common, "--out", str(tmp_path / "r2"),
                              "--ledger", str(tmp_path / "x.sqlite")], capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("sumchain: error: --ledger is not available")


def test_a_market_with_a_population_reports_per_table(tiny_dataset):
    config = Config.from_overrides({**market_config(tiny_dataset).to_dict(), "max_train": 1200,
                                    "agents.Good.count": 2, "agents.Bad.kind": "unsure_flipper"})
    run = simulate(config, dataset=tiny_dataset)
    m, chain = run.metrics, run.chain
    assert m["market"]["phase"] == "withdraw"
    assert set(m["market"]["withdrawn"]) == set(m["balances"]) == {"Good", "Bad", PROVIDER}
    assert m["balances"]["Good"] == pytest.approx((chain.balance_of("Good#1") + chain.balance_of("Good#2")) / 10**18)
    assert sum(chain.balances().values()) == chain.minted and chain.balance_of(run.trainer.address) == 0


def test_a_market_that_could_never_end_is_refused_before_it_opens(tiny_dataset):
    pool = tiny_dataset.X_train.shape[0] - max(1, int(0.08 * tiny_dataset.X_train.shape[0]))
    with pytest.raises(ConfigError, match=f"'prediction_market.min_num_contributions' = {pool + 1} is not allowed; "
                                          f"the market can end only with that many contributions and the data "
                                          f"holds {pool} samples"):
        simulate(market_config(tiny_dataset, min_num_contributions=pool + 1), dataset=tiny_dataset)
