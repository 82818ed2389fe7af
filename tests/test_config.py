"""Configuration: Table I defaults, overrides, TOML round trip, one-line errors naming the key."""

from __future__ import annotations

import re
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain import Config, ConfigError
from sumchain import config as config_module
from sumchain.config import flatten, parse_value, to_toml


def test_table_one_defaults():
    c = Config()
    assert (c.num_words, c.train_size, c.dataset, c.engine, c.incentive) == (1000, 0.08, "synthetic", "python", "stakeable")
    assert (c.refund_wait_s, c.any_address_claim_wait_s, c.owner_wait_s, c.cost_weight) == (86_400, 777_600, 777_600, 1)
    good, bad = c.agent("Good"), c.agent("Bad")
    assert (good.start_balance, good.mean_deposit, good.stdev_deposit, good.mean_update_wait_s, good.honest,
            good.prob_mistake) == (10_000, 50, 10, 600, True, 0.0001)
    assert (bad.start_balance, bad.mean_deposit, bad.stdev_deposit, bad.mean_update_wait_s, bad.honest) == \
        (10_000, 100, 3, 3600, False)


def test_dotted_and_nested_overrides_agree():
    a = Config.from_overrides({"agents.Good.mean_deposit": 5, "num_words": 100})
    b = Config.from_overrides({"agents": {"Good": {"mean_deposit": 5}}, "num_words": 100})
    c = Config(agents={"Good": {"mean_deposit": 5}}, num_words=100)
    assert a == b == c and a.agent("Bad").mean_deposit == 100
    assert a.digest() == c.digest() != Config().digest()


AGENT_NAMES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="#."), min_size=1, max_size=12)
"""Any name the config allows (not empty, no '#' or '.'): spaces, quotes, brackets, unicode, control characters."""


@settings(max_examples=150, deadline=None)
@given(name=AGENT_NAMES, other=AGENT_NAMES, deposit=st.floats(1, 1e6, allow_nan=False))
def test_toml_round_trip_keeps_any_agent_name(name, other, deposit):
    config = Config.from_overrides({"agents": {name: {"mean_deposit": deposit}, other: {"kind": "flipper"}}})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(to_toml(config), encoding="utf-8")
        read = Config.from_toml(path)        # what `--config` does with a run folder's config.toml
    assert read == config and read.digest() == config.digest()
    assert [a.name for a in read.agents] == [a.name for a in config.agents]
    assert Config.from_dict(tomllib.loads(to_toml(config))) == config


@pytest.mark.parametrize("name", ['a b', 'x"]\n[evil]\nnum_words = 5\n["y', "Ünïcødé ✓", "]", 'say "hi"'])
def test_a_crafted_agent_name_stays_a_name(name):
    config = Config.from_overrides({"agents": {name: {"mean_deposit": 7}}})
    read = Config.from_dict(tomllib.loads(to_toml(config)))
    assert read == config and read.num_words == Config().num_words and read.agent(name).mean_deposit == 7
    assert Config().digest() == "7db3272e78b2e548"


def test_toml_round_trip(tmp_path):
    config = Config.from_overrides({"agents.Bad.prob_mistake": 0.5, "seed": 9})
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert Config.from_toml(path) == config


