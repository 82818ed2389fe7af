"""The simulator end to end on a small dataset: determinism, conservation, the study's dynamics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sumchain import Config, simulate
from sumchain.engines.replay import verify_blocks
from sumchain.ledger.money import UNITS_PER_COIN

METRIC_KEYS = {"initial_accuracy", "final_accuracy", "baseline_accuracy", "gap", "bad_depleted_day",
               "bad_min_pct", "days", "balances", "balance_pct", "cost_per_add", "counts", "honest_balance_pct",
               "malicious_balance_pct", "bad_share_submitted", "paid_calls", "fees_paid", "fees_earned"}


@pytest.fixture(scope="module")
def default_run(tiny_dataset):
    return simulate(Config(num_words=tiny_dataset.num_features), dataset=tiny_dataset)


def test_metrics_have_exactly_the_documented_keys(default_run):
    m = default_run.metrics
    assert set(m) == METRIC_KEYS
    assert set(m["counts"]) == {"turns", "adds", "refunds", "reports", "rejections", "declined"}
    for key in ("initial_accuracy", "final_accuracy", "baseline_accuracy"):
        assert 0 <= m[key] <= 1
    assert m["gap"] == pytest.approx(100 * (m["baseline_accuracy"] - m["final_accuracy"]))
    assert m["days"] == pytest.approx(default_run.chain.now / 86_400)


def test_all_data_is_submitted_and_claimed(default_run, tiny_dataset):
    pool = tiny_dataset.X_train.shape[0] - int(0.08 * tiny_dataset.X_train.shape[0])
    counts = default_run.metrics["counts"]
    assert counts["adds"] == pool
    assert default_run.end_reason == "all data submitted and nothing left to claim"
    assert default_run.chain.balance_of(default_run.trainer.address) == 0   # every deposit went somewhere


def test_money_is_conserved(default_run):
    chain = default_run.chain
    assert sum(chain.balances().values()) == chain.minted == 20_000 * UNITS_PER_COIN
    assert sum(default_run.metrics["balances"].values()) == pytest.approx(20_000, abs=1e-6)


def test_honest_agent_profits_and_malicious_loses(default_run):
    pct = default_run.metrics["balance_pct"]
    assert pct["Good"] > 100 > pct["Bad"]
    assert default_run.metrics["bad_min_pct"] <= pct["Bad"]


def test_same_seed_same_everything(tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, seed=3)
    a = simulate(config, dataset=tiny_dataset)
    b = simulate(config, dataset=tiny_dataset)
    assert a.metrics == b.metrics
    assert a.chain.head_hash == b.chain.head_hash
    assert a.timeseries.equals(b.timeseries)
    c = simulate(config.replace(seed=4), dataset=tiny_dataset)
    assert c.chain.head_hash != a.chain.head_hash


def test_timeseries_is_tidy(default_run):
    ts = default_run.timeseries
    assert list(ts.columns[:3]) == ["time_s", "day", "accuracy"]
    assert {"balance.Good", "balance.Bad", "balance_pct.Good", "balance_pct.Bad"} <= set(ts.columns)
    assert ts["time_s"].is_monotonic_increasing
    measured = ts.dropna(subset=["accuracy"])
    assert measured["time_s"].iloc[0] == 0 and measured["time_s"].iloc[1] == 10_000
    assert np.all(np.diff(measured["time_s"].iloc[1:-1]) == 200_000)
    assert measured["accuracy"].iloc[-1] == default_run.metrics["final_accuracy"]


def test_depleted_day_follows_the_threshold(tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, agents={"Bad": {"start_balance": 300}},
                    depleted_pct=50)
    run = simulate(config, dataset=tiny_dataset)
    day = run.metrics["bad_depleted_day"]
    assert day is not None and 0 < day <= run.metrics["days"]
    before = run.timeseries[run.timeseries["day"] < day - 0.05]
    assert (before["balance_pct.Bad"] > 50).all()


def test_points_run_moves_no_money(tiny_dataset):
    run = simulate(Config(num_words=tiny_dataset.num_features, incentive="points"), dataset=tiny_dataset)
    assert run.metrics["balances"] == {"Good": 10_000, "Bad": 10_000}
    assert run.metrics["counts"]["refunds"] > 0
    assert run.metrics["bad_depleted_day"] is None


def test_a_broke_contributor_cannot_add(tiny_dataset):
    run = simulate(Config(num_words=tiny_dataset.num_features, agents={"Good": None, "Bad": {"start_balance": 0}}),
                   dataset=tiny_dataset)
    assert run.metrics["counts"]["adds"] == 0
    assert run.end_reason.startswith("no agent can act")


def test_replaying_a_run_reproduces_its_chain(default_run, tiny_dataset):
    from sumchain.engines.replay import state_digest
    from sumchain.ledger.store import chain_evidence
    meta = {**chain_evidence(default_run.chain), "state_digest": state_digest(default_run.trainer)}
    verdict = verify_blocks(default_run.config, default_run.chain.blocks, meta, tiny_dataset)
    assert verdict.intact, verdict.describe()
    assert verdict.head_hash == default_run.chain.head_hash


def test_declined_actions_are_counted_by_reason(default_run):
    declined = default_run.metrics["counts"]["declined"]
    assert declined.get("the model doesn't agree with your contribution", 0) > 0
    assert all(isinstance(v, int) and v > 0 for v in declined.values())
    assert not math.isnan(default_run.metrics["final_accuracy"])


@pytest.mark.parametrize("incentive", ["stakeable", "points"])
@pytest.mark.parametrize("seed, rounding, phase", [(0, "truncate", 0), (1, "round", 30), (2, "round", 570),
                                                   (3, "truncate", 300), (4, "round", 0)])
def test_the_simulator_never_sends_a_call_the_contract_refuses(tiny_dataset, incentive, seed, rounding, phase):
    config = Config(num_words=tiny_dataset.num_features, incentive=incentive, seed=seed, wait_rounding=rounding,
                    agents={"Bad": {"phase_s": phase}})
    run = simulate(config, dataset=tiny_dataset)
    assert run.metrics["counts"]["rejections"] == {}
    assert run.metrics["counts"]["refunds"] > 0 and run.metrics["counts"]["reports"] > 0


def test_phase_shifts_the_first_turn_and_waits_follow_the_rounding():
    from sumchain.sim.agents import make_agents
    config = Config(agents={"Bad": {"phase_s": 250}})
    truncating, rounding = make_agents(config.agents, 0), make_agents(config.agents, 0, round_waits=True)
    waits = [truncating[0].wait_s() for _ in range(4000)]
    assert abs(np.mean(waits) - 599.5) < 0.1           # int() truncates: half a second short on average
    assert abs(np.mean([rounding[0].wait_s() for _ in range(4000)]) - 600) < 0.1
    assert 250 + 3590 < truncating[1].first_turn_s() < 250 + 3610
    deposits = {truncating[1].deposit(10**30) % 10**18 for _ in range(50)}
    assert deposits == {0}                              # whole coins
    assert truncating[1].deposit(5) == 5                # capped at the balance
    assert config.agent("Bad").prob_mistake == 0 and config.agent("Good").prob_mistake == 0.0001


def test_one_row_per_recorded_time(tiny_dataset):
    # measurements every 7200 s from 3600 s fall on the hourly samples: each time appears once
    config = Config(num_words=tiny_dataset.num_features, max_train=800, first_accuracy_s=3600,
                    accuracy_interval_s=7200)
    series = simulate(config, dataset=tiny_dataset).timeseries
    assert series["time_s"].is_unique
    assert series.loc[series["time_s"] == 3600, "accuracy"].notna().all()


def test_a_zero_start_balance_has_no_infinite_percent(tiny_dataset):
    import json
    from sumchain.files import strict_json
    config = Config(num_words=tiny_dataset.num_features, max_train=800, agents={"Bad": {"start_balance": 0}})
    metrics = simulate(config, dataset=tiny_dataset).metrics
    text = strict_json(metrics)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert "Infinity" not in text and "NaN" not in text
