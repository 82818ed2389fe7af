"""The simulator end to end on a small dataset: determinism, conservation, the study's dynamics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sumchain import Config, simulate
from sumchain.engines.replay import verify_blocks
from sumchain.ledger.money import UNITS_PER_COIN, to_units

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


# -- populations ------------------------------------------------------------------------------------

def _adds_by(run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tx in run.chain.transactions():
        if tx.function == "add_data" and tx.status == "ok":
            counts[tx.sender] = counts.get(tx.sender, 0) + 1
    return counts


def test_a_table_of_several_agents_adds_up_to_its_columns(tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, max_train=1200,
                    agents={"Good": {"count": 3}, "Bad": {"count": 2}, "Evil": {"kind": "sleeper", "honest_days": 1}})
    run = simulate(config, dataset=tiny_dataset)
    m, chain = run.metrics, run.chain
    names = ["Good#1", "Good#2", "Good#3", "Bad#1", "Bad#2", "Evil"]
    assert sum(chain.balances().values()) == chain.minted == 6 * 10_000 * UNITS_PER_COIN
    good = sum(chain.balance_of(n) for n in names[:3])
    bad = [chain.balance_of(n) for n in names[3:]]
    assert m["balances"]["Good"] == pytest.approx(good / UNITS_PER_COIN)
    assert m["balance_pct"]["Good"] == m["honest_balance_pct"] == pytest.approx(100 * good / (3 * 10_000 * UNITS_PER_COIN))
    assert m["malicious_balance_pct"] == pytest.approx(100 * sum(bad) / (3 * 10_000 * UNITS_PER_COIN))
    adds = _adds_by(run)
    assert set(adds) <= set(names) and all(adds[n] > 0 for n in names)
    assert m["bad_share_submitted"] == pytest.approx(sum(adds[n] for n in names[3:]) / sum(adds.values()))
    assert m["counts"]["adds"] == sum(adds.values())
    ts = run.timeseries
    assert {"balance.Good", "balance.Bad", "balance.Evil", "balance_pct.Good"} <= set(ts.columns)
    assert not any("#" in column for column in ts.columns)
    assert ts["balance.Good"].iloc[-1] == pytest.approx(m["balances"]["Good"])


def test_the_default_population_reads_as_before(default_run):
    m = default_run.metrics
    assert m["honest_balance_pct"] == m["balance_pct"]["Good"] and m["malicious_balance_pct"] == m["balance_pct"]["Bad"]
    assert m["bad_share_submitted"] == pytest.approx(_adds_by(default_run)["Bad"] / m["counts"]["adds"])
    assert (m["paid_calls"], m["fees_paid"], m["fees_earned"]) == (0, {}, {"Good": 0.0, "Bad": 0.0})


def test_depleted_day_is_when_the_malicious_agents_together_reach_the_threshold(tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, depleted_pct=60,
                    agents={"Bad": {"start_balance": 300}, "Bad2": {"kind": "flipper", "start_balance": 300,
                                                                     "mean_update_wait_s": 7200}})
    run = simulate(config, dataset=tiny_dataset)
    day = run.metrics["bad_depleted_day"]
    assert day is not None
    ts = run.timeseries
    together = 100 * (ts["balance.Bad"] + ts["balance.Bad2"]) / 600
    assert (together[ts["day"] < day - 0.05] > 60).all()
    assert run.metrics["bad_min_pct"] <= 60


@pytest.mark.parametrize("same_as_flipper", [{"kind": "sleeper", "honest_days": 0},
                                             {"kind": "unsure_flipper", "unsure_fraction": 1.0},
                                             {"honest": False}])
def test_an_adversary_at_its_extreme_is_the_studys_flipper(tiny_dataset, default_run, same_as_flipper):
    run = simulate(Config(num_words=tiny_dataset.num_features, agents={"Bad": same_as_flipper}), dataset=tiny_dataset)
    assert run.metrics == default_run.metrics
    # the same calls, hash for hash; the head hashes differ only because the genesis holds the config
    assert [t.hash for t in run.chain.transactions()] == [t.hash for t in default_run.chain.transactions()]


def test_a_sleeper_that_never_wakes_earns_like_an_honest_agent(tiny_dataset, default_run):
    run = simulate(Config(num_words=tiny_dataset.num_features, agents={"Bad": {"kind": "sleeper", "honest_days": 1e4}}),
                   dataset=tiny_dataset)
    assert run.metrics["balance_pct"]["Bad"] > 100 > default_run.metrics["balance_pct"]["Bad"]
    assert run.metrics["final_accuracy"] > default_run.metrics["final_accuracy"]


def test_an_unsure_flipper_flips_some_labels_and_loses_less(tiny_dataset, default_run):
    run = simulate(Config(num_words=tiny_dataset.num_features, agents={"Bad": {"kind": "unsure_flipper"}}),
                   dataset=tiny_dataset)
    assert default_run.metrics["balance_pct"]["Bad"] < run.metrics["balance_pct"]["Bad"]
    assert run.metrics["counts"]["refunds"] > default_run.metrics["counts"]["refunds"]


def test_a_timing_agent_adds_lead_s_before_the_honest_turns(tiny_dataset, default_run):
    exact = {"Good": {"stdev_update_wait_s": 0}}
    config = Config(num_words=tiny_dataset.num_features, max_train=1500, wait_rounding="round",
                    agents={**exact, "Bad": {"kind": "timing", "lead_s": 3}})
    run = simulate(config, dataset=tiny_dataset)
    times = [tx.time for tx in run.chain.transactions() if tx.function == "add_data" and tx.sender == "Bad"]
    # honest turns at 600, 1200, ...: 3 s before one (or later, when its own turn came within 3 s of it, as
    # late as the same second, where it comes first)
    assert len(times) > 20 and all(t % 600 in (597, 598, 599, 0) for t in times)
    assert sum(t % 600 == 597 for t in times) > len(times) / 4
    assert all(b - a >= 3000 for a, b in zip(times, times[1:]))           # at most once per its own wait (~1 h)
    flipper = simulate(config.replace(agents=Config.from_overrides({"agents": exact}).agents), dataset=tiny_dataset)
    assert run.metrics["cost_per_add"]["Bad"] < flipper.metrics["cost_per_add"]["Bad"]
    assert run.metrics["counts"]["declined"]["deposit below the cost of adding data"] > \
        flipper.metrics["counts"]["declined"].get("deposit below the cost of adding data", 0)


def test_bad_share_moves_the_measured_share(tiny_dataset):
    shares = []
    for share in (0.2, 0.5):
        run = simulate(Config(num_words=tiny_dataset.num_features, max_train=1500, bad_share=share), dataset=tiny_dataset)
        shares.append(run.metrics["bad_share_submitted"])
        assert abs(shares[-1] - share) < 0.1
    assert shares[0] < shares[1]


def test_noisy_honest_labels_up_to_three_tenths_lower_accuracy(tiny_dataset, default_run):
    run = simulate(Config(num_words=tiny_dataset.num_features, agents={"Good": {"prob_mistake": 0.3}}),
                   dataset=tiny_dataset)
    assert run.metrics["final_accuracy"] < default_run.metrics["final_accuracy"]
    assert run.metrics["malicious_balance_pct"] is not None and run.metrics["honest_balance_pct"] > 0


# -- callers ---------------------------------------------------------------------------------------

@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fee=st.sampled_from([1e-18, 0.3, 1.0, 7.0, 5000.0]), callers=st.integers(1, 2), good=st.integers(1, 3),
       seed=st.integers(0, 50), incentive=st.sampled_from(["stakeable", "quality_priced"]))
def test_callers_pay_what_contributors_earn_and_money_is_conserved(tiny_dataset, fee, callers, good, seed, incentive):
    config = Config(num_words=tiny_dataset.num_features, max_train=500, seed=seed, incentive=incentive,
                    agents={"Good": {"count": good}, "Pay": {"kind": "caller", "fee": fee, "count": callers,
                                                            "mean_update_wait_s": 900}})
    run = simulate(config, dataset=tiny_dataset)
    m, chain = run.metrics, run.chain
    assert sum(chain.balances().values()) == chain.minted
    paid = sum(to_units(10_000) - chain.balance_of(name) for name in config.agent("Pay").member_names())
    assert m["fees_paid"]["Pay"] == pytest.approx(paid / UNITS_PER_COIN)
    assert sum(m["fees_earned"].values()) == pytest.approx(m["fees_paid"]["Pay"])
    assert paid <= m["paid_calls"] * to_units(fee)                  # dust stays with the caller
    assert m["counts"]["rejections"] == {}                            # never sends a call the contract refuses
    assert m["counts"]["declined"].get("no verified contributor yet to pay for a prediction", 0) >= 1
    if m["paid_calls"]:
        assert paid > 0 or fee < 1e-6


def test_a_callers_fee_is_shared_by_verified_contributions(tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, max_train=1200,
                    agents={"Pay": {"kind": "caller", "fee": 3}})
    run = simulate(config, dataset=tiny_dataset)
    m = run.metrics
    assert m["paid_calls"] > 100 and m["balances"]["Pay"] < 10_000
    earned = m["fees_earned"]
    assert earned["Good"] > earned["Bad"] >= 0
    assert set(m["fees_paid"]) == {"Pay"} and "Pay" not in earned
    assert m["cost_per_add"]["Pay"] is None and m["honest_balance_pct"] == m["balance_pct"]["Good"]


@pytest.mark.parametrize("model", ["dense_perceptron", "dense_nearest_centroid"])
def test_a_dense_model_learns_from_numeric_csv_values(tmp_path, model):
    """Standardised values reach the contract: the class depends on a sum of continuous values, which
    the dense families learn from the values themselves (single and batched reads agree)."""
    import pandas as pd

    rng = np.random.default_rng(3)
    values = rng.normal(size=(700, 3))
    frame = pd.DataFrame(values * [1.0, 40.0, 0.01] + [0.0, 100.0, 5.0], columns=["a", "b", "c"])
    frame["y"] = np.where(values[:, 0] + values[:, 1] > 0, "up", "down")
    path = tmp_path / "numeric.csv"
    frame.to_csv(path, index=False)
    run = simulate({"dataset": "csv", "data_path": str(path), "label_column": "y", "num_words": 4,
                    "csv_encoding": "standardised", "model": model, "train_size": 0.1, "seed": 1})
    assert run.metrics["counts"]["adds"] > 100 and run.metrics["final_accuracy"] > 0.85
    from sumchain.data import load_dataset

    data = load_dataset(run.config)
    trainer = run.trainer
    rows = [trainer.model.sample(data.X_test.indices[s:e], data.X_test.data[s:e])
            for s, e in zip(data.X_test.indptr[:40], data.X_test.indptr[1:41])]
    assert [trainer.predict(x) for x in rows] == trainer.predict_many(data.X_test[:40]).tolist()


@pytest.mark.parametrize("incentive", ["stakeable", "prediction_market"])
def test_a_run_ends_at_the_simulated_time_limit_and_says_so(tiny_dataset, monkeypatch, incentive):
    import sumchain.sim.loop as loop

    limit = 5 * 86_400           # the 20-year limit, shortened so that a small run reaches it (one loop for both)
    monkeypatch.setattr(loop, "MAX_SIMULATED_S", limit)
    config = Config.from_overrides({"num_words": tiny_dataset.num_features, "incentive": incentive,
                                    "agents.Good.mean_update_wait_s": 86_400, "agents.Bad.mean_update_wait_s": 86_400,
                                    "prediction_market.min_num_contributions": 1})
    run = simulate(config, dataset=tiny_dataset)
    assert run.end_reason.startswith("reached the simulated-time limit")
    assert run.timeseries["time_s"].max() <= limit and 0 < run.metrics["counts"]["adds"] <= 12


def test_a_scenario_hooks_into_the_one_run_loop_in_order(tiny_dataset):
    from sumchain.engines import deploy, initial_training_size
    from sumchain.sim import Scenario, Simulation, scenario_type
    from sumchain.sim.market import MarketScenario

    config = Config(num_words=tiny_dataset.num_features, max_train=600)
    assert scenario_type(config) is Scenario
    assert scenario_type(Config(incentive="prediction_market")) is MarketScenario
    calls = []

    class Watching(Scenario):
        def begin(self, sim):
            calls.append(("begin", sim.chain.now, len(sim.rows)))

        def running(self, sim):
            return super().running(sim) and sim.counts["adds"] < 20

        def end(self, sim):
            calls.append(("end", sim.counts["adds"]))

        def settle(self, sim):
            calls.append(("settle", len(sim.rows)))

        def record(self, sim, row):
            row["watched"] = True

    trainer = deploy(config, tiny_dataset)
    first = initial_training_size(config, tiny_dataset)
    for agent in config.agents:
        trainer.chain.fund(agent.name, 10**22)
    sim = Simulation(config, tiny_dataset, trainer, first, scenario=Watching(config, tiny_dataset, first))
    sim.run()
    assert calls == [("begin", 0, 1), ("end", 20), ("settle", len(sim.rows))]
    assert all(row["watched"] for row in sim.rows)
