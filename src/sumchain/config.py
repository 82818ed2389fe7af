"""The run configuration: a frozen, typed record with the study's Table I defaults.

A run is data. `Config` is validated once, at the edge (`Config.from_overrides`), so the
rest of the code can trust it. Overrides come as nested dicts (`{"agents": {"Good":
{"mean_deposit": 5}}}`) or dotted keys (`{"agents.Good.mean_deposit": 5}`), which is what
`--set` and TOML files produce.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from pydantic import ConfigDict, TypeAdapter, ValidationError

from sumchain import components
from sumchain.components import evm_max_features
from sumchain.errors import ConfigError

DAY_S = 86_400

FEATURE_MODES = ("vocabulary", "hashing")
CSV_ENCODINGS = ("thermometer", "standardised")
"""How `dataset=csv` turns numeric columns into features: binary thresholds, or each column's value
standardised on the training rows (for the dense model families)."""
WAIT_ROUNDINGS = ("truncate", "round")
TX_GAS_CAP = components.TX_GAS_CAP
CLAIM_GAP_S = components.vyper_constant("stakeable", "CLAIM_GAP_S")
"""Claims that may take a whole deposit wait at least this long after the refund wait (the contract's own)."""
"""EIP-7825: the most gas one transaction may use (16,777,216)."""
EVM_GAS_BUDGET = TX_GAS_CAP * 3 // 4
"""What the config lets one contract call need at most: a quarter of the cap is headroom (other
nodes' gas schedules, a model whose state has grown)."""

_REGISTRY_NAMES = {
    "MODELS": lambda: tuple(components.model_families()),
    "EVM_MODELS": lambda: tuple(name for name, f in components.model_families().items() if "evm" in f.engines),
    "DENSE_MODELS": lambda: tuple(name for name, f in components.model_families().items() if f.dense),
    "EVM_GAS_MODEL": components.evm_gas_model,
    "DATASETS": components.dataset_names,
    "ENGINES": components.engine_names,
    "INCENTIVES": lambda: tuple(components.mechanisms()),
    "PYTHON_ONLY_INCENTIVES": lambda: tuple(name for name, m in components.mechanisms().items()
                                            if "evm" not in m.engines),
    "PAID_PREDICTION_INCENTIVES": lambda: tuple(name for name, m in components.mechanisms().items()
                                                if m.paid_predictions),
    "MODEL_TABLES": lambda: {name: f.parameters for name, f in components.model_families().items() if f.parameters},
    "MECHANISM_TABLES": lambda: {name: m.parameters for name, m in components.mechanisms().items() if m.parameters},
}
"""The component names the config checks against, from the components' own descriptors
(`sumchain.components`): `MODELS` the families, `EVM_MODELS` those with contract code, `DENSE_MODELS`
those that read feature values, `EVM_GAS_MODEL` each contract family's gas envelope (base,
per_feature, per_present: see `models.protocol.ContractLayout`), `INCENTIVES` the mechanisms,
`PYTHON_ONLY_INCENTIVES` those without contract code, `PAID_PREDICTION_INCENTIVES` those whose
trainer shares a paid prediction's value; `MODEL_TABLES` and `MECHANISM_TABLES` the parameter classes
of the families and mechanisms that have parameters: a table named after the component
(`[naive_bayes]`, or dotted keys `quality_priced.weight=2`), read only when it is the chosen one.
Read as `config.MODELS` etc. (collected when first asked)."""


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        return _names(name)
    raise AttributeError(f"module 'sumchain.config' has no attribute {name!r}")


@functools.cache
def _names(name: str) -> Any:
    """One of `_REGISTRY_NAMES`, collected once per process (the registries do not change)."""
    return _REGISTRY_NAMES[name]()


IMPLIED_KIND = "implied by honest"
"""`ADDED_KEYS`' default of an agent's `kind`: the kind its `honest` flag implies (honest or flipper)."""
ADDED_KEYS = {"model": "perceptron", "bad_share": None, "csv_encoding": "thermometer", "agents.*.count": 1, "agents.*.kind": IMPLIED_KIND}
"""Keys added after sweeps were first stored, with the default that keeps them out of `Config.digest`
(`agents.*.` keys: in every agent table)."""
MAX_NUM_WORDS = 10_000_000
"""The widest model: 10 million features (80 MB of weights per copy, and a few copies live at once).
IMDB's whole vocabulary is under 90,000 words; hashing needs no more buckets than tokens seen."""


AGENT_KINDS = ("honest", "flipper", "unsure_flipper", "timing", "sleeper", "caller", "model_pusher")
"""What an agent table's members do (`sumchain.sim.agents` says how each acts)."""
MALICIOUS_KINDS = ("flipper", "unsure_flipper", "timing", "sleeper", "model_pusher")
"""The kinds that submit wrong labels on purpose: `honest = false`. The others are honest."""
KIND_KEYS = {"unsure_flipper": ("unsure_fraction",), "timing": ("lead_s",), "sleeper": ("honest_days",),
             "caller": ("fee",), "model_pusher": ("push_copies",)}
"""Agent keys read only by one kind: in `to_dict` (and the digest) only for a table of that kind."""
MAX_AGENT_COUNT = 10_000

WEI_PER_COIN = 10**18
"""Base units (wei) per coin, as `sumchain.ledger.money.UNITS_PER_COIN` (this layer imports nothing above it)."""
MAX_MONEY_UNITS = 2**128 - 1
"""The most base units a run may hold: the contract keeps a deposit in 128 bits (and refuses a larger one),
so with every start balance together within this no balance, deposit or cost can pass it on any engine."""
MAX_MONEY_COINS = MAX_MONEY_UNITS / WEI_PER_COIN
"""`MAX_MONEY_UNITS` in coins (about 3.4e20)."""
MAX_INT64 = 2**63 - 1
"""Model weights and scores are int64 on the Python side of every engine (int256 on the contract)."""
FIXED_POINT_UNITS = 1000
"""Units per 1.0 of `learning_rate` and `naive_bayes.smoothing` (`models.SCALE`, `SMOOTHING_SCALE`)."""
MAX_DENSE_VALUE_UNITS = 2**15
"""The largest |feature value| a dense model takes, in fixed point (`models.protocol.MAX_DENSE_UNITS`)."""
MAX_LOG_INPUT = 2**62
"""The fixed-point logarithm's inputs stay below this (`models.fixedpoint.MAX_LOG_INPUT`)."""
MAX_SIMULATED_S = 20 * 365 * DAY_S
"""A simulation's clock stops here (20 years; a row every simulated hour is 175,200 rows): far inside
the contract's 64-bit times, and a run that would go on is ended with that reason (`sim.loop`)."""
SAMPLE_INTERVAL_S = 3_600
"""A run's balances are recorded every simulated hour (`sim.loop`), and accuracy at most as often."""
MAX_WAIT_S = MAX_SIMULATED_S // 4
"""Every configured wait and time (claim waits, agents' waits, phases, market length): 5 years, a
quarter of the simulated-time limit, so a contribution's claims fit in a run."""


@dataclass(frozen=True)
class AgentConfig:
    """One agent table: `count` simulated agents with these settings. Defaults are the study's honest
    agent ("Good").

    `kind` and `honest` say the same thing from two sides: `honest = false` is the study's malicious
    agent (`kind = "flipper"`), and any kind in `MALICIOUS_KINDS` is not honest. Give either (the
    other follows) or both when they agree."""

    name: str = "Good"
    start_balance: int = 10_000
    mean_deposit: float = 50.0
    stdev_deposit: float = 10.0
    mean_update_wait_s: float = 600.0
    stdev_update_wait_s: float = 1.0
    honest: bool | None = None
    prob_mistake: float = 0.0001
    phase_s: int = 0
    kind: str | None = None
    count: int = 1
    unsure_fraction: float = 0.25
    lead_s: int = 1
    honest_days: float = 10.0
    fee: float = 1.0
    push_copies: int = 3

    def __post_init__(self) -> None:
        kind, honest = self.kind, self.honest
        if kind is None:
            kind = "honest" if honest is None or honest else "flipper"
        if honest is None:
            honest = kind not in MALICIOUS_KINDS
        if kind in AGENT_KINDS and honest != (kind not in MALICIOUS_KINDS):
            raise ConfigError(f"config key 'agents.{self.name}.honest' = {str(honest).lower()} contradicts "
                              f"agents.{self.name}.kind = '{kind}'; honest=false goes with the malicious kinds "
                              f"({', '.join(MALICIOUS_KINDS)}), honest=true with honest and caller")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "honest", honest)

    @property
    def malicious(self) -> bool:
        return self.kind in MALICIOUS_KINDS

    def to_dict(self) -> dict[str, Any]:
        """The table's keys (without `name`); a kind's own keys (`KIND_KEYS`) only for that kind."""
        own = KIND_KEYS.get(self.kind, ())
        unread = {key for keys in KIND_KEYS.values() for key in keys if key not in own}
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "name" and k not in unread}

    def member_names(self) -> list[str]:
        """The names of the table's agents (their addresses on the chain): the table's name for one,
        `name#1` ... `name#count` for more ('#' is not allowed in a table's name, '.' not in a key)."""
        if self.count == 1:
            return [self.name]
        return [f"{self.name}#{k}" for k in range(1, self.count + 1)]


