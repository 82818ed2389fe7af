"""The design space the study leaves as future work, measured: `sumchain study`.

Three sections, each a list of scenarios run with several seeds from the Table I defaults:
- `pairs`: the default scenario (one honest agent, one label flipper) for every (mechanism, model)
  pair (the dense twins only on data with values, see `scenarios`). Answers "which model is most robust" and, with the next sections, "does quality pricing
  protect better than a constant cost".
- `adversaries`: each adversary in place of the study's flipper (`agents.Bad.kind`), and the flipper
  facing an honest agent that mislabels 30% of its data, under every mechanism with a deposit loop.
  Answers "which adversary beats which mechanism".
- `bad_share`: the share of submitted data from the malicious agent, 0.1, 0.3, .. 0.9, under the constant
  and the quality-priced cost. Answers "how the gap grows with the bad share".

Seeds pair the runs: a seed fixes the data split, the initial model and every agent's generator, so
two scenarios run with the same seed differ only by what the scenario changes. Comparisons are
therefore paired differences across seeds, with Student-t 95% intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sstats

from sumchain.config import DENSE_MODELS, INCENTIVES, MODELS, Config
from sumchain.errors import ConfigError
from sumchain.experiments import stats
from sumchain.experiments.grid import Point
from sumchain.files import fixed, plural

PAIRS, ADVERSARIES, BAD_SHARE = "pairs", "adversaries", "bad_share"
SECTIONS = (PAIRS, ADVERSARIES, BAD_SHARE)
FLIPPER = "flipper"

ADVERSARY_KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    FLIPPER: ("flips every label (the study's malicious agent)", {}),
    "unsure_flipper": ("flips only the samples the model is least sure of", {"agents.Bad.kind": "unsure_flipper"}),
    "timing": ("adds just before the honest agent, whose add then pays the 1/sqrt(dt) cost",
               {"agents.Bad.kind": "timing"}),
    "sleeper": ("submits honest data first to earn verified contributions, then flips",
                {"agents.Bad.kind": "sleeper"}),
    "noisy_honest": ("the flipper, against an honest agent that mislabels 30% of its data",
                     {"agents.Good.prob_mistake": 0.3}),
}
"""Each adversary: what it does, and the config overrides that make it (on the Table I agents)."""

LOOP_MECHANISMS = tuple(m for m in INCENTIVES if m != "prediction_market")
"""Mechanisms with SUM's deposit, refund and report loop, where the agents' kinds act turn by turn."""
BAD_SHARES = (0.1, 0.3, 0.5, 0.7, 0.9)
"""The good:bad range the study asks about, every other tenth (five points fit a slope and a rank
correlation; any other values: `--set bad_share=...` on a sweep)."""
BAD_SHARE_MECHANISMS = ("stakeable", "quality_priced")

HONEST, MALICIOUS, SUBMITTED = "honest_balance_pct", "malicious_balance_pct", "bad_share_submitted"
METRICS = (("initial_accuracy", "initial acc. %", 100.0), ("final_accuracy", "final acc. %", 100.0),
           ("gap", "gap (points)", 1.0), (stats.DEPLETED, "days to exhaust", 1.0),
           (HONEST, "honest balance %", 1.0), (MALICIOUS, "malicious balance %", 1.0),
           (SUBMITTED, "bad share submitted %", 100.0))
"""Per scenario: the metric, its title in tables, and the factor to its unit."""
SHARES = ("initial_accuracy", "final_accuracy", SUBMITTED)
"""Metrics that are shares (0 to 1): their 95% intervals are clipped to [0, 1]."""
FALLBACKS = {HONEST: "balance_pct.Good", MALICIOUS: "balance_pct.Bad"}
"""Runs stored before the population metrics existed give the Table I agents' balances instead."""


@dataclass(frozen=True)
class Scenario:
    """One cell of a section: its factors (as table columns) and the overrides that make it."""

    section: str
    factors: tuple[tuple[str, Any], ...]
    overrides: Mapping[str, Any]

    @property
    def label(self) -> str:
        return " / ".join(str(value) for _, value in self.factors)


