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

An answer the runs cannot decide says so ("undecided: why") instead of reading a verdict into them:
- fewer than `MIN_SEEDS` seeds: see there;
- no malicious balance exhausted in any run of the arms compared: the runs ended before the deposit
  loop could drain any balance, so an adversary that "survives" them has shown nothing, and a
  difference in days to exhaust only compares the runs' lengths;
- for the bad share, a rank correlation that is not significant (p >= 0.05).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
# scipy.stats is imported where it is used: it takes most of a second, and building the command-line
# parser imports this module for every sumchain command

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
    "model_pusher": ("earns one verified contribution, then pushes the model against pending honest samples "
                     "with flipped copies and reports them", {"agents.Bad.kind": "model_pusher"}),
}
"""Each adversary: what it does, and the config overrides that make it (on the Table I agents)."""

LOOP_MECHANISMS = tuple(m for m in INCENTIVES if m != "prediction_market")
"""Mechanisms with SUM's deposit, refund and report loop, where the agents' kinds act turn by turn."""
BAD_SHARES = (0.1, 0.3, 0.5, 0.7, 0.9)
"""The good:bad range the study asks about, every other tenth (five points fit a slope and a rank
correlation; any other values: `--set bad_share=...` on a sweep)."""
BAD_SHARE_MECHANISMS = ("stakeable", "quality_priced")