@dataclass(frozen=True)
class NaiveBayesConfig:
    """`model = "naive_bayes"`: additive (Laplace) smoothing of the counts, >= 0.001
    (see `sumchain.models.naive_bayes`)."""

    smoothing: float = 1.0


@dataclass(frozen=True)
class LogisticRegressionConfig:
    """`model = "logistic_regression"`: the step schedule eta0 * t0 / (t0 + t)
    (see `sumchain.models.logistic_regression`)."""

    eta0: float = 0.1
    t0: int = 100


@dataclass(frozen=True)
class QualityPricedConfig:
    """`incentive = "quality_priced"`: the stakeable cost times a surcharge for data the model contradicts.

    cost = base + base * weight * d // (d + margin_scale), d = max(0, -margin(x, y)) (see
    `sumchain.contract.incentives.quality_priced`)."""

    weight: int = 4
    margin_scale: int = 10_000


@dataclass(frozen=True)
class PredictionMarketConfig:
    """`incentive = "prediction_market"`: SUM's prediction market (see
    `sumchain.contract.incentives.prediction_market` and `sumchain.sim.market`)."""

    bounty: int = 100_000
    provider_balance: int = 100_000
    min_stake: int = 1
    num_portions: int = 10
    min_length_s: int = 7 * DAY_S
    min_num_contributions: int = 100
    group_contributions: bool = False
    reset_model: bool = False


def _default_agents() -> tuple[AgentConfig, ...]:
    return (
        AgentConfig(),
        AgentConfig(name="Bad", mean_deposit=100.0, stdev_deposit=3.0,
                    mean_update_wait_s=3600.0, honest=False, prob_mistake=0.0),
    )