def scenarios(only: Sequence[str] | None = None, models: Sequence[str] | None = None,
              mechanisms: Sequence[str] | None = None, dense_values: bool = False) -> list[Scenario]:
    """The study's scenarios: all sections, or those in `only`; `models`/`mechanisms` narrow every section.

    The dense twins (`dense_perceptron`, `dense_nearest_centroid`) run in the pairs section only on
    data with values (`dense_values`: `csv_encoding = "standardised"`) or when `models` names them:
    on binary data they give bit-identical results to their sparse twins (tests/models), so running
    them would only repeat those runs at twice the cost."""
    sections = _chosen("section", only, SECTIONS)
    models = _chosen("model", models, MODELS if dense_values else tuple(m for m in MODELS if m not in DENSE_MODELS))
    mechanisms = _chosen("incentive", mechanisms, INCENTIVES)
    found: list[Scenario] = []
    if PAIRS in sections:
        found += [Scenario(PAIRS, (("incentive", m), ("model", f)), {"incentive": m, "model": f})
                  for m in mechanisms for f in models]
    if ADVERSARIES in sections:
        found += [Scenario(ADVERSARIES, (("adversary", kind), ("incentive", m)), {**overrides, "incentive": m})
                  for kind, (_, overrides) in ADVERSARY_KINDS.items() for m in mechanisms if m in LOOP_MECHANISMS]
    if BAD_SHARE in sections:
        found += [Scenario(BAD_SHARE, (("bad_share", share), ("incentive", m)), {"bad_share": share, "incentive": m})
                  for m in mechanisms if m in BAD_SHARE_MECHANISMS for share in BAD_SHARES]
    for section in (sections if only is not None else SECTIONS if not found else ()):
        if not any(s.section == section for s in found):
            runs_under = {ADVERSARIES: LOOP_MECHANISMS, BAD_SHARE: BAD_SHARE_MECHANISMS}.get(section, INCENTIVES)
            raise ConfigError(f"section '{section}' has nothing to run under incentive {', '.join(mechanisms)}: it runs "
                              f"under {', '.join(runs_under)}; choose one of those with --incentives, or another --only")
    return found


def _chosen(what: str, names: Sequence[str] | None, allowed: Sequence[str]) -> Sequence[str]:
    if names is None:
        return allowed
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise ConfigError(f"unknown {what} '{unknown[0] if unknown else ''}'; choose from: {', '.join(allowed)}")
    return names


def study_points(base: Config | None = None, seeds: Sequence[int] = range(5),
                 chosen: Sequence[Scenario] | None = None) -> list[Point]:
    """Every run: each scenario's overrides on the base config, with each seed.

    The sections' models and mechanisms stay as given (the adversary and bad_share sections use the
    base's model, Table I's perceptron unless `--set model=...`)."""
    base = base if base is not None else Config()
    points = []
    for scenario in (chosen if chosen is not None else scenarios()):
        for seed in seeds:
            config = Config.from_overrides({**scenario.overrides, "seed": seed}, base=base)
            points.append(Point(scenario.section, scenario.factors, config))
    return points


# -- analysis ------------------------------------------------------------------------------------