@pytest.mark.parametrize("overrides, message", [
    ({"nmu_words": 3}, "unknown config key 'nmu_words'; allowed:"),
    ({"train_size": 1.0}, "'train_size' = 1.0 is not allowed; must be strictly between 0 and 1"),
    ({"train_size": 0}, "train_size"),
    ({"num_words": 0}, "'num_words' = 0 is not allowed"),
    ({"num_words": "many"}, "'num_words' must be a whole number"),
    ({"num_words": 2.5}, "'num_words' must be a whole number"),
    ({"agents.Good.start_balance": -1}, "'agents.Good.start_balance' = -1 is not allowed"),
    ({"agents.Good.colour": "red"}, "unknown config key 'agents.Good.colour'"),
    ({"any_address_claim_wait_s": 86_400}, "must be >= refund_wait_s + 7 days = 691200 seconds"),
    ({"incentive": "bribes"}, "choose one of: stakeable, points"),
    ({"engine": "quantum"}, "choose one of:"),
    ({"agents.Good.honest": "yes"}, "must be true or false"),
    ({"learning_rate": 0}, "'learning_rate' = 0.0 is not allowed; must be from 0.001"),
    ({"model": "forest"}, "'model' = 'forest' is not allowed; choose one of: perceptron, dense_perceptron"),
    ({"model": "logistic_regression", "engine": "evm"},
     "'model' = 'logistic_regression' is not allowed; model=logistic_regression has no contract code and runs on "
     "engine=python only; with engine=evm choose one of: perceptron, dense_perceptron, naive_bayes, "
     "nearest_centroid, dense_nearest_centroid"),
    ({"naive_bayes.eta0": 1}, "unknown config key 'naive_bayes.eta0'; allowed: smoothing"),
    ({"model": "naive_bayes", "naive_bayes.smoothing": 0}, "'naive_bayes.smoothing' = 0.0 is not allowed; must be from 0.001"),
    ({"logistic_regression.t0": 2.5}, "'logistic_regression.t0' must be a whole number"),
    ({"logistic_regression.t0": 0}, "'logistic_regression.t0' = 0 is not allowed"),
    ({"naive_bayes": 3}, "'naive_bayes' must be a table with keys: smoothing"),
    ({"agents.Bad.kind": "troll"}, "'agents.Bad.kind' = 'troll' is not allowed; choose one of: honest, flipper"),
    ({"agents.Bad.kind": 3}, "'agents.Bad.kind' must be text"),
    ({"agents.Bad.count": 0}, "'agents.Bad.count' = 0 is not allowed; must be a whole number from 1 to 10,000"),
    ({"agents.Bad.count": 1.5}, "'agents.Bad.count' must be a whole number"),
    ({"agents.Bad.kind": "flipper", "agents.Bad.honest": True},
     "'agents.Bad.honest' = true contradicts agents.Bad.kind = 'flipper'; honest=false goes with the malicious kinds"),
    ({"agents.Good.kind": "caller", "agents.Good.honest": False}, "'agents.Good.honest' = false contradicts"),
    ({"agents.Bad.unsure_fraction": 0}, "'agents.Bad.unsure_fraction' = 0.0 is not allowed; must be > 0 and <= 1"),
    ({"agents.Bad.unsure_fraction": 1.5}, "'agents.Bad.unsure_fraction' = 1.5 is not allowed"),
    ({"agents.Bad.lead_s": 0}, "'agents.Bad.lead_s' = 0 is not allowed; must be a whole number of seconds >= 1"),
    ({"agents.Bad.honest_days": -1}, "'agents.Bad.honest_days' = -1.0 is not allowed; must be >= 0 days"),
    ({"agents.Pay.kind": "caller", "agents.Pay.fee": 0}, "'agents.Pay.fee' = 0.0 is not allowed; must be >= 1e-18"),
    ({"agents.Pay.kind": "caller", "incentive": "points"},
     "'agents.Pay.kind' = 'caller' is not allowed; a caller pays for predictions, which incentive=points does not "
     "take; use incentive stakeable or quality_priced"),
    ({"agents.Good.kind": "caller", "agents.Bad": None}, "'agents' = ['Good'] is not allowed; needs at least one "
     "agent that adds data"),
    ({"agents.Go#od.count": 2}, "'agents.Go#od' = 'Go#od' is not allowed; a table's name must be non-empty without"),
    ({"bad_share": 0}, "'bad_share' = 0.0 is not allowed; must be empty or strictly between 0 and 1"),
    ({"bad_share": 1.0}, "'bad_share' = 1.0 is not allowed"),
    ({"bad_share": "half"}, "'bad_share' must be a number"),
    ({"bad_share": 0.5, "agents.Bad.kind": "honest"}, "'bad_share' = 0.5 is not allowed; needs at least one honest "
     "agent table and one malicious one"),
])
def test_bad_values_name_the_key(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_overrides(overrides)


def test_toml_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("num_words = = 3")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        Config.from_toml(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        Config.from_toml(tmp_path / "missing.toml")


@pytest.mark.parametrize("text, value", [("3", 3), ("0.5", 0.5), ("true", True), ("imdb", "imdb"), ("none", None)])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_a_model_family_reads_its_own_table_which_round_trips(tmp_path):
    from sumchain.models.logistic_regression import DEFAULT_ETA0
    from sumchain.models.naive_bayes import DEFAULT_SMOOTHING

    assert Config().model == "perceptron" and Config().model_parameters() == {}
    assert "naive_bayes" not in Config().to_dict() and "logistic_regression" not in Config().to_dict()
    assert Config(model="naive_bayes").model_parameters() == {"smoothing": DEFAULT_SMOOTHING}
    config = Config.from_overrides({"model": "logistic_regression", "logistic_regression.t0": 50})
    assert config.model_parameters() == {"eta0": DEFAULT_ETA0, "t0": 50}
    assert config.flat()["logistic_regression.t0"] == 50
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert '[model]\nname = "logistic_regression"\nlearning_rate = 0.02\neta0 = 0.1\nt0 = 50\n' in path.read_text()
    assert Config.from_toml(path) == config
    assert Config.from_overrides({"model": "logistic_regression", "logistic_regression": {"t0": 50}}) == config


def test_a_default_model_leaves_the_run_identity_as_before_the_key_existed():
    # The digest of the Table I defaults before `model` existed; stored sweeps resume on it.
    assert Config().digest() == "7db3272e78b2e548"
    assert Config.from_overrides({"model": "naive_bayes"}).digest() != Config().digest()


@pytest.mark.parametrize("overrides, kind, honest", [
    ({}, "flipper", False),
    ({"agents.Bad.honest": True}, "honest", True),                 # old configs and sweeps keep their meaning
    ({"agents.Bad.kind": "honest"}, "honest", True),
    ({"agents.Bad.kind": "sleeper"}, "sleeper", False),
    ({"agents.Bad.kind": "sleeper", "agents.Bad.honest": False}, "sleeper", False),
    ({"agents.Bad.kind": "caller"}, "caller", True),
    ({"agents.Good.honest": False}, "flipper", False),
    ({"agents.Good.kind": "timing"}, "timing", False),
])
def test_kind_and_honest_follow_each_other(overrides, kind, honest):
    bad_or_good = "Good" if any(key.startswith("agents.Good") for key in overrides) else "Bad"
    agent = Config.from_overrides(overrides).agent(bad_or_good)
    assert (agent.kind, agent.honest) == (kind, honest)
    assert Config(agents={bad_or_good: {k.split(".")[-1]: v for k, v in overrides.items()}}).agent(bad_or_good) == agent


def test_setting_honest_keeps_a_malicious_kind_that_agrees():
    sleeper = Config.from_overrides({"agents.Bad.kind": "sleeper"})
    assert Config.from_overrides({"agents.Bad.honest": False}, base=sleeper).agent("Bad").kind == "sleeper"
    assert Config.from_overrides({"agents.Bad.honest": True}, base=sleeper).agent("Bad").kind == "honest"


def test_population_keys_round_trip_and_a_kind_key_belongs_to_its_kind(tmp_path):
    config = Config.from_overrides({"agents.Bad.kind": "unsure_flipper", "agents.Bad.unsure_fraction": 0.5,
                                    "agents.Good.count": 3, "agents.Pay.kind": "caller", "agents.Pay.fee": 0.5,
                                    "bad_share": 0.3})
    tables = config.to_dict()["agents"]
    assert tables["Bad"]["unsure_fraction"] == 0.5 and "honest_days" not in tables["Bad"] and "fee" not in tables["Bad"]
    assert tables["Pay"]["fee"] == 0.5 and "unsure_fraction" not in tables["Good"]
    assert config.flat()["agents.Good.count"] == 3 and config.flat()["bad_share"] == 0.3
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert Config.from_toml(path) == config
    assert config.agent("Good").member_names() == ["Good#1", "Good#2", "Good#3"]
    assert config.agent("Bad").member_names() == ["Bad"]


@pytest.mark.parametrize("overrides", [
    {"agents.Bad.kind": "flipper"}, {"agents.Good.kind": "honest"}, {"agents.Bad.count": 1}, {"bad_share": None},
    {"agents.Bad.honest": False}, {"agents.Bad.kind": "sleeper"}, {"agents.Bad.count": 2},
])
def test_new_keys_at_their_defaults_leave_the_run_identity_unchanged(overrides):
    changed = "sleeper" in overrides.values() or 2 in overrides.values()
    assert (Config.from_overrides(overrides).digest() != "7db3272e78b2e548") == changed


@pytest.mark.parametrize("overrides, message", [
    ({"agents.Good.mean_update_wait_s": float("inf")},
     "'agents.Good.mean_update_wait_s' = inf is not allowed; must be > 0 and <= 157,680,000 seconds (5 years)"),
    ({"agents.Good.stdev_update_wait_s": float("inf")}, "'agents.Good.stdev_update_wait_s' = inf is not allowed"),
    ({"agents.Good.stdev_deposit": float("inf")},
     "'agents.Good.stdev_deposit' = inf is not allowed; must be from 0 to 3.403e+20 coins (2**128 wei"),
    ({"agents.Good.mean_deposit": 0.4, "agents.Good.stdev_deposit": 0},
     "mean + 2 * stdev must be >= 1 coin"),
    ({"agents.Good.mean_update_wait_s": 0.5, "agents.Good.stdev_update_wait_s": 0},
     "mean + 2 * stdev must be >= 1 second"),
    ({"learning_rate": 1e300}, "'learning_rate' = 1e+300 is not allowed; must be from 0.001 (one fixed-point unit) "
     "to 9.214e+12 (one step of learning_rate * 1000 units on num_words weights and the intercept must keep"),
    ({"learning_rate": 1e70, "engine": "evm"}, "'learning_rate' = 1e+70 is not allowed"),
    ({"learning_rate": 1e7, "model": "dense_perceptron"}, "'learning_rate' = 10000000.0 is not allowed; must be from "
     "0.001 (one fixed-point unit) to 8.59e+06 (one step on num_words weights times values up to 32.8"),
    ({"model": "naive_bayes", "naive_bayes.smoothing": 1e18}, "'naive_bayes.smoothing' = 1e+18 is not allowed; must "
     "be from 0.001 (one fixed-point unit) to 2.306e+12 (smoothing * 1000 * num_words within 2**61"),
    ({"model": "logistic_regression", "logistic_regression.eta0": 1e300}, "'logistic_regression.eta0' = 1e+300"),
    ({"logistic_regression.t0": 2**63}, "'logistic_regression.t0' = 9223372036854775808 is not allowed"),
    ({"agents.Good.start_balance": 10**60, "engine": "evm"}, "'agents.*.start_balance' = "),
    ({"agents.Good.start_balance": 340_282_366_920_938_463_463 - 10_000 + 1},
     "the start balances together (count * start_balance over the tables) must be <= 340,282,366,920,938,463,463 "
     "coins (2**128 wei"),
    ({"agents.Good.start_balance": 10**17, "agents.Good.count": 10_000}, "'agents.*.start_balance'"),
    ({"gas_price_gwei": 1e300, "engine": "evm"}, "'gas_price_gwei' = 1e+300 is not allowed; must be from 0 to "
     "2.028e+22 gwei (a call's 16,777,216 gas at that price is 2**128 wei"),
    ({"gas_price_gwei": float("nan")}, "'gas_price_gwei' = nan is not allowed"),
    ({"incentive": "quality_priced", "quality_priced.weight": 10**56, "engine": "evm"},
     "'quality_priced.weight' = 100000000000000000000000000000000000000000000000000000000 is not allowed; must be a "
     "whole number from 0 to 5,671,372,782,015,641,056 with cost_weight = 1 (the largest cost, cost_weight * 60 "
     "coins * (1 + weight), must stay below 2**128 wei"),
    ({"incentive": "quality_priced", "cost_weight": 10**9, "quality_priced.weight": 10**10},
     "from 0 to 5,671,372,781 with cost_weight = 1000000000"),
    ({"cost_weight": 10**21}, "'cost_weight' = 1000000000000000000000 is not allowed; must be a whole number from 0 "
     "to 5,671,372,782,015,641,057 (the largest cost, cost_weight * 60 coins, must stay below 2**128 wei"),
    ({"refund_wait_s": 10**12}, "'refund_wait_s' = 1000000000000 is not allowed; must be at most 157,680,000 seconds"),
    ({"incentive": "prediction_market", "prediction_market.min_length_s": 10**10},
     "'prediction_market.min_length_s' = 10000000000 is not allowed; must be at most 157,680,000 seconds"),
    ({"incentive": "prediction_market", "prediction_market.provider_balance": 10**21},
     "'agents.*.start_balance' = 1000000000000000020000 is not allowed; the start balances together (count * "
     "start_balance over the tables, and prediction_market.provider_balance)"),
    ({"accuracy_interval_s": 1}, "'accuracy_interval_s' = 1 is not allowed; must be >= 3,600 seconds"),
    ({"agents.Good.phase_s": 10**10}, "'agents.Good.phase_s' = 10000000000 is not allowed"),
    ({"bad_share": 1e-300}, "'bad_share' = 1e-300 is not allowed; makes agents.Bad.mean_update_wait_s 6e+302 seconds"),
    ({"seed": 2**63}, "'seed' = 9223372036854775808 is not allowed; must be a whole number from 0 to 2**63 - 1"),
    ({"max_train": 10**30}, "'max_train' = 1000000000000000000000000000000 is not allowed"),
    ({"dataset": "text", "text_column": "sentiment"}, "'text_column' = 'sentiment' is not allowed; must differ from "
     "label_column = 'sentiment' with dataset=text"),
])
def test_values_no_engine_can_hold_are_refused_in_one_line(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as refusal:
        Config.from_overrides(overrides)
    assert "\n" not in str(refusal.value)


def test_bounds_are_the_engines_own_constants():
    from sumchain.config import (FIXED_POINT_UNITS, TX_GAS_CAP, MAX_DENSE_VALUE_UNITS, MAX_LOG_INPUT,
                                 WEI_PER_COIN)
    from sumchain.engines.evm.backend import TX_GAS_CAP as ENGINE_TX_GAS_CAP
    from sumchain.ledger.money import UNITS_PER_COIN
    from sumchain.models import SCALE
    from sumchain.models import fixedpoint, naive_bayes, protocol

    assert (WEI_PER_COIN, TX_GAS_CAP) == (UNITS_PER_COIN, ENGINE_TX_GAS_CAP)
    assert FIXED_POINT_UNITS == SCALE == naive_bayes.SMOOTHING_SCALE
    assert (MAX_DENSE_VALUE_UNITS, MAX_LOG_INPUT) == (protocol.MAX_DENSE_UNITS, fixedpoint.MAX_LOG_INPUT)


def test_a_csv_may_use_the_default_text_column_as_its_label():
    assert Config.from_overrides({"dataset": "csv", "label_column": "review"}).label_column == "review"


def test_a_caller_on_evm_takes_any_number_of_contributors():
    # Paid predictions are pulled (one accumulator), so no bound on who shares them.
    config = Config.from_overrides({"engine": "evm", "agents.Pay.kind": "caller", "agents.Good.count": 5000})
    assert sum(a.count for a in config.agents if a.kind != "caller") == 5001


@pytest.mark.parametrize("overrides, widest", [
    ({"model": "nearest_centroid", "num_words": 10_000}, "at most 1,207 features fit with max_features=1024"),
    ({"model": "nearest_centroid", "num_words": 1_208}, "at most 1,207 features fit with max_features=1024"),
    ({"model": "nearest_centroid", "num_words": 4_000, "max_features": 256}, "at most 1,896 features fit"),
])
def test_a_model_whose_calls_outgrow_a_transactions_gas_cap_is_refused_on_a_chain(overrides, widest):
    for engine in ("evm", "rpc"):
        with pytest.raises(ConfigError, match=re.escape(widest)):
            Config.from_overrides({**overrides, "engine": engine, "rpc_url": "http://127.0.0.1:8545"})
    Config.from_overrides(overrides)                                     # the python engine has no gas cap


def test_the_gas_bound_admits_what_fits():
    from sumchain.config import EVM_GAS_BUDGET, evm_gas_need

    Config.from_overrides({"engine": "evm", "model": "nearest_centroid", "num_words": 1_207})
    Config.from_overrides({"engine": "evm", "model": "nearest_centroid", "num_words": 2_124, "max_features": 1})
    Config.from_overrides({"engine": "evm", "model": "dense_nearest_centroid", "num_words": 1_024})
    Config.from_overrides({"engine": "evm", "model": "perceptron", "num_words": 1_000_000})
    assert evm_gas_need("nearest_centroid", 1_208, 1024) > EVM_GAS_BUDGET >= evm_gas_need("nearest_centroid", 1_207, 1024)



def test_the_reference_lists_every_settable_key_with_its_default_and_engines():
    from sumchain.config import reference

    rows = {row["key"]: row for row in reference()}
    flat = flatten(Config().to_dict())
    for key in flat:    # every key of the default config (agent keys as agents.*.key) is documented
        parts = key.split(".")
        documented = f"agents.*.{parts[-1]}" if parts[0] == "agents" else key
        assert documented in rows, key
        if parts[0] != "agents":
            assert rows[documented]["default"] == flat[key]
    assert rows["model"]["allowed"] == config_module.MODELS
    assert rows["logistic_regression.eta0"]["engines"] == ("python",)
    assert rows["prediction_market.bounty"]["component"] == "incentive=prediction_market"
    assert rows["rpc_url"]["engines"] == ("rpc",) and rows["max_train"]["type"] == "int | None"


def test_a_model_pushers_copies_are_bounded_and_only_its_own_key():
    with pytest.raises(ConfigError, match="agents.Bad.push_copies.*from 1 to 100"):
        Config.from_overrides({"agents.Bad.kind": "model_pusher", "agents.Bad.push_copies": 0})
    pusher = Config.from_overrides({"agents.Bad.kind": "model_pusher", "agents.Bad.push_copies": 5})
    assert pusher.agent("Bad").malicious and pusher.flat()["agents.Bad.push_copies"] == 5
    assert "agents.Bad.push_copies" not in Config().flat()      # Table I's digest is unchanged