@dataclass(frozen=True)
class Config:
    """Everything that determines a run. Same config and seed, same results, bit for bit."""

    # data
    dataset: str = "synthetic"
    num_words: int = 1000
    train_size: float = 0.08
    seed: int = 0
    data_path: str | None = None
    max_train: int | None = None
    max_test: int | None = None
    test_fraction: float = 0.5
    text_column: str = "review"
    label_column: str = "sentiment"
    features: str = "vocabulary"
    csv_encoding: str = "thermometer"
    hash_seed: int = 0
    # contract
    engine: str = "python"
    gas_price_gwei: float = 0.0
    rpc_url: str | None = None
    max_features: int = 1024
    incentive: str = "stakeable"
    cost_weight: int = 1
    learning_rate: float = 0.02
    model: str = "perceptron"
    naive_bayes: NaiveBayesConfig = field(default_factory=NaiveBayesConfig)
    logistic_regression: LogisticRegressionConfig = field(default_factory=LogisticRegressionConfig)
    refund_wait_s: int = DAY_S
    any_address_claim_wait_s: int = 9 * DAY_S
    owner_claim_wait_s: int | None = None
    quality_priced: QualityPricedConfig = field(default_factory=QualityPricedConfig)
    prediction_market: PredictionMarketConfig = field(default_factory=PredictionMarketConfig)
    # simulation
    agents: tuple[AgentConfig, ...] = field(default_factory=_default_agents)
    bad_share: float | None = None        # the malicious share of add attempts (sim.agents.waits_for_bad_share)
    wait_rounding: str = "truncate"
    depleted_pct: float = 1.0
    accuracy_interval_s: int = 200_000
    first_accuracy_s: int = 10_000

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "agents":
                value = self.agents
                if isinstance(value, Mapping):
                    object.__setattr__(self, "agents", _agents_from(value))
                elif isinstance(value, list):
                    object.__setattr__(self, "agents", tuple(value))
            elif f.name in _names('MODEL_TABLES') or f.name in _names('MECHANISM_TABLES'):
                object.__setattr__(self, f.name, _parameter_table_from(f.name, getattr(self, f.name)))
            else:
                object.__setattr__(self, f.name, _coerce(f.name, getattr(self, f.name), _field_type(Config, f.name)))
        _validate(self)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None = None, base: "Config | None" = None) -> "Config":
        """Build a config from nested or dotted overrides on top of `base` (default: Table I)."""
        start = base.to_dict() if base else cls().to_dict()
        _forget_implied_kinds(start, merge_overrides({}, overrides or {}))
        return cls.from_dict(merge_overrides(start, overrides or {}))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Config":
        """A complete config as nested dicts (as `to_dict` gives): agents are exactly those listed."""
        data = dict(data)
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ConfigError(f"unknown config key '{key}'; allowed: {', '.join(sorted(known))}")
        if "agents" in data:
            data["agents"] = _agents_from(data["agents"], start=())
        return cls(**data)

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "Config":
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file '{path}' does not exist") from None
        except IsADirectoryError:
            raise ConfigError(f"config file '{path}' is a folder; give a TOML file") from None
        except OSError as error:
            raise ConfigError(f"config file '{path}' cannot be read: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"config file '{path}' is not text (not UTF-8); give a TOML file") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file '{path}' is not valid TOML: {error}") from None
        return cls.from_overrides(merge_overrides(data, overrides or {}))

    def replace(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    # -- views -------------------------------------------------------------------------
    def agent(self, name: str) -> AgentConfig:
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(name)

    def model_parameters(self) -> dict[str, float | int]:
        """The configured model family's own parameters (its table), empty for a family without any."""
        return dataclasses.asdict(getattr(self, self.model)) if self.model in _names('MODEL_TABLES') else {}

    def to_dict(self) -> dict[str, Any]:
        """Nested plain values. A model family's table is included only when `model` names it, and a
        mechanism's only when `incentive` names it, so the keys (and `digest`) of a run are those that
        can change what it does."""
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "agents" and f.name not in _names('MODEL_TABLES')
                and f.name not in _names('MECHANISM_TABLES')}
        if self.model in _names('MODEL_TABLES'):
            data[self.model] = self.model_parameters()
        if self.incentive in _names('MECHANISM_TABLES'):
            data[self.incentive] = dataclasses.asdict(getattr(self, self.incentive))
        data["agents"] = {a.name: a.to_dict() for a in self.agents}
        return data

    def flat(self) -> dict[str, Any]:
        """Dotted keys, one per leaf: the columns of a tidy results table."""
        return flatten(self.to_dict())

    def digest(self) -> str:
        """A content hash of the config: the identity of a run in a sweep.

        Keys added after results were first stored (`ADDED_KEYS`) are left out while at their
        default, so a sweep folder written before a key existed still resumes instead of rerunning.
        """
        data = self.to_dict()
        for key, default in ADDED_KEYS.items():
            if key.startswith("agents.*."):
                leaf = key.removeprefix("agents.*.")
                for table in data["agents"].values():
                    implied = ("honest" if table["honest"] else "flipper") if default == IMPLIED_KIND else default
                    if table.get(leaf) == implied:
                        del table[leaf]
            elif data.get(key) == default:
                del data[key]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def owner_wait_s(self) -> int:
        return self.any_address_claim_wait_s if self.owner_claim_wait_s is None else self.owner_claim_wait_s


def as_config(config: "Config | Mapping[str, Any] | None") -> Config:
    """Every public function accepts a Config or a plain dict of overrides."""
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return Config.from_overrides(config)
    raise ConfigError(f"expected a sumchain.Config or a dict of overrides, got {type(config).__name__}")


# -- overrides -----------------------------------------------------------------------------