def scenario_runs(results: pd.DataFrame, points: Sequence[Point]) -> pd.DataFrame:
    """The stored rows of the points, one per run, with the section and factor columns in front
    (`factor.incentive`, ...) and the population metrics filled from the Table I agents where absent."""
    index = pd.DataFrame([{"config_hash": p.config.digest(), "section": p.sweep,
                           **{f"factor.{name}": value for name, value in p.values}} for p in points])
    if index.empty:
        return index
    runs = index.merge(results, on="config_hash", how="inner")
    for metric, fallback in FALLBACKS.items():
        if fallback in runs.columns:
            runs[metric] = runs[metric].fillna(runs[fallback]) if metric in runs.columns else runs[fallback]
    return runs


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario: its factors, runs, and per metric the mean with its 95% interval."""
    rows = []
    if runs.empty:
        return pd.DataFrame(rows)
    factor_columns = [c for c in runs.columns if c.startswith("factor.")]
    for (section, *values), group in runs.groupby(["section", *factor_columns], sort=False, dropna=False):
        ok = stats.ok_runs(group)
        row = {"section": section, **{c.removeprefix("factor."): v for c, v in zip(factor_columns, values)},
               "runs": len(group), "failed": len(group) - len(ok)}
        for metric, _, _ in METRICS:
            if metric in ok.columns:
                n, mean, _sd, low, high = stats.mean_ci(pd.to_numeric(ok[metric], errors="coerce").tolist())
                if metric in SHARES:        # a t-interval can reach past what a share can be
                    low, high = float(np.clip(low, 0.0, 1.0)), float(np.clip(high, 0.0, 1.0))
                row.update({metric: mean, f"{metric}.ci_low": low, f"{metric}.ci_high": high})
        if stats.DEPLETED in ok.columns:
            row["never_exhausted"] = int(stats.never_exhausted(ok).sum())
        rows.append(row)
    table = pd.DataFrame(rows)
    empty = [c for c in table.columns if table[c].isna().all() and not c.startswith(stats.DEPLETED)]
    return table.drop(columns=empty)


@dataclass(frozen=True)
class Difference:
    """A paired difference across seeds: mean, 95% interval, and how many seeds paired."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def significant(self) -> bool:
        return not math.isnan(self.low) and (self.low > 0 or self.high < 0)

    def text(self, unit: str = "", digits: int = 1) -> str:
        if math.isnan(self.mean):
            return "n/a"
        interval = "" if math.isnan(self.low) else \
            f" [{fixed(self.low, digits, sign=True)}, {fixed(self.high, digits, sign=True)}]"
        return f"{fixed(self.mean, digits, sign=True)}{unit}{interval} ({plural(self.n, 'seed')})"


def paired(runs: pd.DataFrame, metric: str, a: Mapping[str, Any], b: Mapping[str, Any],
           section: str, scale: float = 1.0, never: float | None = None) -> Difference:
    """Scenario `a` minus scenario `b` (factor values) on `metric`, paired by seed.

    `never` stands in for a malicious balance never exhausted (days to exhaust), e.g. the run's length."""
    def values(factors):
        frame = stats.ok_runs(runs[runs["section"] == section])
        for name, value in factors.items():
            column = f"factor.{name}"
            frame = frame[frame[column] == value] if column in frame else frame.iloc[0:0]
        if metric not in frame:
            return pd.Series(dtype=float)
        column = pd.to_numeric(frame[metric], errors="coerce")
        if never is not None and metric == stats.DEPLETED:
            column = column.where(~stats.never_exhausted(frame), frame["days"] if never == RUN_LENGTH else never)
        return pd.Series(column.to_numpy(dtype=float) * scale, index=frame["seed"].to_numpy())
    joined = pd.concat([values(a), values(b)], axis=1, join="inner").dropna()
    d = (joined[0] - joined[1]).to_numpy()
    n, mean, _sd, low, high = stats.mean_ci(d.tolist())
    return Difference(mean, low, high, n)


def scenario_rows(table: pd.DataFrame, section: str, **factors: Any) -> pd.DataFrame:
    """The summary table's rows of one section with these factor values (none when a factor is absent)."""
    rows = table[table["section"] == section] if not table.empty else table
    for name, value in factors.items():
        rows = rows[rows[name] == value] if name in rows else rows.iloc[0:0]
    return rows


def mean_of(table: pd.DataFrame, section: str, metric: str, **factors: Any) -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of a scenario's metric from the summary table; NaNs when absent."""
    rows = scenario_rows(table, section, **factors)
    if rows.empty or metric not in rows:
        return math.nan, math.nan, math.nan
    row = rows.iloc[0]
    return float(row[metric]), float(row.get(f"{metric}.ci_low", math.nan)), float(row.get(f"{metric}.ci_high", math.nan))


def spearman_with(runs: pd.DataFrame, factor: str, metric: str) -> tuple[float, float]:
    ok = stats.ok_runs(runs)
    x = pd.to_numeric(ok[f"factor.{factor}"], errors="coerce").to_numpy(dtype=float)
    y = stats.ranked_values(ok, metric).to_numpy(dtype=float) if metric in ok else np.full(len(ok), math.nan)
    keep = ~np.isnan(x) & ~np.isnan(y)
    return stats.spearman(x[keep], y[keep])