MIN_SEEDS = 3
"""The fewest seeds from which an answer is decided. A paired 95% interval from two seeds rests on one
degree of freedom: its spread is one difference of differences, so two seeds that agree by chance
make any effect look certain, and its half-width is 12.7 standard errors otherwise (4.3 with three);
"not exhausted in most runs" of two runs is one or two runs. Three is the fewest at which the
interval's spread is estimated from more than one comparison."""
UNDECIDED = "undecided"
ALPHA = 0.05

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
    them would only repeat those runs at twice the cost. With values, the sparse families read the
    same table thermometer-binarised (`csv_encoding = "thermometer"` in their scenarios), as they
    read only which features are present."""
    sections = _chosen("section", only, SECTIONS)
    if models is None:
        models = MODELS if dense_values else tuple(m for m in MODELS if m not in DENSE_MODELS)
    else:
        models = _chosen("model", models, MODELS)
    mechanisms = _chosen("incentive", mechanisms, INCENTIVES)
    found: list[Scenario] = []
    if PAIRS in sections:
        found += [Scenario(PAIRS, (("incentive", m), ("model", f)), {"incentive": m, "model": f, **(
                      {"csv_encoding": "thermometer"} if dense_values and f not in DENSE_MODELS else {})})
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
        frame = cell_runs(runs, section, factors)
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


def cell_runs(runs: pd.DataFrame, section: str, factors: Mapping[str, Any]) -> pd.DataFrame:
    """The finished runs of one section with these factor values (none when a factor is absent)."""
    frame = stats.ok_runs(runs[runs["section"] == section]) if not runs.empty else runs
    for name, value in factors.items():
        column = f"factor.{name}"
        frame = frame[frame[column] == value] if column in frame else frame.iloc[0:0]
    return frame


def any_exhausted(runs: pd.DataFrame, section: str, *cells: Mapping[str, Any]) -> bool:
    """Whether any finished run of these cells (all of the section's, with none given) exhausted the
    malicious balance: the evidence that the runs were long enough for the deposit loop to drain one."""
    frames = [cell_runs(runs, section, cell) for cell in cells] if cells else [cell_runs(runs, section, {})]
    return any(stats.DEPLETED in f and bool(pd.to_numeric(f[stats.DEPLETED], errors="coerce").notna().any())
               for f in frames)


def too_few_seeds(n: int) -> str:
    return f"only {n} seed{'' if n == 1 else 's'} pair the runs, and an answer needs at least {MIN_SEEDS}"


NEVER_EXHAUSTED = ("no malicious balance was exhausted in any run of the arms compared, so the runs end before "
                   "the deposit loop could drain one; longer runs, a larger max_train, can decide it")


def undecided(reason: str, measured: str = "") -> str:
    return f"{UNDECIDED}: {reason}" + (f"; measured: {measured}" if measured else "")


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
    from scipy import stats as sstats
    return float(sstats.linregress(x[keep], y[keep]).slope) / 10


@dataclass
class DesignAnalysis:
    runs: pd.DataFrame                 # one row per run, factors in front
    table: pd.DataFrame                # one row per scenario (`summary`)
    answers: dict[str, str]            # question -> plain answer with numbers ("undecided: why" first if so)
    seeds: int

    def status(self, question: str) -> str:
        """'undecided' (the runs cannot decide the answer), 'partly undecided' (some of its parts), or 'decided'."""
        answer = self.answers[question]
        return UNDECIDED if answer.startswith(UNDECIDED) else f"partly {UNDECIDED}" if UNDECIDED in answer else "decided"


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
    model) and against each adversary. Days to exhaust are compared only where a run of either arm
    exhausted the malicious balance; with too few seeds the whole answer is undecided."""
    parts, seeds = [], []
    a, b = {"incentive": "quality_priced", "model": base.model}, {"incentive": "stakeable", "model": base.model}
    clauses = []
    for what, metric, scale, unit, digits in (
            ("the days until the malicious balance is exhausted", stats.DEPLETED, 1.0, " days", 1),
            ("final accuracy", "final_accuracy", 100.0, " points", 2),
            ("the honest agent's final balance", HONEST, 1.0, " % of start", 1)):
        d = paired(runs, metric, a, b, PAIRS, scale=scale, never=RUN_LENGTH)
        if not d.n:
            continue
        seeds.append(d.n)
        if metric == stats.DEPLETED and not any_exhausted(runs, PAIRS, a, b):
            clauses.append(f"{what}: {UNDECIDED} (never exhausted in either arm)")
        else:
            clauses.append(f"{what} by {d.text(unit, digits)}")
    if clauses:
        parts.append(f"against the flipper ({base.model}), quality pricing minus the constant cost changes "
                     + ", ".join(clauses))
    faster = []
    for kind in ADVERSARY_KINDS:
        quality, constant = {"adversary": kind, "incentive": "quality_priced"}, {"adversary": kind, "incentive": "stakeable"}
        d = paired(runs, stats.DEPLETED, quality, constant, ADVERSARIES, never=RUN_LENGTH)
        if d.n:
            seeds.append(d.n)
            if not any_exhausted(runs, ADVERSARIES, quality, constant):
                faster.append(f"{kind} {UNDECIDED} (never exhausted in either arm)")
                continue
            never = [_never_count(table, ADVERSARIES, adversary=kind, incentive=m) for m in ("quality_priced", "stakeable")]
            note = f", never exhausted in {never[0]} and {plural(never[1], 'run')}" if any(never) else ""
            faster.append(f"{kind} {d.text(' days')}{note}")
    if faster:
        parts.append("days to exhaust, quality-priced minus constant, per adversary: " + "; ".join(faster))
    text = ". ".join(parts)
    if text and min(seeds) < MIN_SEEDS:
        return undecided(too_few_seeds(min(seeds)), text)
    return text


def _never_count(table: pd.DataFrame, section: str, **factors: Any) -> int:
    rows = scenario_rows(table, section, **factors)
    return int(rows["never_exhausted"].sum()) if "never_exhausted" in rows else 0


def answer_robust_model(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    """The models under each mechanism, ranked by their gap (baseline minus final accuracy); with too
    few seeds the ranking is given but undecided."""
    pairs = scenario_rows(table, PAIRS)
    if pairs.empty or "gap" not in pairs:
        return ""
    lines, seeds = [], []
    for mechanism, group in pairs.groupby("incentive", sort=False):
        ranked = group.sort_values("gap")
        if len(ranked) < 2:
            continue
        best, second = ranked.iloc[0], ranked.iloc[1]
        d = paired(runs, "gap", {"incentive": mechanism, "model": best["model"]},
                   {"incentive": mechanism, "model": second["model"]}, PAIRS)
        seeds.append(d.n)
        separated = ("" if d.n < MIN_SEEDS else "clearly " if d.significant else
                     "not clearly (the paired interval includes 0) ")
        lines.append(f"under {mechanism}, {best['model']} has the smallest gap, "
                     f"{_interval(best['gap'], best.get('gap.ci_low', math.nan), best.get('gap.ci_high', math.nan), 2)} "
                     f"points, {separated}ahead of {second['model']} (paired difference {d.text(' points', 2)}); "
                     f"largest: {ranked.iloc[-1]['model']} ({ranked.iloc[-1]['gap']:.2f})")
    text = "; ".join(lines)
    if text and min(seeds) < MIN_SEEDS:
        return undecided(too_few_seeds(min(seeds)), text)
    return text


def answer_bad_share(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    """Per mechanism, the gap's slope and rank correlation with the bad share; a mechanism whose
    correlation is not significant is undecided, and with too few seeds the whole answer is."""
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
        verdict = "" if p < ALPHA else f"{UNDECIDED} (the rank correlation is not significant): "
        lines.append(f"under {mechanism}, {verdict}the gap grows by {slope:+.2f} points per 0.1 of bad share "
                     f"(Spearman rho {rho:+.2f}, p {p:.2g}), from {_interval(*low, 2)} at {min(BAD_SHARES)} "
                     f"to {_interval(*high, 2)} at {max(BAD_SHARES)}{measured}")
    text = "; ".join(lines)
    per_cell = stats.ok_runs(section).groupby(["factor.incentive", "factor.bad_share"])["seed"].nunique()
    seeds = int(per_cell.min()) if len(per_cell) else 0
    if seeds < MIN_SEEDS:
        return undecided(too_few_seeds(seeds), text)
    return text


BEATS, CONTAINED = "beats", "contained"
FEW_SEEDS = f"fewer than {MIN_SEEDS} seeds"
NO_DRAIN = "no run of the section exhausted a malicious balance"


class Judgement(NamedTuple):
    verdict: str                 # BEATS, CONTAINED or UNDECIDED ('' when the cell was not run)
    text: str                    # the adversary matrix's cell
    reasons: tuple[str, ...]     # why it is undecided


def beats(runs: pd.DataFrame, table: pd.DataFrame, adversary: str, mechanism: str) -> Judgement:
    """Whether an adversary beats a mechanism, and the cell's text. It beats it when it is not exhausted
    in most runs, or widens the gap more than the flipper under the same mechanism (paired by seed);
    it is contained when neither holds. Undecided: survival where no run of the section exhausted any
    malicious balance (the runs are too short for it to mean anything), and anything from fewer than
    `MIN_SEEDS` seeds. '' when the cell was not run."""
    rows = scenario_rows(table, ADVERSARIES, adversary=adversary, incentive=mechanism)
    if rows.empty:
        return Judgement("", "", ())
    row = rows.iloc[0]
    ok_runs = int(row["runs"] - row["failed"])
    never = int(row.get("never_exhausted", 0))
    damage = paired(runs, "gap", {"adversary": adversary, "incentive": mechanism},
                    {"adversary": FLIPPER, "incentive": mechanism}, ADVERSARIES)
    reasons = []
    if ok_runs < MIN_SEEDS or (adversary != FLIPPER and damage.n < MIN_SEEDS):
        reasons.append(FEW_SEEDS)
    money = mechanism not in MONEYLESS
    if money and not any_exhausted(runs, ADVERSARIES):
        reasons.append(NO_DRAIN)
    survives = money and never * 2 > ok_runs
    worse = adversary != FLIPPER and damage.significant and damage.mean > 0
    verdict = UNDECIDED if reasons else BEATS if survives or worse else CONTAINED
    balance = row.get(MALICIOUS, math.nan)
    text = (f"{verdict}: malicious {balance:.0f}% left, not exhausted in {never}/{ok_runs}, gap {row.get('gap', math.nan):.2f}"
            + ("" if adversary == FLIPPER else f" ({damage.mean:+.2f} vs flipper)"))
    if not money:
        text += " (no money moves: judged by the gap only)"
    if reasons:
        text += f" ({'; '.join(reasons)})"
    return Judgement(verdict, text, tuple(reasons))


def adversary_matrix(runs: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Adversaries (rows) against mechanisms (columns): each cell says whether the adversary beats it."""
    rows = scenario_rows(table, ADVERSARIES)
    if rows.empty:
        return pd.DataFrame()
    mechanisms = list(dict.fromkeys(rows["incentive"]))
    return pd.DataFrame([{"adversary": kind, **{m: beats(runs, table, kind, m).text for m in mechanisms}}
                         for kind in dict.fromkeys(rows["adversary"])])


def answer_adversaries(runs: pd.DataFrame, table: pd.DataFrame, base: Config) -> str:
    rows = scenario_rows(table, ADVERSARIES)
    if rows.empty:
        return ""
    judged = {(kind, mechanism): beats(runs, table, kind, mechanism)
              for kind, mechanism in zip(rows["adversary"], rows["incentive"])}
    won = [f"{kind} beats {mechanism}" for (kind, mechanism), j in judged.items() if j.verdict == BEATS]
    open_cells = [f"{kind} vs {mechanism}" for (kind, mechanism), j in judged.items() if j.verdict == UNDECIDED]
    rule = (". Beats: the malicious balance is not exhausted in most runs, or the gap is wider than the flipper's "
            "under the same mechanism, paired by seed, 95% interval above 0; under points, which moves no money, "
            "only the gap counts")
    if not open_cells:
        return ("; ".join(won) if won else "no adversary beats any mechanism") + rule
    causes = {reason for j in judged.values() for reason in j.reasons}
    reasons = []
    if FEW_SEEDS in causes:
        seeds = min(len(cell_runs(runs, ADVERSARIES, {"adversary": k, "incentive": m})) for k, m in judged)
        reasons.append(too_few_seeds(seeds) if seeds < MIN_SEEDS else
                       f"fewer than {MIN_SEEDS} seeds pair some cells with the flipper's")
    if NO_DRAIN in causes:
        reasons.append(NEVER_EXHAUSTED.replace("the arms compared", "the section"))
    parts = list(won)
    if not won and len(open_cells) < len(judged):
        parts.append("no decided cell is beaten")
    parts.append(f"{UNDECIDED} for {', '.join(open_cells)}: {'; and '.join(reasons)}")
    return "; ".join(parts) + rule


QUESTIONS = {
    "Does quality pricing protect better than a constant cost?": answer_quality_pricing,
    "Which model is most robust?": answer_robust_model,
    "How does the gap grow with the bad share?": answer_bad_share,
    "Which adversary beats which mechanism?": answer_adversaries,
}
