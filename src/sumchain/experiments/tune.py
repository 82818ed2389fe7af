"""Tuning the contract: a multi-objective search over its parameters, against a population of adversaries.

A *design* is one choice of the searched contract parameters (`PARAMETERS`: the mechanism, its
submission cost, the claim waits, the quality-priced surcharge). A design is judged by running it
against every adversary of the population (`ADVERSARIES`: the scenarios of `sumchain study`'s
adversary section, the model-pushing reporter among them) with every seed, and reading three objectives
off that tidy table of runs (`objectives`, plain functions of the table):
- `gap`: the accuracy gap (points below the clean model) of the worst adversary, per seed, averaged
  over seeds (minimise);
- `honest_return`: what the honest agents gained, percent of their start, averaged over adversaries
  and seeds (maximise);
- `malicious_balance`: what the malicious agents kept, percent of their start, of the adversary that
  kept the most, per seed, averaged over seeds (minimise).
Two constraints a designer sets are Optuna constraints (a design that breaks one is never on the
front, however good its objectives): the honest agents' mean cost per accepted add
(`max_honest_cost`, coins) and the worst adversary's final accuracy (`min_accuracy`).

Common random numbers: every design runs the same search seeds, so two designs differ only by their
parameters; the final front is run again on held-out seeds (`heldout_seeds`, disjoint from the
search seeds) and compared with Table I's defaults paired by seed.

The search: Optuna's multi-objective TPE (see `make_sampler` for why not NSGA-II), asked a batch of
designs at a time whose runs all go through one executor (local processes or Dask), so trials run in
parallel while the sampler stays deterministic for a given seed. Optuna's study lives in a journal
file in the output folder; every run is also kept in the folder's results store, so a resumed tune
reruns nothing that finished: a trial whose runs were all stored is told from the store.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from sumchain.config import DAY_S, Config
from sumchain.errors import ConfigError
from sumchain.experiments import stats
from sumchain.experiments.design_space import ADVERSARY_KINDS as STUDY_ADVERSARIES
from sumchain.experiments.store import OK

JOURNAL = "tune.journal"
STUDY_NAME = "tune"
HELDOUT_OFFSET = 1_000_000
"""Held-out seeds start here: far above any search seed (`--seeds` is at most 10,000)."""

ADVERSARIES: dict[str, tuple[str, dict[str, Any]]] = dict(STUDY_ADVERSARIES)
"""The default adversary population, that of `sumchain study`'s adversary section: what each does, and
the overrides that make it (on Table I's agents)."""

MECHANISMS = ("stakeable", "quality_priced")
"""The mechanisms a tune chooses among: those with SUM's deposit loop and money (`points` pays nothing,
so there is no honest return to weigh; the prediction market has no deposit loop)."""


@dataclass(frozen=True)
class Parameter:
    """A searched config key: its range (or choices), and the mechanism it belongs to (None: every one)."""

    key: str
    low: float = 0
    high: float = 0
    integer: bool = True
    log: bool = False
    choices: tuple[str, ...] = ()
    mechanism: str | None = None

    @property
    def categorical(self) -> bool:
        return bool(self.choices)

    def describe(self) -> str:
        if self.categorical:
            return ",".join(self.choices)
        return f"{self.low:g}:{self.high:g}{' (log)' if self.log else ''}"


PARAMETERS: dict[str, Parameter] = {p.key: p for p in (
    Parameter("incentive", choices=MECHANISMS),
    Parameter("cost_weight", 1, 25, log=True),
    Parameter("refund_wait_s", 3_600, 2 * DAY_S, log=True),
    Parameter("any_address_claim_wait_s", 9 * DAY_S, 30 * DAY_S, log=True),
    Parameter("quality_priced.weight", 0, 16, mechanism="quality_priced"),
    Parameter("quality_priced.margin_scale", 100, 1_000_000, log=True, mechanism="quality_priced"),
)}
"""The default search space. Table I (stakeable, cost_weight 1, a one-day refund wait, nine days for
anyone) lies inside it; the refund wait's top (2 days) plus the contract's 7-day gap stays below the
any-address wait's bottom, so every design is a valid contract."""

OBJECTIVES = (("gap", "minimize", "worst-case accuracy gap (points)"),
              ("honest_return", "maximize", "honest return (% of start)"),
              ("malicious_balance", "minimize", "malicious balance kept (% of start)"))
CLAIM_GAP_S = 7 * DAY_S


@dataclass(frozen=True)
class Constraints:
    """A designer's limits: the honest agents' mean cost per accepted add (coins), the worst adversary's
    final accuracy (0 to 1). None: no limit."""

    max_honest_cost: float | None = None
    min_accuracy: float | None = None

    def values(self, result: "Objectives") -> list[float]:
        """Optuna's convention: each value <= 0 when the limit holds."""
        out = []
        if self.max_honest_cost is not None:
            out.append(_or_inf(result.honest_cost) - self.max_honest_cost)
        if self.min_accuracy is not None:
            out.append(self.min_accuracy - _or_neg_inf(result.accuracy))
        return out

    def names(self) -> list[str]:
        return [name for name, value in self.as_dict().items() if value is not None]

    def as_dict(self) -> dict[str, float | None]:
        return {"max_honest_cost": self.max_honest_cost, "min_accuracy": self.min_accuracy}


def _or_inf(value: float) -> float:
    return math.inf if value is None or math.isnan(value) else value


def _or_neg_inf(value: float) -> float:
    return -math.inf if value is None or math.isnan(value) else value


# -- the search space ----------------------------------------------------------------------------

def search_space(ranges: Mapping[str, str] | None = None, fixed: Mapping[str, Any] | None = None) -> dict[str, Parameter]:
    """The default space with `ranges` changed (`key -> "low:high"` or `"a,b"` for the mechanism) and
    the keys set by `fixed` (`--set`) left out; bad ranges are a one-line ConfigError."""
    space = dict(PARAMETERS)
    for key, text in (ranges or {}).items():
        if key not in space:
            raise ConfigError(f"unknown tune parameter '{key}'; choose from: {', '.join(PARAMETERS)}")
        space[key] = parse_range(space[key], text)
    for key in fixed or {}:
        if key in space and key in (ranges or {}):
            raise ConfigError(f"--set {key} fixes a parameter that --param {key} searches; give one")
        space.pop(key, None)
    if "incentive" in (fixed or {}):
        mechanism = fixed["incentive"]
        if mechanism not in MECHANISMS:
            raise ConfigError(f"--set incentive={mechanism} cannot be tuned; choose from: {', '.join(MECHANISMS)}")
        space = {k: p for k, p in space.items() if p.mechanism in (None, mechanism)}
    refund, claim = space.get("refund_wait_s"), space.get("any_address_claim_wait_s")
    refund_high = refund.high if refund else (fixed or {}).get("refund_wait_s", DAY_S)
    claim_low = claim.low if claim else (fixed or {}).get("any_address_claim_wait_s", 9 * DAY_S)
    if refund_high + CLAIM_GAP_S > claim_low:
        raise ConfigError(f"refund_wait_s up to {refund_high:g} s with any_address_claim_wait_s from {claim_low:g} s "
                          f"makes invalid contracts: any_address_claim_wait_s must be >= refund_wait_s + 7 days; "
                          f"lower the refund wait's top or raise the any-address wait's bottom")
    if not space:
        raise ConfigError("nothing left to tune: --set fixes every parameter")
    return space


def parse_range(parameter: Parameter, text: str) -> Parameter:
    """`low:high` for a number, `a,b,...` for the mechanism; an empty range is refused."""
    key = parameter.key
    if parameter.categorical:
        chosen = tuple(name.strip() for name in text.split(",") if name.strip())
        unknown = [c for c in chosen if c not in parameter.choices]
        if not chosen or unknown:
            raise ConfigError(f"--param {key}={text}: choose one or more of {', '.join(parameter.choices)}")
        return Parameter(key, choices=chosen)
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise ConfigError(f"--param {key}={text}: give a range LOW:HIGH of numbers, e.g. "
                          f"{key}={parameter.low:g}:{parameter.high:g}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ConfigError(f"--param {key}={text} is an empty range: LOW must be below HIGH (to fix a value, "
                          f"use --set {key}=VALUE)")
    if parameter.integer and (low != int(low) or high != int(high)):
        raise ConfigError(f"--param {key}={text}: {key} is a whole number; give whole bounds")
    if parameter.log and low <= 0:
        raise ConfigError(f"--param {key}={text}: LOW must be > 0 ({key} is searched on a log scale)")
    return Parameter(key, low, high, parameter.integer, parameter.log, (), parameter.mechanism)


def check_constraints(constraints: Constraints, space: Mapping[str, Parameter]) -> None:
    """Refuse limits no design can meet (one line)."""
    cost = constraints.max_honest_cost
    if cost is not None and (math.isnan(cost) or cost <= 0):
        raise ConfigError(f"--max-honest-cost {cost:g} cannot be met: every add costs at least one base unit; "
                          f"give a cost in coins > 0")
    accuracy = constraints.min_accuracy
    if accuracy is not None and not 0 <= accuracy < 1:
        raise ConfigError(f"--min-accuracy {accuracy:g} cannot be met: an accuracy is from 0 to 1 (give e.g. 0.6)")


def suggest(trial, space: Mapping[str, Parameter]) -> dict[str, Any]:
    """The trial's design: the mechanism first, then the numbers (the mechanism's own only under it)."""
    design: dict[str, Any] = {}
    mechanism = None
    if "incentive" in space:
        mechanism = design["incentive"] = trial.suggest_categorical("incentive", list(space["incentive"].choices))
    for key, p in space.items():
        if p.categorical or (p.mechanism is not None and mechanism is not None and p.mechanism != mechanism):
            continue
        if p.integer:
            design[key] = trial.suggest_int(key, int(p.low), int(p.high), log=p.log)
        else:
            design[key] = trial.suggest_float(key, p.low, p.high, log=p.log)
    return design


def table_one_design(space: Mapping[str, Parameter]) -> dict[str, Any]:
    """Table I's design as a trial (enqueued first): its values of the searched keys, when in range."""
    design = {}
    for key, value in table_one_reference(space).items():
        p = space[key]
        if (value in p.choices) if p.categorical else (p.low <= value <= p.high):
            design[key] = value
    return design


# -- runs of a design ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunPoint:
    """One run of a design: the adversary faced, the seed, the config."""

    adversary: str
    seed: int
    config: Config


def adversary_population(names: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    chosen = list(ADVERSARIES) if names is None else list(names)
    unknown = [n for n in chosen if n not in ADVERSARIES]
    if unknown or not chosen:
        raise ConfigError(f"unknown adversary '{unknown[0] if unknown else ''}'; choose from: {', '.join(ADVERSARIES)}")
    return {name: ADVERSARIES[name][1] for name in chosen}


def design_points(design: Mapping[str, Any], base: Config, adversaries: Mapping[str, Mapping[str, Any]],
                  seeds: Sequence[int]) -> list[RunPoint]:
    """Every run of a design: each adversary's overrides and the design on the base, with each seed."""
    return [RunPoint(name, seed, Config.from_overrides({**overrides, **design, "seed": seed}, base=base))
            for name, overrides in adversaries.items() for seed in seeds]


def heldout_seeds(search: Sequence[int], count: int) -> list[int]:
    """`count` seeds no search run used: from HELDOUT_OFFSET on, skipping any search seed."""
    used = set(search)
    seeds, candidate = [], HELDOUT_OFFSET
    while len(seeds) < count:
        if candidate not in used:
            seeds.append(candidate)
        candidate += 1
    return seeds


def runs_table(points: Sequence[RunPoint], results: pd.DataFrame) -> pd.DataFrame:
    """The stored rows of the points with their adversary (and seed): the tidy table objectives read."""
    index = pd.DataFrame([{"config_hash": p.config.digest(), "adversary": p.adversary} for p in points],
                         columns=["config_hash", "adversary"])
    if results.empty:
        return index.assign(status=pd.Series(dtype=object), seed=pd.Series(dtype=int))
    return index.merge(results, on="config_hash", how="left")


# -- objectives: plain functions of a tidy table of runs ------------------------------------------

@dataclass(frozen=True)
class Objectives:
    gap: float
    honest_return: float
    malicious_balance: float
    honest_cost: float
    accuracy: float
    binding: str                      # the adversary with the largest mean gap
    runs: int

    def values(self) -> list[float]:
        return [getattr(self, name) for name, _, _ in OBJECTIVES]


HONEST_COST = "cost_per_add.Good"


def per_seed(runs: pd.DataFrame) -> pd.DataFrame:
    """Per seed: the worst adversary's gap and malicious balance, the honest return averaged over the
    adversaries, the honest cost per add averaged, the worst adversary's final accuracy."""
    ok = stats.ok_runs(runs)
    frame = pd.DataFrame({
        "seed": ok["seed"].astype(int),
        "gap": pd.to_numeric(ok["gap"], errors="coerce"),
        "honest_return": pd.to_numeric(ok["honest_balance_pct"], errors="coerce") - 100.0,
        "malicious_balance": pd.to_numeric(ok["malicious_balance_pct"], errors="coerce"),
        "honest_cost": pd.to_numeric(ok[HONEST_COST], errors="coerce") if HONEST_COST in ok else np.nan,
        "accuracy": pd.to_numeric(ok["final_accuracy"], errors="coerce"),
    })
    grouped = frame.groupby("seed", sort=True)
    return pd.DataFrame({"gap": grouped["gap"].max(), "honest_return": grouped["honest_return"].mean(),
                         "malicious_balance": grouped["malicious_balance"].max(),
                         "honest_cost": grouped["honest_cost"].mean(), "accuracy": grouped["accuracy"].min()})


def objectives(runs: pd.DataFrame) -> Objectives:
    """The design's objectives from its runs (see the module); a ConfigError when a run is missing or
    failed, since a worst case over an incomplete population would flatter the design."""
    if runs.empty:
        raise ConfigError("no runs to judge")
    bad = runs[runs["status"] != OK]
    if len(bad):
        first = bad.iloc[0]
        error = first.get("error") if "error" in bad.columns else None
        raise ConfigError(f"{len(bad)} of the design's runs failed or are missing (first: adversary "
                          f"{first['adversary']}: {error or 'not run'})")
    seeds = per_seed(runs)
    gaps = pd.to_numeric(runs["gap"], errors="coerce").groupby(runs["adversary"]).mean()
    return Objectives(gap=float(seeds["gap"].mean()), honest_return=float(seeds["honest_return"].mean()),
                      malicious_balance=float(seeds["malicious_balance"].mean()),
                      honest_cost=float(seeds["honest_cost"].mean()), accuracy=float(seeds["accuracy"].mean()),
                      binding=str(gaps.idxmax()) if gaps.notna().any() else "", runs=len(runs))


@dataclass(frozen=True)
class Paired:
    """A design minus Table I on one objective, paired by held-out seed: mean and 95% interval."""

    mean: float
    low: float
    high: float
    n: int

    def better(self, direction: str) -> bool:
        """Whether the interval excludes zero on the objective's good side."""
        if math.isnan(self.low):
            return False
        return self.high < 0 if direction == "minimize" else self.low > 0

    def worse(self, direction: str) -> bool:
        if math.isnan(self.low):
            return False
        return self.low > 0 if direction == "minimize" else self.high < 0


def paired_difference(design: pd.DataFrame, reference: pd.DataFrame, objective: str) -> Paired:
    """`design` minus `reference` (per_seed tables) on one objective, over the seeds both have."""
    joined = pd.concat([design[objective], reference[objective]], axis=1, join="inner").dropna()
    n, mean, _sd, low, high = stats.mean_ci((joined.iloc[:, 0] - joined.iloc[:, 1]).tolist())
    return Paired(mean, low, high, n)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether objective values `a` Pareto-dominate `b` (directions as OBJECTIVES)."""
    signs = [1 if direction == "minimize" else -1 for _, direction, _ in OBJECTIVES]
    sa, sb = [s * v for s, v in zip(signs, a)], [s * v for s, v in zip(signs, b)]
    return all(x <= y for x, y in zip(sa, sb)) and any(x < y for x, y in zip(sa, sb))


def verdict(differences: Mapping[str, Paired]) -> str:
    """`beats` (better on at least one objective with its interval excluding zero, worse on none),
    `loses` (worse on one, better on none), `trades` (better on one, worse on another), or `ties`."""
    directions = {name: direction for name, direction, _ in OBJECTIVES}
    better = [n for n, d in differences.items() if d.better(directions[n])]
    worse = [n for n, d in differences.items() if d.worse(directions[n])]
    if better and not worse:
        return "beats"
    if worse and not better:
        return "loses"
    return "trades" if better else "ties"


# -- the search ----------------------------------------------------------------------------------

@dataclass
class TuneSettings:
    """What a tune searches and against what; stored in its journal so that a resume must match."""

    base: Config
    space: dict[str, Parameter]
    adversaries: dict[str, dict[str, Any]]
    seeds: list[int]
    heldout: list[int]
    constraints: Constraints = field(default_factory=Constraints)
    sampler_seed: int = 0

    def fingerprint(self) -> dict[str, Any]:
        return {"base": self.base.digest(), "space": {k: p.describe() for k, p in self.space.items()},
                "adversaries": sorted(self.adversaries), "seeds": list(self.seeds),
                "constraints": self.constraints.as_dict(), "sampler_seed": self.sampler_seed}


def make_sampler(settings: TuneSettings, offset: int = 0):
    """Multi-objective TPE; the constraints are each trial's own (`Trial.set_constraint`), which it reads.

    Why TPE and not NSGA-II: NSGA-II draws its first generation (50 designs by default) at random and
    only then breeds; a tune affordable on a laptop is 20 to 60 designs, which NSGA-II spends almost
    entirely at random. TPE models the good and bad designs from the ninth trial on. Measured on the
    tiny corpus at 16 trials each (docs: results/tuning), TPE's front dominated NSGA-II's."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=settings.sampler_seed + offset, n_startup_trials=8, multivariate=True,
                                          group=True)


def make_nsga2(settings: TuneSettings, population: int = 8):
    """NSGA-II with the same constraints (for the sampler measurement)."""
    import optuna

    return optuna.samplers.NSGAIISampler(seed=settings.sampler_seed, population_size=population)


CONSTRAINTS_ATTR = "constraints"


def open_study(out, settings: TuneSettings, sampler=None):
    """The tune's Optuna study in `out/tune.journal`, created or resumed; a resume with other settings is refused."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = str(out / JOURNAL)
    storage = JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, load_if_exists=True,
                                directions=[direction for _, direction, _ in OBJECTIVES],
                                sampler=sampler if sampler is not None else make_sampler(settings))
    if sampler is None:     # a resumed search draws on from where it stood, not the first trials again
        study.sampler = make_sampler(settings, offset=len(study.get_trials(deepcopy=False)))
    fingerprint = settings.fingerprint()
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_user_attr("settings", fingerprint)
    elif stored != fingerprint:
        changed = sorted(k for k in fingerprint if fingerprint[k] != stored.get(k))
        raise ConfigError(f"{out} holds a tune with other settings ({', '.join(changed)} differ); rerun it with "
                          f"the same options to resume, or give another --out")
    return study


@dataclass
class TuneSummary:
    trials: int = 0          # finished trials in the study now
    told: int = 0            # trials finished by this call
    resumed: int = 0         # trials left running by an interrupted tune, finished from the store
    ran: int = 0             # runs executed now
    reused: int = 0          # runs found in the store
    failed: int = 0          # runs that failed now
    heldout_ran: int = 0     # held-out runs executed now
    stopped: str = ""        # why the search stopped early ("timeout"), empty when the budget was spent


def finished_trials(study) -> list:
    import optuna

    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return [t for t in study.get_trials(deepcopy=False) if t.state in done]


def run_tune(study, settings: TuneSettings, store, executor, trials: int, timeout: float | None = None,
             batch: int = 1, progress: bool = False, clock=None) -> TuneSummary:
    """Search until the study holds `trials` finished trials (or `timeout` seconds pass), `batch`
    designs at a time. The store must be open; every run is stored as it finishes."""
    import sys
    import time

    import optuna
    from tqdm.auto import tqdm

    clock = clock or time.monotonic
    started = clock()
    summary = TuneSummary()
    stale = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
    if not study.get_trials(deepcopy=False):
        enqueue = table_one_design(settings.space)
        if enqueue:
            study.enqueue_trial(enqueue, user_attrs={"table_one": True})
    per_design = len(settings.adversaries) * len(settings.seeds)
    todo = max(0, trials - len(finished_trials(study)))
    bar = tqdm(total=(todo + len(stale)) * per_design, desc="tune", unit="run", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)
    try:
        if stale:       # asked by an interrupted tune: their runs are mostly stored
            _evaluate(study, [(t.number, t.params, None) for t in stale], settings, store, executor, summary, bar)
            summary.resumed = len(stale)
        while len(finished_trials(study)) < trials:
            if timeout is not None and clock() - started >= timeout:
                summary.stopped = "timeout"
                break
            size = min(batch, trials - len(finished_trials(study)))
            asked = []
            for _ in range(size):
                trial = study.ask()
                asked.append((trial.number, suggest(trial, settings.space), trial))
            _evaluate(study, asked, settings, store, executor, summary, bar)
            bar.set_postfix(trials=f"{len(finished_trials(study))}/{trials}", refresh=False)
    finally:
        bar.close()
    summary.trials = len(finished_trials(study))
    return summary


def _evaluate(study, asked, settings: TuneSettings, store, executor, summary: TuneSummary, bar) -> None:
    """Run every design of the batch (one executor call for all their runs), then tell each trial."""
    import optuna

    points = {number: design_points(design, settings.base, settings.adversaries, settings.seeds)
              for number, design, _ in asked}
    configs = [p.config for ps in points.values() for p in ps]
    pending = store.pending(configs)
    summary.reused += len({c.digest() for c in configs}) - len(pending)
    bar.update(len(configs) - len(pending))
    if pending:
        from sumchain.experiments.runner import longest_first
        for outcome in executor.map_runs(longest_first(pending)):
            store.add(outcome.row, outcome.timeseries)
            summary.ran += 1
            summary.failed += not outcome.ok
            bar.update(1)
    results = store.frame
    for number, design, trial in asked:
        handle = trial if trial is not None else _trial(study, number)
        try:
            result = objectives(runs_table(points[number], results))
        except ConfigError as error:
            handle.set_user_attr("error", str(error))
            study.tell(handle, state=optuna.trial.TrialState.FAIL)
        else:
            limits = settings.constraints.values(result)
            for name, value in zip(settings.constraints.names(), limits):
                handle.set_constraint(name, value)
            handle.set_user_attr(CONSTRAINTS_ATTR, limits)
            handle.set_user_attr("binding", result.binding)
            handle.set_user_attr("honest_cost", result.honest_cost)
            handle.set_user_attr("accuracy", result.accuracy)
            study.tell(handle, result.values())
        summary.told += 1


def _trial(study, number: int):
    """A handle on a trial asked by an interrupted tune (only its number is known here)."""
    import optuna

    frozen = study.get_trials(deepcopy=False)[number]
    return optuna.trial.Trial(study, frozen._trial_id)


# -- after the search: the table of trials, the front on held-out seeds -----------------------------

def feasible(trial) -> bool:
    return all(v <= 0 for v in trial.user_attrs.get(CONSTRAINTS_ATTR, []))


def trials_table(study) -> pd.DataFrame:
    """Every finished trial: its design, objectives, constraints, binding adversary, on the front or not."""
    import optuna

    front = {t.number for t in pareto_trials(study)}
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state not in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL):
            continue
        row = {"trial": t.number, "state": t.state.name.lower(), "table_one": bool(t.user_attrs.get("table_one")),
               "pareto": t.number in front, "feasible": feasible(t) if t.values else False,
               **{f"param.{k}": v for k, v in t.params.items()}}
        for (name, _, _), value in zip(OBJECTIVES, t.values or [math.nan] * len(OBJECTIVES)):
            row[name] = value
        for key in ("honest_cost", "accuracy", "binding", "error"):
            row[key] = t.user_attrs.get(key)
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_trials(study) -> list:
    """The feasible trials no other feasible trial dominates."""
    complete = [t for t in study.get_trials(deepcopy=False) if t.values is not None and feasible(t)]
    return [t for t in complete if not any(dominates(o.values, t.values) for o in complete if o is not t)]


TABLE_ONE = "Table I"


def table_one_reference(space: Mapping[str, Parameter]) -> dict[str, Any]:
    """Table I's values of every searched key that applies to its mechanism (stakeable)."""
    reference = Config().flat()
    return {key: reference[key] for key, p in space.items()
            if p.mechanism in (None, reference["incentive"]) and key in reference}


def heldout_evaluation(designs: Mapping[str, Mapping[str, Any]], settings: TuneSettings, store, executor,
                       summary: TuneSummary | None = None) -> dict[str, pd.DataFrame]:
    """Each design (and Table I) run on the held-out seeds: its per-seed objectives table."""
    designs = {TABLE_ONE: table_one_reference(settings.space), **designs}
    points = {label: design_points(design, settings.base, settings.adversaries, settings.heldout)
              for label, design in designs.items()}
    pending = store.pending([p.config for ps in points.values() for p in ps])
    if summary is not None:
        summary.heldout_ran += len(pending)
    for outcome in executor.map_runs(pending):
        store.add(outcome.row, outcome.timeseries)
        if summary is not None:
            summary.failed += not outcome.ok
    results = store.frame
    tables = {}
    for label, ps in points.items():
        runs = runs_table(ps, results)
        tables[label] = runs
    return tables


def front_table(study, heldout: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per front design (and Table I): search and held-out objectives, how far each moved, the
    paired held-out difference from Table I with its interval, the verdict and the binding adversary."""
    reference = per_seed(heldout[TABLE_ONE]) if TABLE_ONE in heldout else None
    rows = []
    trials = {f"trial {t.number}": t for t in pareto_trials(study)}
    for label, runs in heldout.items():
        try:
            result = objectives(runs)
        except ConfigError as error:
            rows.append({"design": label, "error": str(error)})
            continue
        trial = trials.get(label)
        row: dict[str, Any] = {"design": label}
        if trial is not None:
            row.update({f"param.{k}": v for k, v in trial.params.items()})
        else:
            row.update({f"param.{k}": v for k, v in runs.iloc[0].items()
                        if k in ("incentive", "cost_weight", "refund_wait_s", "any_address_claim_wait_s")})
        diffs = {}
        for (name, _, _), value in zip(OBJECTIVES, result.values()):
            row[f"heldout.{name}"] = value
            if trial is not None:
                search = trial.values[[n for n, _, _ in OBJECTIVES].index(name)]
                row[f"search.{name}"] = search
                row[f"moved.{name}"] = value - search
            if reference is not None and label != TABLE_ONE:
                d = paired_difference(per_seed(runs), reference, name)
                diffs[name] = d
                row.update({f"diff.{name}": d.mean, f"diff.{name}.low": d.low, f"diff.{name}.high": d.high})
        row.update({"heldout.honest_cost": result.honest_cost, "heldout.accuracy": result.accuracy,
                    "binding": result.binding, "verdict": verdict(diffs) if diffs else ""})
        rows.append(row)
    return pd.DataFrame(rows)


def importance(study) -> pd.DataFrame:
    """Each searched parameter's importance for each objective: PED-ANOVA (Optuna's, no extra
    dependency; fANOVA needs scikit-learn), for reaching the objective's good values (the top 10% of
    trials), so the mechanism's own parameters count in the trials that have them."""
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.values is not None]
    rows = []
    if len(complete) < 4:
        return pd.DataFrame(rows, columns=["objective", "parameter", "importance"])
    for index, (name, direction, _) in enumerate(OBJECTIVES):
        sign = 1.0 if direction == "minimize" else -1.0
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = optuna.importance.get_param_importances(
                    study, target=lambda t, i=index, s=sign: s * t.values[i],
                    evaluator=optuna.importance.PedAnovaImportanceEvaluator())
        except (RuntimeError, ValueError, ImportError):
            continue
        rows += [{"objective": name, "parameter": k, "importance": float(v)} for k, v in values.items()]
    return pd.DataFrame(rows, columns=["objective", "parameter", "importance"])
