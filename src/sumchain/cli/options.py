"""Options shared by the subcommands that take a configuration."""

from __future__ import annotations

import argparse
from typing import Any

from sumchain.config import Config, canonical_key, parse_assignment, parse_value
from sumchain.errors import ConfigError


def add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE.toml", help="a TOML file of config keys by section ([data], "
                        "[model], [incentive], [engine], [chain], [agents.NAME]; flat keys are accepted too)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key, e.g. --set data.num_words=100 --set model.name=naive_bayes "
                             f"--set agents.Good.mean_deposit=5; flat names work too (num_words=100) ({ONCE})")
    parser.add_argument("--seed", type=int, help="shorthand for --set seed=N")


ONCE = "each key at most once: a key given twice is refused, not merged"


def refuse_repeated_keys(assignments: list[str], seed: int | None = None) -> None:
    """One value per key: `--set k=1 --set k=2` (or `--seed` with `--set seed=`, or a key and its flat
    alias, `--set seed=1 --set data.seed=2`) is an error, not 'last wins'."""
    seen: set[str] = {"seed"} if seed is not None else set()
    for text in assignments:
        key, _ = parse_assignment(text)
        for part in key.split("+"):
            part = canonical_key(part.strip())
            if part in seen:
                also = " (also given by --seed)" if part == "seed" and seed is not None else ""
                raise ConfigError(f"--set {part} is given twice{also}; give each key once")
            seen.add(part)


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    refuse_repeated_keys(args.assignments, getattr(args, "seed", None))
    overrides: dict[str, Any] = {}
    for text in args.assignments:
        key, value = parse_assignment(text)
        overrides[canonical_key(key)] = parse_value(value)
    if getattr(args, "seed", None) is not None:
        overrides["seed"] = args.seed
    return overrides


def config_from(args: argparse.Namespace) -> Config:
    return config_with(args, overrides_from(args))


def config_with(args: argparse.Namespace, overrides: dict[str, Any]) -> Config:
    """The `--config` file (or the Table I defaults) with `overrides` on top."""
    if args.config:
        return Config.from_toml(args.config, overrides)
    return Config.from_overrides(overrides)
