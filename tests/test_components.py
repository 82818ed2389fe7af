"""The component registries and the EVM limits read from the Vyper sources."""

from __future__ import annotations

import dataclasses

import pytest

from sumchain import components, config
from sumchain.components import evm_max_features, evm_mechanisms, vyper_constant, vyper_constants
from sumchain.config import Config
from sumchain.errors import ConfigError


def test_constants_are_read_with_references_and_arithmetic_resolved():
    assert vyper_constant("sparse_sample", "MAX_FEATURES") == 1024
    assert vyper_constant("perceptron", "MAX_FEATURES") == vyper_constant("sparse_sample", "MAX_FEATURES")
    assert vyper_constant("data_handler", "MASK_128") == 2**128 - 1
    assert vyper_constants("trainer")["NO_LABEL"] == 2**256 - 1
    assert "MAX_WORDS" not in vyper_constants("trainer")    # `model.MAX_WORDS`: whichever family it is built with
    with pytest.raises(KeyError, match="perceptron.vy defines no integer constant MAX_CLASSES"):
        vyper_constant("perceptron", "MAX_CLASSES")


def test_the_mechanism_numbers_are_trainer_vy_s():
    numbers = vyper_constants("trainer")
    assert [numbers[name.upper()] for name in evm_mechanisms()] == list(range(len(evm_mechanisms())))
    assert set(evm_mechanisms()) < set(components.mechanisms())


def test_the_sample_bound_is_the_contracts_and_the_config_refuses_past_it():
    bound = evm_max_features()
    assert Config.from_overrides({"max_features": bound}).max_features == bound
    with pytest.raises(ConfigError, match=f"must be a whole number from 1 to {bound} "):
        Config.from_overrides({"max_features": bound + 1})


def test_every_family_and_mechanism_is_described_once_and_the_config_lists_follow():
    families, mechanisms = components.model_families(), components.mechanisms()
    assert config.MODELS == tuple(families)
    assert config.EVM_MODELS == tuple(name for name, f in families.items() if f.contract)
    assert config.INCENTIVES == tuple(mechanisms)
    for name, family in families.items():
        if family.contract:
            assert (components.CONTRACTS / f"{name}.vy").exists()
            assert vyper_constant(name, "MAX_CHUNK") >= 1
        if family.parameters:    # the family's table is a config section of that class
            assert isinstance(getattr(Config(), name), family.parameters)
    for name, mechanism in mechanisms.items():
        if mechanism.parameters:
            assert dataclasses.is_dataclass(mechanism.parameters)
            assert isinstance(getattr(Config(), name), mechanism.parameters)
        assert ("evm" in mechanism.engines) == (name in evm_mechanisms())


def test_the_unknown_name_of_a_registry_is_an_attribute_error():
    with pytest.raises(AttributeError):
        config.NOT_A_REGISTRY
