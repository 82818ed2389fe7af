"""The tune's objectives on made-up results with known answers, its seeds, its search space, and a tiny
search end to end: interrupted, then resumed without rerunning what finished."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.config import DAY_S, Config
from sumchain.errors import ConfigError
from sumchain.experiments import tune
from sumchain.experiments.executors import LocalExecutor
from sumchain.experiments.store import ResultStore


def made_up(rows) -> pd.DataFrame:
    """Runs of one design: (adversary, seed, gap, honest %, malicious %, honest cost, accuracy)."""
    return pd.DataFrame([{"adversary": a, "seed": s, "status": "ok", "gap": g, "honest_balance_pct": h,
                          "malicious_balance_pct": m, "cost_per_add.Good": c, "final_accuracy": acc}
                         for a, s, g, h, m, c, acc in rows])


ROWS = [("flipper", 0, 2.0, 110.0, 50.0, 1.0, 0.80), ("flipper", 1, 6.0, 90.0, 10.0, 3.0, 0.70),
        ("timing", 0, 4.0, 100.0, 20.0, 2.0, 0.75), ("timing", 1, 1.0, 120.0, 30.0, 2.0, 0.90)]
RUNS = made_up(ROWS)


def test_objectives_take_the_worst_adversary_per_seed_and_average_the_honest_return():
    result = tune.objectives(RUNS)
    assert result.gap == pytest.approx((4.0 + 6.0) / 2)                 # seed 0: timing 4, seed 1: flipper 6
    assert result.malicious_balance == pytest.approx((50.0 + 30.0) / 2)  # seed 0: flipper 50, seed 1: timing 30
    assert result.honest_return == pytest.approx(5.0)                   # (10 - 10 + 0 + 20) / 4
    assert result.honest_cost == pytest.approx(2.0)
    assert result.accuracy == pytest.approx((0.75 + 0.70) / 2)
    assert result.binding == "flipper"                                  # mean gap 4.0 against 2.5
    assert result.values() == [result.gap, result.honest_return, result.malicious_balance]


def test_a_failed_or_missing_run_fails_the_design_instead_of_flattering_it():
    failed = RUNS.assign(status=["ok", "error", "ok", "ok"], error=[None, "boom", None, None])
    with pytest.raises(ConfigError, match="1 of the design's runs failed or are missing .*flipper: boom"):
        tune.objectives(failed)
    missing = pd.concat([RUNS, pd.DataFrame([{"adversary": "sleeper", "status": np.nan}])], ignore_index=True)
    with pytest.raises(ConfigError, match="adversary sleeper: not run"):
        tune.objectives(missing)


def test_constraints_are_zero_or_less_when_they_hold():
    result = tune.objectives(RUNS)
    assert tune.Constraints(max_honest_cost=2.5, min_accuracy=0.7).values(result) == pytest.approx([-0.5, -0.025])
    assert tune.Constraints(max_honest_cost=1.5).values(result) == pytest.approx([0.5])
    assert tune.Constraints().values(result) == []


def test_paired_differences_and_the_verdict_against_table_one():
    better = made_up([(a, s, g - 1.0, h + 5.0 + s, m, c, acc) for a, s, g, h, m, c, acc in ROWS])
    d = {name: tune.paired_difference(tune.per_seed(better), tune.per_seed(RUNS), name)
         for name, _, _ in tune.OBJECTIVES}
    assert d["gap"].mean == pytest.approx(-1.0) and d["gap"].low == pytest.approx(-1.0)
    assert d["honest_return"].mean == pytest.approx(5.5) and d["honest_return"].n == 2
    assert d["malicious_balance"].mean == 0
    assert tune.verdict(d) == "beats"
    assert tune.verdict({"gap": tune.Paired(1.0, 0.5, 1.5, 3)}) == "loses"
    assert tune.verdict({"gap": tune.Paired(-1.0, -1.5, -0.5, 3), "honest_return": tune.Paired(-1, -2, -0.1, 3)}) == "trades"
    assert tune.verdict({"gap": tune.Paired(-1.0, math.nan, math.nan, 1)}) == "ties"


def test_dominance_follows_each_objectives_direction():
    assert tune.dominates([1.0, 5.0, 10.0], [2.0, 5.0, 10.0])
    assert tune.dominates([1.0, 6.0, 10.0], [1.0, 5.0, 10.0])          # more honest return is better
    assert not tune.dominates([1.0, 5.0, 10.0], [1.0, 5.0, 10.0])
    assert not tune.dominates([1.0, 4.0, 10.0], [2.0, 5.0, 10.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, tune.HELDOUT_OFFSET + 50), max_size=30), st.integers(1, 40))
def test_held_out_seeds_are_disjoint_from_the_search_seeds(search, count):
    held = tune.heldout_seeds(search, count)
    assert len(held) == len(set(held)) == count
    assert not set(held) & set(search)


def test_the_default_space_holds_table_one_and_only_valid_contracts():
    space = tune.search_space()
    assert set(space) >= {"incentive", "cost_weight", "refund_wait_s", "any_address_claim_wait_s",
                          "quality_priced.weight", "quality_priced.margin_scale"}
    design = tune.table_one_design(space)
    assert design == {"incentive": "stakeable", "cost_weight": 1, "refund_wait_s": DAY_S,
                      "any_address_claim_wait_s": 9 * DAY_S}
    corner = {"refund_wait_s": int(space["refund_wait_s"].high),
              "any_address_claim_wait_s": int(space["any_address_claim_wait_s"].low)}
    Config.from_overrides(corner)        # the tightest corner is still a valid contract


@pytest.mark.parametrize("ranges, fixed, message", [
    ({"colour": "1:2"}, {}, "unknown tune parameter 'colour'; choose from: incentive, cost_weight"),
    ({"cost_weight": "5:5"}, {}, "--param cost_weight=5:5 is an empty range"),
    ({"cost_weight": "9:2"}, {}, "--param cost_weight=9:2 is an empty range"),
    ({"cost_weight": "a:b"}, {}, "give a range LOW:HIGH of numbers"),
    ({"incentive": "points"}, {}, "choose one or more of stakeable, quality_priced"),
    ({"refund_wait_s": "3600:864000"}, {}, "makes invalid contracts: any_address_claim_wait_s must be >= refund_wait_s"),
    ({"cost_weight": "1:5"}, {"cost_weight": 2}, "--set cost_weight fixes a parameter that --param cost_weight searches"),
])
def test_bad_ranges_are_one_line_errors(ranges, fixed, message):
    with pytest.raises(ConfigError) as error:
        tune.search_space(ranges, fixed)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("constraints, message", [
    (tune.Constraints(max_honest_cost=0), "--max-honest-cost 0 cannot be met"),
    (tune.Constraints(min_accuracy=1.2), "--min-accuracy 1.2 cannot be met"),
])
def test_constraints_no_design_can_meet_are_refused(constraints, message):
    with pytest.raises(ConfigError, match=message):
        tune.check_constraints(constraints, tune.search_space())


def test_fixing_the_mechanism_drops_the_other_mechanisms_parameters():
    space = tune.search_space({}, {"incentive": "stakeable"})
    assert "incentive" not in space and "quality_priced.weight" not in space


# -- a tiny search end to end -------------------------------------------------------------------------

TINY = Config.from_overrides({"num_words": 60, "max_train": 200, "max_test": 150})


def tiny_settings() -> tune.TuneSettings:
    adversaries = tune.adversary_population(["flipper", "model_pusher"])
    return tune.TuneSettings(TINY, tune.search_space(), adversaries, [0], tune.heldout_seeds([0], 2))


class Interrupted(LocalExecutor):
    """Runs serially and raises KeyboardInterrupt after `limit` runs, as Ctrl-C would."""

    def __init__(self, limit: int):
        super().__init__(1)
        self.limit = limit

    def map_runs(self, configs):
        for count, outcome in enumerate(super().map_runs(configs)):
            if count == self.limit:
                raise KeyboardInterrupt
            yield outcome


def test_an_interrupted_tune_resumes_to_its_trial_count_without_rerunning_finished_runs(tmp_path):
    settings = tiny_settings()
    store = ResultStore(tmp_path, "tune").open()
    study = tune.open_study(tmp_path, settings)
    first = tune.run_tune(study, settings, store, LocalExecutor(1), trials=2, batch=1)
    assert first.trials == 2 and first.ran == 4
    values = {t.number: t.values for t in study.trials}
    with pytest.raises(KeyboardInterrupt):       # the third trial: one of its two runs finishes
        tune.run_tune(study, settings, store, Interrupted(1), trials=4, batch=1)
    store.close()
    stored = len(store.frame)
    assert stored == 5

    store = ResultStore(tmp_path, "tune").open()
    study = tune.open_study(tmp_path, settings)          # a new process: the journal on disk
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE", "RUNNING"]
    again = tune.run_tune(study, settings, store, LocalExecutor(1), trials=4, batch=1)
    store.close()
    assert again.resumed == 1 and again.trials == 4
    assert again.ran == 4 * 2 - stored                   # only the runs never finished
    assert {t.number: t.values for t in study.trials if t.number < 2} == values
    assert study.trials[0].user_attrs["table_one"] and study.trials[0].params["incentive"] == "stakeable"
    params = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(params)) == len(params)               # the resumed sampler drew new designs

    with pytest.raises(ConfigError, match="holds a tune with other settings \\(seeds differ\\)"):
        tune.open_study(tmp_path, tune.TuneSettings(TINY, settings.space, settings.adversaries, [0, 1],
                                                    settings.heldout))


def test_the_same_seeds_give_the_same_trials_in_parallel(tmp_path):
    settings = tiny_settings()
    results = []
    for name, executor, batch in (("serial", LocalExecutor(1), 1), ("parallel", LocalExecutor(2), 2)):
        store = ResultStore(tmp_path / name, "tune").open()
        study = tune.open_study(tmp_path / name, settings)
        tune.run_tune(study, settings, store, executor, trials=2, batch=batch)
        store.close()
        results.append([(t.params, t.values) for t in study.trials])
    # the first two designs do not depend on the batch (Table I, then the sampler's first draw)
    assert results[0] == results[1]


def test_the_timeout_stops_asking_for_new_trials(tmp_path):
    settings = tiny_settings()
    ticks = iter(range(100))
    study = tune.open_study(tmp_path, settings)
    summary = tune.run_tune(study, settings, store=None, executor=None, trials=5, timeout=0.5,
                            clock=lambda: next(ticks))
    assert summary.stopped == "timeout" and summary.trials == 0 and summary.ran == 0
