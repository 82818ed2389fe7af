"""Configuration: Table I defaults, overrides, TOML round trip, one-line errors naming the key."""

from __future__ import annotations

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
])
def test_bad_values_name_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
                       .replace("+", r"\+")):
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
