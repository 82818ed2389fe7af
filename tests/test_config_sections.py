"""The config by section: nested TOML and `--set model.smoothing=...` as the primary form, every flat
key of before as an alias of its place, the sections as a discriminated union on the component's name."""

from __future__ import annotations

import re
import tomllib

import pytest

from sumchain import Config, ConfigError
from sumchain.config import RUN_KEYS, SECTIONS, flatten, section_of, to_toml
from tests.test_config_identity import PINNED

NESTED = """
seed = 3
[data]
name = "synthetic"
num_words = 500
seed = 7
[model]
name = "naive_bayes"
smoothing = 0.5
[incentive]
name = "quality_priced"
weight = 2
cost_weight = 3
[engine]
name = "evm"
max_features = 64
[chain]
gas_price_gwei = 2.5
[agents.Bad]
count = 3
"""
FLAT = {"num_words": 500, "seed": 7, "model": "naive_bayes", "naive_bayes.smoothing": 0.5,
        "incentive": "quality_priced", "quality_priced.weight": 2, "cost_weight": 3, "engine": "evm",
        "max_features": 64, "gas_price_gwei": 2.5, "agents.Bad.count": 3}


def test_nested_toml_is_the_same_config_as_its_flat_keys(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(NESTED.replace("seed = 3\n", ""))
    nested = Config.from_toml(path)
    assert nested == Config.from_overrides(FLAT) and nested.digest() == Config.from_overrides(FLAT).digest()
    assert (nested.model, nested.naive_bayes.smoothing, nested.quality_priced.weight) == ("naive_bayes", 0.5, 2)


def test_dotted_section_keys_are_the_flat_keys():
    dotted = {"data.num_words": 500, "data.seed": 7, "model.name": "naive_bayes", "model.smoothing": 0.5,
              "incentive.name": "quality_priced", "incentive.weight": 2, "incentive.cost_weight": 3,
              "engine.name": "evm", "engine.max_features": 64, "chain.gas_price_gwei": 2.5, "agents.Bad.count": 3}
    assert Config.from_overrides(dotted) == Config.from_overrides(FLAT)


@pytest.mark.parametrize("overrides, digest", PINNED, ids=[d for _, d in PINNED])
def test_written_toml_is_nested_and_reads_back_to_the_same_identity(overrides, digest, tmp_path):
    config = Config.from_overrides(overrides)
    text = to_toml(config)
    data = tomllib.loads(text)
    assert set(data) == {*RUN_KEYS, *SECTIONS, "agents"} - {k for k in RUN_KEYS if getattr(config, k) is None}
    assert data["model"]["name"] == config.model and data["incentive"]["name"] == config.incentive
    path = tmp_path / "config.toml"
    path.write_text(text)
    assert Config.from_toml(path) == config and Config.from_toml(path).digest() == digest
    assert Config.from_dict(config.to_sections()) == config


def test_later_layers_win_whichever_form_they_use(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[model]\nname = "naive_bayes"\nsmoothing = 1.5\n')
    assert Config.from_toml(path).naive_bayes.smoothing == 1.5
    assert Config.from_toml(path, {"naive_bayes.smoothing": 2}).naive_bayes.smoothing == 2
    assert Config.from_toml(path, {"model.smoothing": 3}).naive_bayes.smoothing == 3
    # a file in flat keys, a --set in sections; the family chosen by the later layer takes the table
    path.write_text('model = "perceptron"\nlearning_rate = 0.5\n')
    config = Config.from_toml(path, {"model.name": "logistic_regression", "model.t0": 5})
    assert (config.model, config.learning_rate, config.logistic_regression.t0) == ("logistic_regression", 0.5, 5)


def test_flat_construction_and_reads_keep_working():
    config = Config(cost_weight=2, model="naive_bayes", agents={"Good": {"mean_deposit": 5}})
    assert config.cost_weight == 2 and config.model == "naive_bayes" and config.naive_bayes.smoothing == 1.0
    assert config.sections.incentive.cost_weight == 2 and config.flat()["naive_bayes.smoothing"] == 1.0
    assert config.replace(cost_weight=3).sections.incentive.cost_weight == 3


def test_each_section_holds_the_chosen_components_keys_only():
    nb = Config.from_overrides({"model": "naive_bayes", "incentive": "prediction_market"}).sections
    assert nb.model.name == "naive_bayes" and nb.model.smoothing == 1.0 and nb.model.learning_rate == 0.02
    assert nb.incentive.bounty == 100_000 and not hasattr(nb.incentive, "weight")
    default = Config().sections
    assert set(type(default.model).model_fields) == {"name", "learning_rate"}
    assert default.engine.name == "python" and default.chain.rpc_url is None and default.data.num_words == 1000
    assert [a.name for a in default.agents] == ["Good", "Bad"]


@pytest.mark.parametrize("overrides, message", [
    ({"model.smoothing": 2}, "unknown config key 'model.smoothing'; allowed with model.name = perceptron: name, "
                             "learning_rate"),
    ({"model": {"name": "naive_bayes", "eta0": 1}}, "unknown config key 'model.eta0'; allowed with model.name = "
                                                    "naive_bayes: name, learning_rate, smoothing"),
    ({"chain.name": "x"}, "unknown config key 'chain.name'; allowed: rpc_url, gas_price_gwei"),
    ({"data.colour": 1}, "unknown config key 'data.colour'; allowed: name,"),
    ({"model.name": "forest", "model.depth": 3}, "config key 'model' = 'forest' is not allowed; choose one of:"),
    ({"incentive": {"name": "quality_priced", "weight": -1}}, "config key 'quality_priced.weight' = -1 is not allowed"),
    ({"engine.name": 5}, "config key 'engine' must be text, got 5"),
])
def test_a_bad_section_key_is_one_line_naming_it(overrides, message):
    with pytest.raises(ConfigError) as error:
        Config.from_overrides(overrides)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_every_flat_key_has_its_place_in_a_section():
    keys = set(flatten(Config.from_overrides({"model": "logistic_regression", "incentive": "prediction_market"})
                       .to_dict()))
    for key in keys:
        assert (section_of(key) is None) == (key in RUN_KEYS), key
    assert section_of("learning_rate") == section_of("naive_bayes.smoothing") == "model"
    assert section_of("rpc_url") == "chain" and section_of("agents.Good.fee") == "agents"


def test_layers_merge_agent_tables_and_sections_deeply(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[model]\nname = "naive_bayes"\n[agents.Good]\ncount = 2\n')
    config = Config.from_toml(path, {"agents": {"Bad": {"count": 3}}, "model.learning_rate": 0.5})
    assert (config.agent("Good").count, config.agent("Bad").count) == (2, 3)
    assert (config.model, config.learning_rate) == ("naive_bayes", 0.5)


def _own_keys():
    from dataclasses import fields

    from sumchain.components import mechanisms, model_families

    for head, owners in (("model", model_families()), ("incentive", mechanisms())):
        for name, owner in owners.items():
            for f in fields(owner.parameters) if owner.parameters else ():
                yield head, name, f.name, f.default


@pytest.mark.parametrize("head, name, key, default", list(_own_keys()),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_every_components_own_key_is_the_same_in_its_section_and_flat(head, name, key, default):
    value = (not default) if isinstance(default, bool) else default * 2 if isinstance(default, float) else \
        default - 1 if key == "bounty" else default + 1    # the bounty may not pass the provider's balance
    nested = Config.from_overrides({head: {"name": name, key: value}})
    flat = Config.from_overrides({head: name, f"{name}.{key}": value})
    assert nested == flat and nested.digest() == flat.digest() != Config.from_overrides({head: name}).digest()
    assert getattr(getattr(nested.sections, head), key) == value == getattr(getattr(nested, name), key)


@pytest.mark.parametrize("overrides, message", [
    ({"model": "perceptron", "model.name": "naive_bayes"}, "config key 'model.name' is given twice (also as 'model')"),
    ({"learning_rate": 0.1, "model": {"learning_rate": 0.2}}, "config key 'model.learning_rate' is given twice"),
    ({"model.name": "naive_bayes", "model.smoothing": 2, "naive_bayes.smoothing": 3},
     "config key 'model.smoothing' is given twice (also as 'naive_bayes.smoothing')"),
    ({"model.name": "naive_bayes", "model.smoothing": 2, "naive_bayes": {"smoothing": 3}},
     "config key 'model.smoothing' is given twice"),
])
def test_a_key_and_its_alias_in_one_layer_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_overrides(overrides)


def test_a_components_table_is_given_by_its_name_as_a_field_would_be():
    config = Config(incentive="quality_priced", quality_priced={"weight": 0})
    assert config.quality_priced.weight == 0 and config == Config.from_overrides(
        {"incentive": {"name": "quality_priced", "weight": 0}})
    assert config.replace(quality_priced={"weight": 3}).quality_priced.weight == 3
    with pytest.raises(TypeError):
        Config(colour=1)


def test_a_complete_config_without_a_name_reads_its_section_against_the_default_component():
    with pytest.raises(ConfigError, match="unknown config key 'model.smoothing'; allowed with model.name = perceptron"):
        Config.from_dict({"model": {"smoothing": 2}})
    assert Config.from_dict({"incentive": {"cost_weight": 2}}).cost_weight == 2