def slope_per_tenth(runs: pd.DataFrame, factor: str, metric: str) -> float:
    """Least-squares change of the metric per 0.1 of the factor (finite values only)."""
    ok = stats.ok_runs(runs)
    x = pd.to_numeric(ok[f"factor.{factor}"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(ok[metric], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0:
        return math.nan
    return float(sstats.linregress(x[keep], y[keep]).slope) / 10


@dataclass
class DesignAnalysis:
    runs: pd.DataFrame                 # one row per run, factors in front
    table: pd.DataFrame                # one row per scenario (`summary`)
    answers: dict[str, str]            # question -> plain answer with numbers
    seeds: int


def analyse(results: pd.DataFrame, points: Sequence[Point], base: Config | None = None) -> DesignAnalysis:
    base = base if base is not None else Config()
    runs = scenario_runs(results, points)
    table = summary(runs)
    answers = {}
    for question, answer in QUESTIONS.items():
        text = answer(runs, table, base)
        if text:
            answers[question] = text
    return DesignAnalysis(runs, table, answers, len({p.seed for p in points}))


# -- the study's open questions, answered from the runs ---------------------------------------------

MONEYLESS = ("points",)
"""Mechanisms under which no money moves (deposits are points), so no balance can be exhausted: an
adversary beats them only by widening the gap."""

RUN_LENGTH = -1
"""Stands in for "never exhausted" in paired differences of days: the run's own length (a lower bound)."""


def _interval(mean: float, low: float, high: float, digits: int = 1) -> str:
    if math.isnan(mean):
        return "n/a"
    return f"{mean:.{digits}f}" + ("" if math.isnan(low) else f" [{low:.{digits}f}, {high:.{digits}f}]")


def answer_quality_pricing(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    """Quality-priced against the constant cost, paired by seed: against the flipper (pairs, the base
    model) and against each adversary."""
    parts = []
    a, b = {"incentive": "quality_priced", "model": base.model}, {"incentive": "stakeable", "model": base.model}
    measured = [(what, paired(runs, metric, a, b, PAIRS, scale=scale, never=RUN_LENGTH), unit, digits)
                for what, metric, scale, unit, digits in (
                    ("the days until the malicious balance is exhausted", stats.DEPLETED, 1.0, " days", 1),
                    ("final accuracy", "final_accuracy", 100.0, " points", 2),
                    ("the honest agent's final balance", HONEST, 1.0, " % of start", 1))]
    clauses = [f"{what} by {d.text(unit, digits)}" for what, d, unit, digits in measured if d.n]
    if clauses:
        parts.append(f"against the flipper ({base.model}), quality pricing minus the constant cost changes "
                     + ", ".join(clauses))
    faster = []
    for kind in ADVERSARY_KINDS:
        quality, constant = {"adversary": kind, "incentive": "quality_priced"}, {"adversary": kind, "incentive": "stakeable"}
        d = paired(runs, stats.DEPLETED, quality, constant, ADVERSARIES, never=RUN_LENGTH)
        if d.n:
            never = [_never_count(table, ADVERSARIES, adversary=kind, incentive=m) for m in ("quality_priced", "stakeable")]
            note = f", never exhausted in {never[0]} and {plural(never[1], 'run')}" if any(never) else ""
            faster.append(f"{kind} {d.text(' days')}{note}")
    if faster:
        parts.append("days to exhaust, quality-priced minus constant, per adversary: " + "; ".join(faster))
    return ". ".join(parts)


def _never_count(table: pd.DataFrame, section: str, **factors: Any) -> int:
    rows = scenario_rows(table, section, **factors)
    return int(rows["never_exhausted"].sum()) if "never_exhausted" in rows else 0


def answer_robust_model(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    """The models under each mechanism, ranked by their gap (baseline minus final accuracy)."""
    pairs = scenario_rows(table, PAIRS)
    if pairs.empty or "gap" not in pairs:
        return ""
    lines = []
    for mechanism, group in pairs.groupby("incentive", sort=False):
        ranked = group.sort_values("gap")
        if len(ranked) < 2:
            continue
        best, second = ranked.iloc[0], ranked.iloc[1]
        d = paired(runs, "gap", {"incentive": mechanism, "model": best["model"]},
                   {"incentive": mechanism, "model": second["model"]}, PAIRS)
        separated = "clearly" if d.significant else "not clearly (the paired interval includes 0)"
        lines.append(f"under {mechanism}, {best['model']} has the smallest gap, "
                     f"{_interval(best['gap'], best.get('gap.ci_low', math.nan), best.get('gap.ci_high', math.nan), 2)} "
                     f"points, {separated} ahead of {second['model']} (paired difference {d.text(' points', 2)}); "
                     f"largest: {ranked.iloc[-1]['model']} ({ranked.iloc[-1]['gap']:.2f})")
    return "; ".join(lines)


def answer_bad_share(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    section = runs[runs["section"] == BAD_SHARE] if not runs.empty else runs
    if section.empty:
        return ""
    lines = []
    for mechanism, group in section.groupby("factor.incentive", sort=False):
        rho, p = spearman_with(group, "bad_share", "gap")
        slope = slope_per_tenth(group, "bad_share", "gap")
        low = mean_of(table, BAD_SHARE, "gap", incentive=mechanism, bad_share=min(BAD_SHARES))
        high = mean_of(table, BAD_SHARE, "gap", incentive=mechanism, bad_share=max(BAD_SHARES))
        shares = stats.ok_runs(group)
        measured = ""
        if SUBMITTED in shares:
            deviation = (pd.to_numeric(shares[SUBMITTED], errors="coerce") - shares["factor.bad_share"]).abs()
            measured = f"; the measured share of adds is within {deviation.max():.2f} of the set share"
        lines.append(f"under {mechanism}, the gap grows by {slope:+.2f} points per 0.1 of bad share "
                     f"(Spearman rho {rho:+.2f}, p {p:.2g}), from {_interval(*low, 2)} at {min(BAD_SHARES)} "
                     f"to {_interval(*high, 2)} at {max(BAD_SHARES)}{measured}")
    return "; ".join(lines)


def beats(runs: pd.DataFrame, table: pd.DataFrame, adversary: str, mechanism: str) -> tuple[bool, str]:
    """Whether an adversary beats a mechanism: it is not exhausted in most runs, or it widens the gap
    more than the flipper does under the same mechanism (paired by seed); and the cell's text."""
    rows = scenario_rows(table, ADVERSARIES, adversary=adversary, incentive=mechanism)
    if rows.empty:
        return False, ""
    row = rows.iloc[0]
    ok_runs = row["runs"] - row["failed"]
    never = int(row.get("never_exhausted", 0))
    survives = never * 2 > ok_runs and mechanism not in MONEYLESS
    damage = paired(runs, "gap", {"adversary": adversary, "incentive": mechanism},
                    {"adversary": FLIPPER, "incentive": mechanism}, ADVERSARIES)
    worse = adversary != FLIPPER and damage.significant and damage.mean > 0
    balance = row.get(MALICIOUS, math.nan)
    text = (f"{'beats' if survives or worse else 'contained'}: malicious {balance:.0f}% left, "
            f"not exhausted in {never}/{ok_runs}, gap {row.get('gap', math.nan):.2f}"
            + ("" if adversary == FLIPPER else f" ({damage.mean:+.2f} vs flipper)"))
    if mechanism in MONEYLESS:
        text += " (no money moves: judged by the gap only)"
    return survives or worse, text


def adversary_matrix(runs: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Adversaries (rows) against mechanisms (columns): each cell says whether the adversary beats it."""
    rows = scenario_rows(table, ADVERSARIES)
    if rows.empty:
        return pd.DataFrame()
    mechanisms = list(dict.fromkeys(rows["incentive"]))
    return pd.DataFrame([{"adversary": kind, **{m: beats(runs, table, kind, m)[1] for m in mechanisms}}
                         for kind in dict.fromkeys(rows["adversary"])])


def answer_adversaries(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    rows = scenario_rows(table, ADVERSARIES)
    if rows.empty:
        return ""
    won = [f"{kind} beats {mechanism}" for kind, mechanism in zip(rows["adversary"], rows["incentive"])
           if beats(runs, table, kind, mechanism)[0]]
    return ("; ".join(won) if won else "no adversary beats any mechanism") + \
        " (beats: the malicious balance is not exhausted in most runs, or the gap is wider than the flipper's " \
        "under the same mechanism, paired by seed, 95% interval above 0; under points, which moves no money, " \
        "only the gap counts)"


QUESTIONS = {
    "Does quality pricing protect better than a constant cost?": answer_quality_pricing,
    "Which model is most robust?": answer_robust_model,
    "How does the gap grow with the bad share?": answer_bad_share,
    "Which adversary beats which mechanism?": answer_adversaries,
}
