"""Sweep specifications: grid and one-factor-at-a-time points, and `--set key=v1,v2` parsing."""

from __future__ import annotations

import pytest

from sumchain import Config
from sumchain.errors import ConfigError
from sumchain.experiments.grid import (Axis, axis_from_assignment, grid, ofat, split_axes, split_top_level,
                                       unique_configs)


def test_grid_is_the_cartesian_product_times_seeds():
    axes = [Axis.of("num_words", [100, 200]), Axis.of("cost_weight", [1, 2, 3])]
    points = grid(axes, seeds=range(2))
    assert len(points) == 2 * 3 * 2
    assert {(p.config.num_words, p.config.cost_weight, p.seed) for p in points} == {
        (w, c, s) for w in (100, 200) for c in (1, 2, 3) for s in (0, 1)}
    assert len({p.config.digest() for p in points}) == len(points)
    assert points[0].values == (("num_words", 100), ("cost_weight", 1))


def test_ofat_varies_one_key_at_a_time_from_the_base():
    base = Config.from_overrides({"max_train": 100})
    points = ofat([Axis.of("num_words", [100, 200]), Axis.of("cost_weight", [2, 3, 4])], base, seeds=[5])
    assert [p.sweep for p in points] == ["num_words"] * 2 + ["cost_weight"] * 3
    for p in points:
        assert p.config.max_train == 100 and p.seed == 5
        if p.sweep == "num_words":
            assert p.config.cost_weight == base.cost_weight and p.config.num_words == p.value
        else:
            assert p.config.num_words == base.num_words and p.config.cost_weight == p.value


def test_joined_keys_move_together():
    axis = Axis.of("agents.Good.start_balance+agents.Bad.start_balance", [1000, 5000], name="start_balance")
    configs = [p.config for p in ofat([axis])]
    assert [(c.agent("Good").start_balance, c.agent("Bad").start_balance) for c in configs] == [(1000, 1000), (5000, 5000)]


def test_unique_configs_drops_repeats():
    points = ofat([Axis.of("num_words", [100, 1000]), Axis.of("cost_weight", [1, 2])])
    # num_words=1000 and cost_weight=1 are both the defaults: the same config, run once
    assert len(points) == 4 and len(unique_configs(p.config for p in points)) == 3


@pytest.mark.parametrize("text, parts", [
    ("1,2,3", ["1", "2", "3"]),
    ('"a,b",c', ['"a,b"', "c"]),
    ("[1,2],3", ["[1,2]", "3"]),
    ("x", ["x"]),
])
def test_split_top_level(text, parts):
    assert split_top_level(text) == parts


def test_assignment_values_are_parsed_like_set():
    axis = axis_from_assignment("train_size=0.01,0.1, 0.32")
    assert axis.keys == ("train_size",) and axis.values == (0.01, 0.1, 0.32)
    assert axis_from_assignment("dataset=synthetic").values == ("synthetic",)
    fixed, swept = split_axes([axis_from_assignment("max_train=50"), axis])
    assert fixed == {"max_train": 50} and swept == [axis]


@pytest.mark.parametrize("text, words", [
    ("num_words=1,,2", "empty value"),
    ("num_words=1,1", "twice"),
    ("num_words", "key=value"),
])
def test_bad_assignments_say_what_is_wrong(text, words):
    with pytest.raises(ConfigError, match=words):
        axis_from_assignment(text)


def test_bad_values_name_the_key():
    with pytest.raises(ConfigError, match="train_size"):
        grid([Axis.of("train_size", [0.5, 1.5])])
    with pytest.raises(ConfigError, match="given twice"):
        grid([Axis.of("num_words", [1, 2]), Axis.of("num_words", [3, 4])])