def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def merge_overrides(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge nested and/or dotted overrides into a copy of `base`."""
    result = _deep_copy(base)
    for key, value in overrides.items():
        parts = str(key).split(".")
        target = result
        for part in parts[:-1]:
            existing = target.get(part)
            if not isinstance(existing, dict):
                if existing is not None and part != "agents":
                    raise ConfigError(f"config key '{part}' is not a table; cannot set '{key}'")
                existing = {}
                target[part] = existing
            target = existing
        leaf = parts[-1]
        if isinstance(value, Mapping):
            current = target.get(leaf)
            target[leaf] = merge_overrides(current if isinstance(current, dict) else {}, value)
        else:
            target[leaf] = value
    return result


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def parse_value(text: str) -> Any:
    """Parse a `--set` value the way TOML would: int, float, bool, or else a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip().strip('"').strip("'")


def parse_assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise ConfigError(f"--set expects key=value, got '{text}'")
    key, value = text.split("=", 1)
    if not key.strip():
        raise ConfigError(f"--set expects key=value, got '{text}'")
    return key.strip(), value


# -- validation ------------------------------------------------------------------------------

@functools.cache
def _field_type(cls: type, name: str) -> Any:
    """The field's declared type, resolved (annotations are postponed strings)."""
    return typing.get_type_hints(cls)[name]


_EXPECTED = {bool: "must be true or false", int: "must be a whole number", float: "must be a number",
             str: "must be text"}
"""Today's one-line refusals of a value of the wrong kind, by the field's type."""


@functools.cache
def _adapter(declared: Any) -> tuple[TypeAdapter | None, type | None, bool]:
    """(pydantic's strict validator of `declared`, its type without None, whether None is allowed);
    no validator for the types validated elsewhere (the agent tables, the parameter tables)."""
    members = typing.get_args(declared) if typing.get_origin(declared) in (typing.Union, types.UnionType) else ()
    optional = type(None) in members
    base = next((m for m in members if m is not type(None)), None) if members else declared
    if base not in _EXPECTED:
        return None, base, optional
    return TypeAdapter(declared, config=ConfigDict(strict=True)), base, optional


def _coerce(key: str, value: Any, declared: Any) -> Any:
    """Check a value against the field's type with pydantic (strict: no text for numbers, no
    numbers for flags); a whole float is a whole number (`1e3` in TOML)."""
    adapter, base, optional = _adapter(declared)
    if value is None and not optional:
        name = getattr(base, "__name__", str(base))
        raise ConfigError(f"config key '{key}' may not be empty; expected {name}")
    if adapter is None or type(value) is base:
        return value    # already the declared type: strict validation would return it as is
    if base is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return adapter.validate_python(value)
    except ValidationError:
        raise ConfigError(f"config key '{key}' {_EXPECTED[base]}, got {value!r}") from None


def _agents_from(raw: Any, start: tuple[AgentConfig, ...] | None = None) -> tuple[AgentConfig, ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("config key 'agents' must be a table of agent tables, e.g. agents.Good.mean_deposit=5")
    # Tables merge onto the Table I agents; a table set to None removes that agent.
    agents = {a.name: a for a in (_default_agents() if start is None else start)}
    allowed = [f.name for f in fields(AgentConfig) if f.name != "name"]
    for name, table in raw.items():
        if table is None:
            agents.pop(name, None)
            continue
        if isinstance(table, AgentConfig):
            agents[name] = replace(table, name=name)
            continue
        if not isinstance(table, Mapping):
            raise ConfigError(f"config key 'agents.{name}' must be a table with keys: {', '.join(allowed)}")
        kwargs = _table_values(f"agents.{name}", table, AgentConfig, allowed)
        current = agents.get(name, AgentConfig(name=name))
        agents[name] = replace(current, **_kind_and_honest(current, kwargs))
    return tuple(agents.values())


def _forget_implied_kinds(start: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Where an override sets an agent's `kind` or its `honest` but not both, drop the other from the
    config it merges onto, so that it follows the one set (`_kind_and_honest`) instead of contradicting it."""
    tables = overrides.get("agents")
    if not isinstance(tables, Mapping):
        return
    for name, table in tables.items():
        current = start.get("agents", {}).get(name)
        if not isinstance(table, Mapping) or not isinstance(current, dict) or ("kind" in table) == ("honest" in table):
            continue
        if "kind" in table:
            current.pop("honest", None)
        elif table["honest"] is None or table["honest"] != (current.get("kind") not in MALICIOUS_KINDS):
            current.pop("kind", None)


def _kind_and_honest(current: AgentConfig, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A table's overrides with `kind` and `honest` made to agree: the one it sets decides the other
    (setting `honest` keeps a kind that agrees with it: a sleeper stays a sleeper with honest=false)."""
    kwargs = dict(kwargs)
    if "kind" in kwargs and "honest" not in kwargs:
        kwargs["honest"] = None
    elif "honest" in kwargs and "kind" not in kwargs and kwargs["honest"] is not None:
        if kwargs["honest"] != (current.kind not in MALICIOUS_KINDS):
            kwargs["kind"] = None
    return kwargs


def _parameter_table_from(name: str, raw: Any) -> Any:
    """A model family's or a mechanism's parameter table from a mapping (or the dataclass itself), keys
    checked and coerced."""
    cls = _names('MODEL_TABLES')[name] if name in _names('MODEL_TABLES') else _names('MECHANISM_TABLES')[name]
    if isinstance(raw, cls):
        return raw
    allowed = [f.name for f in fields(cls)]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"config key '{name}' must be a table with keys: {', '.join(allowed)}")
    return cls(**_table_values(name, raw, cls, allowed))


def _table_values(prefix: str, table: Mapping[str, Any], cls: type, allowed: list[str]) -> dict[str, Any]:
    """A table's keys checked against `allowed` and its values coerced to `cls`'s field types."""
    values = {}
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"unknown config key '{prefix}.{key}'; allowed: {', '.join(allowed)}")
        values[key] = _coerce(f"{prefix}.{key}", value, _field_type(cls, key))
    return values


def _check(condition: bool, key: str, allowed: str, value: Any) -> None:
    if not condition:
        raise ConfigError(f"config key '{key}' = {value!r} is not allowed; {allowed}")


def _validate(config: Config) -> None:
    c = config
    datasets, models = _names('DATASETS'), _names('MODELS')
    _check(c.dataset in datasets, "dataset", f"choose one of: {', '.join(datasets)}", c.dataset)
    _check(c.engine in _names('ENGINES'), "engine", f"choose one of: {', '.join(_names('ENGINES'))}", c.engine)
    _check(c.model in models, "model", f"choose one of: {', '.join(models)}", c.model)
    _check(c.engine == "python" or c.model in _names('EVM_MODELS'), "model",
           f"model={c.model} has no contract code and runs on engine=python only; with engine={c.engine} "
           f"choose one of: {', '.join(_names('EVM_MODELS'))}", c.model)
    _check(c.engine != "rpc" or bool(c.rpc_url), "rpc_url",
           "engine=rpc needs the URL of an Ethereum dev node, e.g. http://127.0.0.1:8545", c.rpc_url)
    incentives = _names('INCENTIVES')
    _check(c.incentive in incentives, "incentive", f"choose one of: {', '.join(incentives)}", c.incentive)
    on_chain = [name for name in incentives if name not in _names('PYTHON_ONLY_INCENTIVES')]
    _check(c.engine == "python" or c.incentive in on_chain, "incentive",
           f"{c.incentive} runs on engine=python only (SUM's was Python only); with engine={c.engine} "
           f"choose {', '.join(on_chain[:-1])} or {on_chain[-1]}", c.incentive)
    _validate_mechanism_tables(c)
    _check(c.wait_rounding in WAIT_ROUNDINGS, "wait_rounding", f"choose one of: {', '.join(WAIT_ROUNDINGS)}",
           c.wait_rounding)
    _check(c.features in FEATURE_MODES, "features", f"choose one of: {', '.join(FEATURE_MODES)}", c.features)
    _check(c.csv_encoding in CSV_ENCODINGS, "csv_encoding", f"choose one of: {', '.join(CSV_ENCODINGS)}",
           c.csv_encoding)
    dense = _names('DENSE_MODELS')
    _check(c.csv_encoding == "thermometer" or (c.dataset == "csv" and c.model in dense), "csv_encoding",
           f"standardised values need dataset=csv and a model that reads values ({', '.join(dense)}); "
           f"got dataset={c.dataset}, model={c.model}", c.csv_encoding)
    _check(isinstance(c.num_words, int) and 1 <= c.num_words <= MAX_NUM_WORDS, "num_words",
           f"must be a whole number from 1 to {MAX_NUM_WORDS:,}", c.num_words)
    _check(isinstance(c.train_size, (int, float)) and 0 < c.train_size < 1, "train_size",
           "must be strictly between 0 and 1", c.train_size)
    _check(0 < c.test_fraction < 1, "test_fraction", "must be strictly between 0 and 1", c.test_fraction)
    _check(0 <= c.seed <= MAX_INT64, "seed", "must be a whole number from 0 to 2**63 - 1", c.seed)
    _check(0 <= c.hash_seed <= MAX_INT64, "hash_seed", "must be a whole number from 0 to 2**63 - 1", c.hash_seed)
    for key in ("max_train", "max_test"):
        value = getattr(c, key)
        _check(value is None or 1 <= value <= MAX_INT64, key, "must be empty or a whole number from 1 to 2**63 - 1",
               value)
    _check(c.dataset != "text" or c.text_column != c.label_column, "text_column",
           f"must differ from label_column = {c.label_column!r} with dataset=text (the label would be read as the "
           f"text)", c.text_column)
    _validate_model_tables(c)
    _validate_learning_rate(c)
    gas_price_limit = MAX_MONEY_UNITS // TX_GAS_CAP / 1e9
    _check(0 <= c.gas_price_gwei <= gas_price_limit, "gas_price_gwei",
           f"must be from 0 to {gas_price_limit:.4g} gwei (a call's {TX_GAS_CAP:,} gas at that price is "
           f"2**128 wei, the most money a run holds)", c.gas_price_gwei)
    bound = evm_max_features()
    _check(1 <= c.max_features <= bound, "max_features",
           f"must be a whole number from 1 to {bound} (the contract's compiled bound)", c.max_features)
    cost_limit = MAX_MONEY_UNITS // (60 * WEI_PER_COIN)
    _check(0 <= c.cost_weight <= cost_limit, "cost_weight",
           f"must be a whole number from 0 to {cost_limit:,} (the largest cost, cost_weight * 60 coins, must stay "
           f"below 2**128 wei, the largest deposit the contract holds)", c.cost_weight)
    for key in ("refund_wait_s", "any_address_claim_wait_s", "owner_claim_wait_s", "accuracy_interval_s",
                "first_accuracy_s"):
        _check_wait(key, getattr(c, key))
    _validate_evm_gas(c)
    _check(c.refund_wait_s >= 0, "refund_wait_s", "must be >= 0 seconds", c.refund_wait_s)
    _check(c.any_address_claim_wait_s >= c.refund_wait_s + CLAIM_GAP_S, "any_address_claim_wait_s",
           f"must be >= refund_wait_s + 7 days = {c.refund_wait_s + CLAIM_GAP_S} seconds",
           c.any_address_claim_wait_s)
    _check(c.owner_claim_wait_s is None or c.owner_claim_wait_s >= c.refund_wait_s + CLAIM_GAP_S,
           "owner_claim_wait_s", f"must be empty or >= refund_wait_s + 7 days = {c.refund_wait_s + CLAIM_GAP_S} seconds",
           c.owner_claim_wait_s)
    _check(0 <= c.depleted_pct <= 100, "depleted_pct", "must be between 0 and 100", c.depleted_pct)
    _check(c.accuracy_interval_s >= SAMPLE_INTERVAL_S, "accuracy_interval_s",
           f"must be >= {SAMPLE_INTERVAL_S:,} seconds (an hour, the time series' step: a measurement reads the whole "
           f"test set, and the 20-year limit then holds at most 175,200 of them)", c.accuracy_interval_s)
    _check(c.first_accuracy_s >= 0, "first_accuracy_s", "must be >= 0 seconds", c.first_accuracy_s)
    _check(isinstance(c.agents, tuple) and len(c.agents) >= 1, "agents", "needs at least one agent", c.agents)
    names = [a.name for a in c.agents]
    _check(len(set(names)) == len(names), "agents", "agent names must be unique", names)
    for a in c.agents:
        p = f"agents.{a.name}."
        _check(a.start_balance >= 0, p + "start_balance", "must be a whole number >= 0", a.start_balance)
        _check(0 < a.mean_deposit <= MAX_MONEY_COINS, p + "mean_deposit",
               f"must be > 0 and <= {MAX_MONEY_COINS:.4g} coins (2**128 wei, the largest deposit the contract holds)",
               a.mean_deposit)
        _check(0 <= a.stdev_deposit <= MAX_MONEY_COINS, p + "stdev_deposit",
               f"must be from 0 to {MAX_MONEY_COINS:.4g} coins (2**128 wei, the largest deposit the contract holds)",
               a.stdev_deposit)
        _check(a.mean_deposit + 2 * a.stdev_deposit >= 1, p + "mean_deposit",
               f"with stdev_deposit = {a.stdev_deposit!r}, mean + 2 * stdev must be >= 1 coin (deposits are whole "
               f"coins, drawn again until >= 1)", a.mean_deposit)
        _check(0 < a.mean_update_wait_s <= MAX_WAIT_S, p + "mean_update_wait_s",
               f"must be > 0 and <= {MAX_WAIT_S:,} seconds (5 years)", a.mean_update_wait_s)
        _check(0 <= a.stdev_update_wait_s <= MAX_WAIT_S, p + "stdev_update_wait_s",
               f"must be from 0 to {MAX_WAIT_S:,} seconds (5 years)", a.stdev_update_wait_s)
        _check(a.mean_update_wait_s + 2 * a.stdev_update_wait_s >= 1, p + "mean_update_wait_s",
               f"with stdev_update_wait_s = {a.stdev_update_wait_s!r}, mean + 2 * stdev must be >= 1 second (waits "
               f"are whole seconds, drawn again until >= 1)", a.mean_update_wait_s)
        _check(0 <= a.prob_mistake <= 1, p + "prob_mistake", "must be between 0 and 1", a.prob_mistake)
        _check(a.phase_s >= 0, p + "phase_s", "must be >= 0 seconds", a.phase_s)
        _check_wait(p + "phase_s", a.phase_s)
        _check_wait(p + "lead_s", a.lead_s)
        _check(a.fee <= MAX_MONEY_COINS, p + "fee",
               f"must be <= {MAX_MONEY_COINS:.4g} coins (2**128 wei, the most money a run holds)", a.fee)
    _validate_population(c)
    _validate_money(c)


def _check_wait(key: str, value: int | float | None) -> None:
    _check(value is None or value <= MAX_WAIT_S, key,
           f"must be at most {MAX_WAIT_S:,} seconds (5 years, a quarter of the {MAX_SIMULATED_S // (365 * DAY_S)}-year "
           f"simulated-time limit)", value)


def _validate_model_tables(c: Config) -> None:
    """The families' parameters: at least one fixed-point unit, and small enough that their integers fit."""
    nb, lr = c.naive_bayes, c.logistic_regression
    smoothing_limit = 2**61 / (FIXED_POINT_UNITS * c.num_words)
    _check(0.001 <= nb.smoothing <= smoothing_limit, "naive_bayes.smoothing",
           f"must be from 0.001 (one fixed-point unit) to {smoothing_limit:.4g} (smoothing * 1000 * num_words "
           f"within 2**61, half the fixed-point logarithm's input range)", nb.smoothing)
    eta0_limit = MAX_INT64 // (c.num_words + 1) / 10**6
    _check(1e-6 <= lr.eta0 <= eta0_limit, "logistic_regression.eta0",
           f"must be from 0.000001 (one fixed-point unit) to {eta0_limit:.4g} (one step of eta0 * 10**6 units on "
           f"num_words weights and the intercept must keep a score within int64)", lr.eta0)
    _check(1 <= lr.t0 <= MAX_INT64, "logistic_regression.t0", "must be a whole number from 1 to 2**63 - 1", lr.t0)


def _validate_learning_rate(c: Config) -> None:
    """One contribution's step must keep every score within int64 (the run's whole course is checked
    at deployment, when the number of samples is known: `engines.check_scores_fit`)."""
    if c.model in _names('DENSE_MODELS'):
        # each weight moves by step * 2**15 // 1000; a score is the sum of num_words weights times values
        # up to 2**15, plus the intercept times 1000
        per_step = c.num_words * MAX_DENSE_VALUE_UNITS**2 / FIXED_POINT_UNITS + FIXED_POINT_UNITS
        why = "one step on num_words weights times values up to 32.8, and on the intercept"
    else:
        per_step = c.num_words + 1
        why = "one step of learning_rate * 1000 units on num_words weights and the intercept"
    limit = math.floor(MAX_INT64 / per_step) / FIXED_POINT_UNITS
    _check(0.001 <= c.learning_rate <= limit, "learning_rate",
           f"must be from 0.001 (one fixed-point unit) to {limit:.4g} ({why} must keep a score within int64)",
           c.learning_rate)


def _validate_money(c: Config) -> None:
    """Every start balance together (and the bounty provider's) within 2**128 wei: then no balance,
    deposit or share can pass what the contract holds."""
    total = sum(a.count * a.start_balance for a in c.agents)
    if c.incentive == "prediction_market":
        total += c.prediction_market.provider_balance
    _check(total * WEI_PER_COIN <= MAX_MONEY_UNITS, "agents.*.start_balance",
           f"the start balances together (count * start_balance over the tables"
           f"{', and prediction_market.provider_balance' if c.incentive == 'prediction_market' else ''}) must be "
           f"<= {MAX_MONEY_UNITS // WEI_PER_COIN:,} coins (2**128 wei, the largest deposit the contract holds)",
           total)


def _validate_evm_gas(c: Config) -> None:
    """On a chain, every call others depend on must fit one transaction's gas cap (EIP-7825), with
    headroom: the model's width (num_words, on every dataset) and the sample bound are limited per
    family (`EVM_GAS_MODEL`)."""
    if c.engine == "python" or c.model not in _names('EVM_GAS_MODEL'):
        return
    need = evm_gas_need(c.model, c.num_words, c.max_features)
    _check(need <= EVM_GAS_BUDGET, "num_words",
           f"with engine={c.engine} and model={c.model}, a call would need up to {need:,} gas, above the "
           f"{EVM_GAS_BUDGET:,} a config may plan for of a transaction's cap of {TX_GAS_CAP:,} (EIP-7825); "
           f"at most {_widest_evm_model(c.model, c.max_features):,} features fit"
           + (f" with max_features={c.max_features} (a lower max_features lets more fit)"
              if _names('EVM_GAS_MODEL')[c.model][2] else " (a dense call reads every feature's value)"), c.num_words)


def evm_gas_need(model: str, num_words: int, max_features: int) -> int:
    """The most gas a call others depend on needs, per `EVM_GAS_MODEL`."""
    base, per_feature, per_present = _names('EVM_GAS_MODEL')[model]
    return base + per_feature * num_words + per_present * min(max_features, num_words)


def _widest_evm_model(model: str, max_features: int) -> int:
    """The largest num_words whose calls fit EVM_GAS_BUDGET (the need grows with the width)."""
    low, high = 0, MAX_NUM_WORDS
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if evm_gas_need(model, middle, max_features) <= EVM_GAS_BUDGET else (low, middle - 1)
    return low


def _validate_population(c: Config) -> None:
    """The agent tables' kinds, counts and kind keys, and what they ask of the rest of the config."""
    for a in c.agents:
        p = f"agents.{a.name}."
        _check("#" not in a.name and "." not in a.name and a.name != "", f"agents.{a.name}",
               "a table's name must be non-empty without '#' or '.' (its agents are name#1, name#2, ...)", a.name)
        _check(a.kind in AGENT_KINDS, p + "kind", f"choose one of: {', '.join(AGENT_KINDS)}", a.kind)
        _check(1 <= a.count <= MAX_AGENT_COUNT, p + "count", f"must be a whole number from 1 to {MAX_AGENT_COUNT:,}",
               a.count)
        _check(0 < a.unsure_fraction <= 1, p + "unsure_fraction",
               "must be > 0 and <= 1 (the share of samples, least sure first, that are flipped)", a.unsure_fraction)
        _check(a.lead_s >= 1, p + "lead_s", "must be a whole number of seconds >= 1", a.lead_s)
        _check(math.isfinite(a.honest_days) and a.honest_days >= 0, p + "honest_days", "must be >= 0 days",
               a.honest_days)
        _check(math.isfinite(a.fee) and a.fee >= 1e-18, p + "fee", "must be >= 1e-18 coins (one base unit)", a.fee)
        _check(1 <= a.push_copies <= 100, p + "push_copies", "must be a whole number from 1 to 100", a.push_copies)
        if a.kind == "caller":
            _check(c.incentive in _names('PAID_PREDICTION_INCENTIVES'), p + "kind",
                   f"a caller pays for predictions, which incentive={c.incentive} does not take; "
                   f"use incentive {' or '.join(_names('PAID_PREDICTION_INCENTIVES'))}", a.kind)
    contributors = sum(a.count for a in c.agents if a.kind != "caller")
    _check(contributors >= 1, "agents", "needs at least one agent that adds data (a kind other than caller)",
           [a.name for a in c.agents])
    if c.bad_share is not None:
        _check(math.isfinite(c.bad_share) and 0 < c.bad_share < 1, "bad_share",
               "must be empty or strictly between 0 and 1 (the share of submitted data from malicious agents)",
               c.bad_share)
        kinds = {a.kind for a in c.agents}
        _check("honest" in kinds and bool(kinds & set(MALICIOUS_KINDS)), "bad_share",
               "needs at least one honest agent table and one malicious one (kind flipper, unsure_flipper, "
               "timing or sleeper)", c.bad_share)
        # the malicious tables' waits are scaled by M (1 - s) / (s H) (`sim.agents.waits_for_bad_share`)
        honest = sum(a.count / a.mean_update_wait_s for a in c.agents if a.kind == "honest")
        malicious = sum(a.count / a.mean_update_wait_s for a in c.agents if a.malicious)
        factor = malicious * (1 - c.bad_share) / (c.bad_share * honest)
        for a in c.agents:
            if a.malicious:
                wait = a.mean_update_wait_s * factor
                _check(wait <= MAX_WAIT_S and wait + 2 * a.stdev_update_wait_s >= 1, "bad_share",
                       f"makes agents.{a.name}.mean_update_wait_s {wait:.4g} seconds; it must stay within 1 second "
                       f"(mean + 2 * stdev) and {MAX_WAIT_S:,} seconds (5 years)", c.bad_share)


def _validate_mechanism_tables(c: Config) -> None:
    q, m = c.quality_priced, c.prediction_market
    _check(q.weight >= 0, "quality_priced.weight", "must be a whole number >= 0 (0 is the stakeable cost)", q.weight)
    if c.incentive == "quality_priced":
        # cost = base + base * weight * d // (d + margin_scale) < base * (1 + weight), base <= cost_weight * 60 coins
        base = max(1, c.cost_weight * 60 * WEI_PER_COIN)
        weight_limit = MAX_MONEY_UNITS // base - 1
        _check(q.weight <= weight_limit, "quality_priced.weight",
               f"must be a whole number from 0 to {weight_limit:,} with cost_weight = {c.cost_weight} (the largest "
               f"cost, cost_weight * 60 coins * (1 + weight), must stay below 2**128 wei, the largest deposit the "
               f"contract holds)", q.weight)
    scale_limit = 2**256 - 1 - MAX_INT64
    _check(1 <= q.margin_scale <= scale_limit, "quality_priced.margin_scale",
           "must be a whole number >= 1 (model score units) and below 2**256 - 2**63 (added to a score's size on "
           "the contract)", q.margin_scale)
    _check(m.bounty >= 1, "prediction_market.bounty", "must be a whole number of coins >= 1", m.bounty)
    _check(m.provider_balance >= m.bounty, "prediction_market.provider_balance",
           f"must be >= prediction_market.bounty = {m.bounty} coins", m.provider_balance)
    _check(m.min_stake >= 1, "prediction_market.min_stake", "must be a whole number of coins >= 1", m.min_stake)
    _check(m.num_portions >= 2, "prediction_market.num_portions",
           "must be a whole number >= 2 (one portion is revealed before the market opens)", m.num_portions)
    _check(m.min_length_s >= 0, "prediction_market.min_length_s", "must be >= 0 seconds", m.min_length_s)
    _check_wait("prediction_market.min_length_s", m.min_length_s)
    _check(m.min_stake * WEI_PER_COIN <= MAX_MONEY_UNITS, "prediction_market.min_stake",
           f"must be <= {MAX_MONEY_UNITS // WEI_PER_COIN:,} coins (2**128 wei, the most money a run holds)",
           m.min_stake)
    _check(m.min_num_contributions >= 1, "prediction_market.min_num_contributions", "must be a whole number >= 1",
           m.min_num_contributions)


_ENGINE_KEYS = {"rpc_url": ("rpc",), "gas_price_gwei": ("evm", "rpc"), "max_features": ("evm", "rpc")}
"""Top-level keys only some engines read; every other key is read on every engine."""


def reference() -> list[dict[str, Any]]:
    """Every config key as a user sets it (`--set key=value`, TOML), for the docs' reference page:
    per key its `key` (agent keys as `agents.*.<key>`), `type` (as declared: `int | None` may be
    left empty), `default`, `allowed` (the names to choose from, or None for a number or text
    checked by its bounds), `engines` (those that read it) and `component` (the `model = ...` or
    `incentive = ...` whose table it belongs to, or None). Names and engines come from the
    components' descriptors (`sumchain.components`)."""
    families, mechanisms = components.model_families(), components.mechanisms()
    choices = {"dataset": _names('DATASETS'), "engine": _names('ENGINES'), "model": _names('MODELS'),
               "incentive": _names('INCENTIVES'), "features": FEATURE_MODES, "csv_encoding": CSV_ENCODINGS,
               "wait_rounding": WAIT_ROUNDINGS}
    rows = []

    def row(key: str, cls: type, name: str, default: Any, engines: tuple[str, ...], component: str | None,
            allowed: tuple[str, ...] | None = None) -> None:
        declared = _field_type(cls, name)
        rows.append({"key": key, "type": getattr(declared, "__name__", str(declared)), "default": default,
                     "allowed": allowed, "engines": engines, "component": component})

    defaults, agent = Config(), AgentConfig()
    for f in fields(Config):
        if f.name == "agents":
            for a in fields(AgentConfig):
                if a.name != "name":
                    row(f"agents.*.{a.name}", AgentConfig, a.name, getattr(agent, a.name), components.ALL_ENGINES,
                        None, AGENT_KINDS if a.name == "kind" else None)
        elif f.name in families or f.name in mechanisms:
            owner = families[f.name] if f.name in families else mechanisms[f.name]
            table = getattr(defaults, f.name)
            kind = "model" if f.name in families else "incentive"
            for p in fields(table):
                row(f"{f.name}.{p.name}", type(table), p.name, getattr(table, p.name), owner.engines,
                    f"{kind}={f.name}")
        else:
            row(f.name, Config, f.name, getattr(defaults, f.name), _ENGINE_KEYS.get(f.name, components.ALL_ENGINES),
                None, choices.get(f.name))
    return rows


def to_toml(config: Config) -> str:
    """The resolved config as TOML that `--config` reads back (empty keys are left out).

    Written by tomli-w, which quotes any key that needs it: an agent named `a b`, `"` or `x]` reads
    back as that name, never as another table."""
    import tomli_w

    return tomli_w.dumps(_without_none(config.to_dict()))


def _without_none(data: Mapping[str, Any]) -> dict[str, Any]:
    """TOML has no null: an unset key is written as absent, which reads back as unset."""
    return {key: _without_none(value) if isinstance(value, Mapping) else value
            for key, value in data.items() if value is not None}
