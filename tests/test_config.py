"""Configuration: Table I defaults, overrides, TOML round trip, one-line errors naming the key."""

from __future__ import annotations

import re

import pytest

from sumchain import Config, ConfigError
from sumchain.config import parse_value, to_toml


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
    ({"learning_rate": 0}, "'learning_rate' = 0.0 is not allowed; must be >= 0.001"),
    ({"model": "forest"}, "'model' = 'forest' is not allowed; choose one of: perceptron, dense_perceptron"),
    ({"model": "logistic_regression", "engine": "evm"},
     "'model' = 'logistic_regression' is not allowed; model=logistic_regression has no contract code and runs on "
     "engine=python only; with engine=evm choose one of: perceptron, dense_perceptron, naive_bayes, "
     "nearest_centroid, dense_nearest_centroid"),
    ({"naive_bayes.eta0": 1}, "unknown config key 'naive_bayes.eta0'; allowed: smoothing"),
    ({"model": "naive_bayes", "naive_bayes.smoothing": 0}, "'naive_bayes.smoothing' = 0.0 is not allowed; must be >= 0.001"),
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
    from sumchain.models.logistic_regression import DEFAULT_ETA0, DEFAULT_T0
    from sumchain.models.naive_bayes import DEFAULT_SMOOTHING

    assert Config().model == "perceptron" and Config().model_parameters() == {}
    assert "naive_bayes" not in Config().to_dict() and "logistic_regression" not in Config().to_dict()
    assert Config(model="naive_bayes").model_parameters() == {"smoothing": DEFAULT_SMOOTHING}
    config = Config.from_overrides({"model": "logistic_regression", "logistic_regression.t0": 50})
    assert config.model_parameters() == {"eta0": DEFAULT_ETA0, "t0": 50}
    assert config.flat()["logistic_regression.t0"] == 50
    path = tmp_path / "c.toml"
    path.write_text(to_toml(config))
    assert "[logistic_regression]" in path.read_text()
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

