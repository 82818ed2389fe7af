"""Sweep specifications: which configs a sweep runs, as plain data.

An `Axis` is one swept parameter: a name, the config keys it sets (usually one; several keys move
together, e.g. both agents' start_balance) and its values. `grid` takes the cartesian product of
the axes, `ofat` varies each axis alone from the base config. Either gives `Point`s: the swept
values and the resolved `Config`, one point per seed. A point's identity is its config's digest,
so the same config reached from two sweeps (the defaults sit in every study sweep) runs once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sumchain.config import Config, canonical_key, parse_assignment, parse_value
from sumchain.errors import ConfigError

KEY_JOINER = "+"
"""`--set a+b=1,2` sweeps keys a and b together (both set to the same value)."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter: `keys` are all set to each of `values` in turn."""

    name: str
    keys: tuple[str, ...]
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ConfigError(f"sweep key '{self.name}' needs at least one value")
        if len(set(map(repr, self.values))) != len(self.values):
            raise ConfigError(f"sweep key '{self.name}' lists a value twice: {list(self.values)}")

    @classmethod
    def of(cls, key: str, values: Iterable[Any], name: str | None = None) -> "Axis":
        keys = tuple(canonical_key(k.strip()) for k in key.split(KEY_JOINER))
        if not all(keys):
            raise ConfigError(f"sweep key '{key}' is empty; use key=v1,v2 or key1+key2=v1,v2")
        return cls(name or key, keys, tuple(values))

    def overrides(self, value: Any) -> dict[str, Any]:
        return {key: value for key in self.keys}


@dataclass(frozen=True)
class Point:
    """One run of a sweep: which sweep, the swept (axis name, value) pairs, and the config."""

    sweep: str
    values: tuple[tuple[str, Any], ...]
    config: Config

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def value(self) -> Any:
        """The value of a one-axis point (what a study figure puts on its x axis)."""
        return self.values[0][1] if len(self.values) == 1 else None


def _base(base: Config | None) -> Config:
    return base if base is not None else Config()


def _points(sweep: str, combos: Iterable[tuple[tuple[Axis, Any], ...]], base: Config,
            seeds: Sequence[int]) -> list[Point]:
    points = []
    for combo in combos:
        overrides: dict[str, Any] = {}
        for axis, value in combo:
            overrides.update(axis.overrides(value))
        for seed in seeds:
            config = Config.from_overrides({**overrides, "seed": seed}, base=base)
            points.append(Point(sweep, tuple((axis.name, value) for axis, value in combo), config))
    return points


def grid(axes: Sequence[Axis], base: Config | None = None, seeds: Sequence[int] = (0,),
         sweep: str = "grid") -> list[Point]:
    """Every combination of the axes' values, each run with every seed."""
    _check_axes(axes)
    combos = itertools.product(*[[(axis, v) for v in axis.values] for axis in axes])
    return _points(sweep, combos, _base(base), seeds)


def ofat(axes: Sequence[Axis], base: Config | None = None, seeds: Sequence[int] = (0,)) -> list[Point]:
    """One factor at a time: each axis varied alone while the rest stay at the base config.

    Each axis is its own sweep (named after the axis), as in the study's figures.
    """
    _check_axes(axes)
    points: list[Point] = []
    for axis in axes:
        points += _points(axis.name, [((axis, v),) for v in axis.values], _base(base), seeds)
    return points


def _check_axes(axes: Sequence[Axis]) -> None:
    names = [axis.name for axis in axes]
    if len(set(names)) != len(names):
        raise ConfigError(f"a sweep key is given twice: {', '.join(names)}")
    keys = [key for axis in axes for key in axis.keys]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"a config key is swept by two axes: {', '.join(keys)}")


def unique_configs(configs: Iterable[Config]) -> list[Config]:
    """The distinct configs, first occurrence first (the runs to execute)."""
    seen: dict[str, Config] = {}
    for config in configs:
        seen.setdefault(config.digest(), config)
    return list(seen.values())


# -- parsing `--set key=v1,v2,...` -------------------------------------------------------------

def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on `separator` outside quotes and brackets: `a,"b,c",[1,2]` gives three parts."""
    parts, current, depth, quote = [], [], 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def axis_from_assignment(text: str) -> Axis:
    """`key=v1,v2` (or `key1+key2=v1,v2`) as an axis; values parsed like `--set` values."""
    key, raw = parse_assignment(text)
    parts = split_top_level(raw)
    if any(not part.strip() for part in parts):
        raise ConfigError(f"--set {key}= has an empty value in '{raw}'; use key=v1,v2,...")
    return Axis.of(key, [parse_value(part) for part in parts])


def split_axes(axes: Sequence[Axis]) -> tuple[dict[str, Any], list[Axis]]:
    """Single-valued axes are plain overrides; the rest are swept."""
    fixed: dict[str, Any] = {}
    swept = []
    for axis in axes:
        if len(axis.values) == 1:
            fixed.update(axis.overrides(axis.values[0]))
        else:
            swept.append(axis)
    return fixed, swept

