"""The study's reproduction (Ding & Hu 2022): its sweeps, their analysis, and its findings judged.

Each sweep varies one parameter from the Table I defaults (`ofat`). Values, with our choices
where the study gave only "sensible ranges" (its section IV.E):
- num_words 100, 200, ..., 1000 (Figs 6-8); train_size 0.01 ... 0.10, 0.16, 0.24, 0.32 (Figs 9-11);
  the honest agent's mean_deposit 0.5, 5, 50, 500, 5000, the malicious one's staying 100
  (Figs 12-13); cost_weight 1-5, 10, 15, 20, 25 (Figs 14-15).
- start_balance: both agents together, 1,000 to 100,000 (Table I: 10,000).
- update waits, each agent on its own: 60 s, 10 min, 1 h, 6 h for the malicious agent (Table I:
  1 h) and 1 min, 5 min, 10 min, 30 min, 1 h for the honest one (Table I: 10 min). The honest
  agent's wait sets how long a run lasts (it submits most data), so longer waits would only
  stretch simulated time.
- the honest agent's stdev_deposit 1, 5, 10, 20, 40 (Table I: 10) and prob_mistake 0, 0.0001,
  0.001, 0.01, 0.05 (Table I: 0.0001).

Verdict rules (per finding, each part judged on its own, then combined: any part that disagrees
makes the finding disagree, all parts agreeing make it agree, no part with its evidence run makes
it "not run", anything else is inconclusive). A part whose sweep was not run (`--only`), or a claim
about the Table I defaults when the runs are not at them (`--set max_train=...`), is "not run":
- a trend: Spearman's rho of the metric with the parameter, p < 0.05 with the study's sign agrees,
  p < 0.05 with the opposite sign disagrees, otherwise inconclusive;
- "more volatile": Levene's test on the deviations from each value's mean, p < 0.05 with the
  claimed group more spread agrees, p < 0.05 the other way disagrees, otherwise inconclusive;
- "matters less": effect size (stats.effect_size) below both compared parameters agrees, above
  both disagrees, in between inconclusive;
- "no significant effect": no Spearman p < 0.05 agrees; p < 0.05 after a Bonferroni correction
  over the tests made disagrees; otherwise inconclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from sumchain.config import Config
from sumchain.errors import ConfigError
from sumchain.experiments import stats
from sumchain.experiments.grid import Axis, Point, grid, ofat

AGREES, DISAGREES, INCONCLUSIVE, NOT_RUN = "agrees", "disagrees", "inconclusive", "not run"
ALPHA = 0.05
DEFAULTS = "defaults"


@dataclass(frozen=True)
class StudySweep:
    """One of the study's sweeps: the axis, how to label it, which of its figures it reproduces."""

    axis: Axis
    label: str
    figures: str
    log_x: bool = False

    @property
    def name(self) -> str:
        return self.axis.name


def _axis(name: str, key: str, values: Sequence[Any]) -> Axis:
    return Axis.of(key, values, name=name)


SWEEPS: tuple[StudySweep, ...] = (
    StudySweep(_axis("num_words", "num_words", range(100, 1001, 100)), "num_words (features)", "Figs 6-8"),
    StudySweep(_axis("train_size", "train_size",
                     [k / 100 for k in range(1, 11)] + [0.16, 0.24, 0.32]), "train_size (fraction)", "Figs 9-11"),
    StudySweep(_axis("mean_deposit", "agents.Good.mean_deposit", [0.5, 5, 50, 500, 5000]),
               "honest agent's mean_deposit", "Figs 12-13", log_x=True),
    StudySweep(_axis("cost_weight", "cost_weight", [1, 2, 3, 4, 5, 10, 15, 20, 25]),
               "cost_weight (submission cost)", "Figs 14-15"),
    StudySweep(_axis("start_balance", "agents.Good.start_balance+agents.Bad.start_balance",
                     [1_000, 5_000, 10_000, 50_000, 100_000]), "start_balance (both agents)", "Sec. IV.E",
               log_x=True),
    StudySweep(_axis("bad_update_wait", "agents.Bad.mean_update_wait_s", [60, 600, 3600, 21600]),
               "malicious agent's mean_update_wait_s", "Sec. IV.E", log_x=True),
    StudySweep(_axis("good_update_wait", "agents.Good.mean_update_wait_s", [60, 300, 600, 1800, 3600]),
               "honest agent's mean_update_wait_s", "Sec. IV.E", log_x=True),
    StudySweep(_axis("stdev_deposit", "agents.Good.stdev_deposit", [1, 5, 10, 20, 40]),
               "honest agent's stdev_deposit", "Sec. IV.E"),
    StudySweep(_axis("prob_mistake", "agents.Good.prob_mistake", [0, 0.0001, 0.001, 0.01, 0.05]),
               "honest agent's prob_mistake", "Sec. IV.E", log_x=True),
)
PHASE = "phase"
PHASE_VALUES = (30, 150, 300, 450, 570)
"""The malicious agent's `phase_s`: its first turn (and, with exact waits, every turn) comes this
many seconds after the honest agent's add of the same 10-minute slot, so its add pays
cost_weight * 60 / sqrt(phase) coins: 11 at 30 s, 2.5 at 570 s."""
PHASE_ROUNDINGS = ("round", "truncate")
SWEEP_NAMES = tuple(s.name for s in SWEEPS) + (PHASE,)


def select(only: Sequence[str] | None = None) -> tuple[StudySweep, ...]:
    """The study's sweeps, or the named subset (`--only`; `phase` names our own phase sweep)."""
    if not only:
        return SWEEPS
    unknown = [name for name in only if name not in SWEEP_NAMES]
    if unknown:
        raise ConfigError(f"unknown sweep '{unknown[0]}'; choose from: {', '.join(SWEEP_NAMES)}")
    return tuple(s for s in SWEEPS if s.name in only)


def phase_points(base: Config, seeds: Sequence[int]) -> list[Point]:
    """The malicious agent's phase under exact waits and under the study's truncated waits."""
    axes = [Axis.of("wait_rounding", PHASE_ROUNDINGS), Axis.of("agents.Bad.phase_s", PHASE_VALUES, name=PHASE)]
    return grid(axes, base, seeds, sweep=PHASE)


def study_points(base: Config | None = None, seeds: Sequence[int] = range(5),
                 only: Sequence[str] | None = None) -> list[Point]:
    """Every run of the reproduction, the phase sweep, and the defaults themselves (for finding 7)."""
    base = base if base is not None else Config()
    sweeps = select(only)
    points = [Point(DEFAULTS, (), base.replace(seed=seed)) for seed in seeds]    # the headline first
    points += ofat([s.axis for s in sweeps], base, seeds)
    if not only or PHASE in only:
        points += phase_points(base, seeds)
    return points


# -- analysis ------------------------------------------------------------------------------

@dataclass
class SweepAnalysis:
    sweep: StudySweep
    runs: pd.DataFrame            # result rows of this sweep (ok and failed), with a `value` column
    summary: pd.DataFrame         # stats.summary_table
    correlations: pd.DataFrame    # stats.spearman_table

    @property
    def ok(self) -> pd.DataFrame:
        return stats.ok_runs(self.runs)


@dataclass
class Finding:
    number: int
    claim: str
    verdict: str
    evidence: str


@dataclass
class StudyAnalysis:
    sweeps: dict[str, SweepAnalysis]
    ranking: pd.DataFrame
    defaults: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    phase: pd.DataFrame = field(default_factory=pd.DataFrame)   # ok runs of the phase sweep: wait_rounding, phase
    power: pd.DataFrame = field(default_factory=pd.DataFrame)   # seeds needed per part of findings 1 and 3
    base: Config | None = None      # the config every sweep starts from
    phase_swept: bool = False       # whether the phase sweep was among the points asked for


def sweep_runs(results: pd.DataFrame, points: Sequence[Point], sweep: str) -> pd.DataFrame:
    """The stored rows of one sweep's points, with the swept value as column `value`."""
    index = pd.DataFrame([{"config_hash": p.config.digest(), "value": p.value}
                          for p in points if p.sweep == sweep], columns=["config_hash", "value"])
    return index.merge(results, on="config_hash", how="inner")


def analyse(results: pd.DataFrame, points: Sequence[Point]) -> StudyAnalysis:
    """Statistics per sweep, the effect-size ranking, and the findings judged."""
    present = {p.sweep for p in points}
    sweeps = {}
    for sweep in SWEEPS:
        if sweep.name in present:
            runs = sweep_runs(results, points, sweep.name)
            sweeps[sweep.name] = SweepAnalysis(sweep, runs, stats.summary_table(runs),
                                               stats.spearman_table(runs))
    ranking = stats.effect_ranking({name: a.runs for name, a in sweeps.items()})
    defaults = stats.ok_runs(sweep_runs(results, points, DEFAULTS))
    bases = [p.config for p in points if p.sweep == DEFAULTS]
    analysis = StudyAnalysis(sweeps, ranking, defaults, phase=phase_runs(results, points),
                             base=bases[0] if bases else None, phase_swept=any(p.sweep == PHASE for p in points))
    analysis.findings = judge(analysis)
    analysis.power = power_table(analysis)
    return analysis


def phase_runs(results: pd.DataFrame, points: Sequence[Point]) -> pd.DataFrame:
    """The phase sweep's ok runs, with columns `wait_rounding` and `phase` (the malicious phase_s)."""
    index = pd.DataFrame([{"config_hash": p.config.digest(), "rounding": p.config.wait_rounding,
                           PHASE: p.config.agent("Bad").phase_s} for p in points if p.sweep == PHASE],
                         columns=["config_hash", "rounding", PHASE])
    return stats.ok_runs(index.merge(results, on="config_hash", how="inner"))


PHASE_METRICS = (("cost_per_add.Bad", "cost per add (coins)"), ("balance_pct.Bad", "final balance (% of start)"),
                 ("balance_pct.Good", "honest final balance (% of start)"))


def phase_summary(phase: pd.DataFrame) -> pd.DataFrame:
    """Per wait rounding and phase: runs, mean and 95% CI of the malicious cost per add and balances."""
    rows = []
    if phase.empty:
        return pd.DataFrame(rows)
    for (rounding, value), group in phase.groupby(["rounding", PHASE], sort=True):
        row = {"wait_rounding": rounding, "phase_s": int(value), "runs": len(group)}
        for metric, _ in PHASE_METRICS:
            if metric in group.columns:
                n, mean, _sd, low, high = stats.mean_ci(pd.to_numeric(group[metric], errors="coerce").dropna())
                row[metric], row[metric + ".ci_low"], row[metric + ".ci_high"] = mean, low, high
        rows.append(row)
    return pd.DataFrame(rows)


# -- judging the findings -------------------------------------------------------------------

@dataclass
class Part:
    verdict: str
    text: str


def combine(parts: Sequence[Part]) -> str:
    verdicts = [p.verdict for p in parts]
    if DISAGREES in verdicts:
        return DISAGREES
    if verdicts and all(v == AGREES for v in verdicts):
        return AGREES
    if all(v == NOT_RUN for v in verdicts):
        return NOT_RUN
    return INCONCLUSIVE


def _fmt_rho(rho: float) -> str:
    return "n/a (no variation)" if math.isnan(rho) else f"{rho:+.2f}"


def _seeds(n: int) -> str:
    return f"{n} seed" if n == 1 else f"{n} seeds"


NOT_AT_DEFAULTS_IGNORED = ("seed", "dataset", "data_path", "text_column", "label_column")
"""Keys that say which data a run used, not how the contract and agents were set: the study's
defaults are Table I's parameter values on whichever dataset is chosen."""


def differs_from_table_one(config: Config) -> list[str]:
    """The keys in which `config` departs from Table I's parameter values (data choice aside)."""
    mine, table_one = config.flat(), Config().flat()
    return sorted(key for key in set(mine) | set(table_one)
                  if key not in NOT_AT_DEFAULTS_IGNORED and mine.get(key) != table_one.get(key))


def _ci(row) -> str:
    low, high = float(row["ci_low"]), float(row["ci_high"])
    return "95% CI n/a with one seed" if math.isnan(low) else f"95% CI {low:.2f} to {high:.2f}"


def _fmt_p(p: float) -> str:
    return "n/a" if math.isnan(p) else f"{p:.2g}"


def trend(analysis: StudyAnalysis, sweep: str, metric: str, sign: int, claim: str) -> Part:
    """Does `metric` rise (sign +1) or fall (-1) with the swept parameter? Spearman, p < 0.05."""
    if sweep not in analysis.sweeps:
        return Part(NOT_RUN, f"{claim}: sweep '{sweep}' was not run")
    table = analysis.sweeps[sweep].correlations.set_index("metric")
    if metric not in table.index:
        return Part(INCONCLUSIVE, f"{claim}: no '{metric}' measured")
    row = table.loc[metric]
    rho, p = float(row["rho"]), float(row["p_value"])
    if math.isnan(p) or p >= ALPHA:
        verdict = INCONCLUSIVE
    else:
        verdict = AGREES if np.sign(rho) == sign else DISAGREES
    never = f", {int(row['n_never'])} never exhausted" if metric == stats.DEPLETED else ""
    return Part(verdict, f"{claim}: Spearman rho({metric}, {sweep}) = {_fmt_rho(rho)}, p = {_fmt_p(p)}, "
                         f"n = {int(row['n'])}{never} -> {verdict}")


def spread(analysis: StudyAnalysis, sweep: str, metric: str, is_claimed: Callable[[Any], bool],
           claim: str) -> Part:
    """Is the metric more spread across seeds for the claimed values? Levene on residuals."""
    if sweep not in analysis.sweeps:
        return Part(NOT_RUN, f"{claim}: sweep '{sweep}' was not run")
    runs = analysis.sweeps[sweep].ok
    if runs.empty or metric not in runs.columns:
        return Part(INCONCLUSIVE, f"{claim}: no '{metric}' measured")
    y = pd.to_numeric(runs[metric], errors="coerce")
    residual = y - y.groupby(runs["value"]).transform("mean")
    claimed = runs["value"].map(is_claimed).astype(bool)
    inside, outside = residual[claimed].dropna(), residual[~claimed].dropna()
    _, p = stats.levene([inside, outside])
    sd_in, sd_out = (float(g.std(ddof=1)) if len(g) > 1 else math.nan for g in (inside, outside))
    if math.isnan(p) or p >= ALPHA:
        verdict = INCONCLUSIVE
    else:
        verdict = AGREES if sd_in > sd_out else DISAGREES
    return Part(verdict, f"{claim}: seed-to-seed sd of {metric} {sd_in:.4g} (claimed values) vs "
                         f"{sd_out:.4g} (others), Levene p = {_fmt_p(p)} -> {verdict}")


def matters_less(analysis: StudyAnalysis, sweep: str, others: Sequence[str], metric: str, claim: str) -> Part:
    table = analysis.ranking[analysis.ranking["metric"] == metric].set_index("sweep")["effect_size"]
    names = [sweep, *others]
    if any(name not in analysis.sweeps for name in names):
        return Part(NOT_RUN, f"{claim}: needs the sweeps {', '.join(names)}")
    if any(name not in table.index or math.isnan(table[name]) for name in names):
        return Part(INCONCLUSIVE, f"{claim}: no effect size for one of {', '.join(names)}")
    mine, theirs = table[sweep], [table[o] for o in others]
    verdict = AGREES if all(mine < t for t in theirs) else DISAGREES if all(mine > t for t in theirs) else INCONCLUSIVE
    sizes = ", ".join(f"{name} {table[name]:.2f}" for name in names)
    return Part(verdict, f"{claim}: effect size on {metric} (rank eta squared): {sizes} -> {verdict}")


def no_effect(analysis: StudyAnalysis, sweeps: Sequence[str], metrics: Sequence[str], claim: str) -> Part:
    tests = []
    for sweep in sweeps:
        if sweep not in analysis.sweeps:
            return Part(NOT_RUN, f"{claim}: sweep '{sweep}' was not run")
        table = analysis.sweeps[sweep].correlations.set_index("metric")
        tests += [(sweep, m, float(table.loc[m, "rho"]), float(table.loc[m, "p_value"]))
                  for m in metrics if m in table.index]
    ps = [p for *_, p in tests if not math.isnan(p)]
    if not ps:
        verdict = INCONCLUSIVE      # nothing could be tested: no runs, or no variation at all
    elif min(ps) >= ALPHA:
        verdict = AGREES
    elif min(ps) < ALPHA / len(tests):
        verdict = DISAGREES
    else:
        verdict = INCONCLUSIVE
    detail = "; ".join(f"{s}/{m} rho {_fmt_rho(r)} p {_fmt_p(p)}" for s, m, r, p in tests)
    return Part(verdict, f"{claim}: {detail} (Bonferroni threshold {ALPHA / max(len(tests), 1):.2g}) -> {verdict}")


def gap_smallest_near(analysis: StudyAnalysis, centre: int = 800, width: int = 100) -> Part:
    claim = f"the gap is smallest around {centre} words"
    if "num_words" not in analysis.sweeps:
        return Part(NOT_RUN, f"{claim}: sweep 'num_words' was not run")
    table = analysis.sweeps["num_words"].summary
    gap = table[table["metric"] == "gap"].set_index("value")
    if gap.empty or centre not in gap.index:
        return Part(INCONCLUSIVE, f"{claim}: no gap measured at {centre} words")
    best = gap["mean"].idxmin()
    if abs(best - centre) <= width:
        verdict = AGREES
    elif math.isnan(gap.loc[centre, "ci_low"]) or gap.loc[centre, "ci_low"] <= gap.loc[best, "ci_high"]:
        verdict = INCONCLUSIVE      # one seed, or overlapping intervals: the data can't tell them apart
    else:
        verdict = DISAGREES
    return Part(verdict, f"{claim}: smallest mean gap {gap.loc[best, 'mean']:.2f} points at {best} words "
                         f"({_ci(gap.loc[best])}); at {centre}: {gap.loc[centre, 'mean']:.2f} "
                         f"({_ci(gap.loc[centre])}) -> {verdict}")


def exhausted_within_a_day(analysis: StudyAnalysis, sweep: str = "bad_update_wait") -> Part:
    claim = "very short update waits exhaust the malicious balance within a day"
    if sweep not in analysis.sweeps:
        return Part(NOT_RUN, f"{claim}: sweep '{sweep}' was not run")
    runs = analysis.sweeps[sweep].ok
    if runs.empty:
        return Part(INCONCLUSIVE, f"{claim}: no runs")
    shortest = runs["value"].min()
    days = stats.ranked_values(runs[runs["value"] == shortest], stats.DEPLETED)
    within = int((days < 1).sum())
    verdict = AGREES if within == len(days) else DISAGREES if within == 0 else INCONCLUSIVE
    return Part(verdict, f"{claim}: at the malicious agent's shortest wait ({shortest:g} s) {within} of {len(days)} "
                         f"runs exhausted it within a day -> {verdict}")


def end_balances(analysis: StudyAnalysis, good_pct: float = 200, tolerance: float = 20, bad_pct: float = 5) -> Part:
    claim = "at the defaults the honest agent ends near 200% and the malicious one at 0%"
    runs = analysis.defaults
    if analysis.base is not None and differs_from_table_one(analysis.base):
        keys = differs_from_table_one(analysis.base)
        return Part(NOT_RUN, f"{claim}: not run, the runs are not at Table I's defaults ({', '.join(keys)} "
                             f"differ{'s' if len(keys) == 1 else ''})")
    if runs.empty or "balance_pct.Good" not in runs.columns:
        return Part(INCONCLUSIVE, f"{claim}: no runs at the defaults")
    good = stats.mean_ci(runs["balance_pct.Good"].astype(float))
    bad = stats.mean_ci(runs["balance_pct.Bad"].astype(float))
    near = abs(good[1] - good_pct) <= tolerance and bad[1] <= bad_pct
    verdict = AGREES if near else DISAGREES
    ci = [_ci({"ci_low": v[3], "ci_high": v[4]}) for v in (good, bad)]
    return Part(verdict, f"{claim}: over {_seeds(good[0])} the honest agent ends at {good[1]:.1f}% "
                         f"({ci[0]}), the malicious at {bad[1]:.1f}% ({ci[1]}); rule: within {tolerance:g} points of "
                         f"{good_pct:g}% and at most {bad_pct:g}% -> {verdict}")


def _finding(number: int, claim: str, parts: Sequence[Part]) -> Finding:
    return Finding(number, claim, combine(parts), "\n".join(f"- {p.text}" for p in parts))


def finding_1(a: StudyAnalysis) -> Finding:
    return _finding(1, "Accuracy rises with num_words; the gap is smallest around 800 words; fewer words "
                       "take more days to exhaust the malicious balance.", [
        trend(a, "num_words", "final_accuracy", +1, "final accuracy rises with num_words"),
        gap_smallest_near(a),
        trend(a, "num_words", stats.DEPLETED, -1, "fewer words take more days"),
    ])


def finding_2(a: StudyAnalysis) -> Finding:
    return _finding(2, "Accuracy rises with train_size; very small train sizes (< 5%) are unstable; larger "
                       "train sizes exhaust the malicious balance sooner.", [
        trend(a, "train_size", "final_accuracy", +1, "final accuracy rises with train_size"),
        spread(a, "train_size", "final_accuracy", lambda v: v < 0.05, "train sizes below 5% are unstable"),
        trend(a, "train_size", stats.DEPLETED, -1, "larger train sizes exhaust it sooner"),
    ])


def finding_3(a: StudyAnalysis) -> Finding:
    return _finding(3, "mean_deposit matters less than num_words and train_size; a tiny honest deposit (0.5) "
                       "makes results volatile.", [
        matters_less(a, "mean_deposit", ["num_words", "train_size"], "final_accuracy",
                     "mean_deposit matters less"),
        spread(a, "mean_deposit", "final_accuracy", lambda v: v == 0.5, "a 0.5 deposit is volatile"),
    ])


def finding_4(a: StudyAnalysis) -> Finding:
    return _finding(4, "Accuracy rises with submission cost; higher cost exhausts the malicious balance in "
                       "fewer days.", [
        trend(a, "cost_weight", "final_accuracy", +1, "final accuracy rises with cost_weight"),
        trend(a, "cost_weight", stats.DEPLETED, -1, "higher cost exhausts it sooner"),
    ])


def finding_5(a: StudyAnalysis) -> Finding:
    return _finding(5, "A larger start_balance delays exhausting the malicious balance; very short update "
                       "waits exhaust it within a day.", [
        trend(a, "start_balance", stats.DEPLETED, +1, "a larger start_balance delays it"),
        exhausted_within_a_day(a),
    ])


def finding_6(a: StudyAnalysis) -> Finding:
    return _finding(6, "stdev_deposit and prob_mistake have no significant effect.", [
        no_effect(a, ["stdev_deposit", "prob_mistake"], ["final_accuracy", "gap", stats.DEPLETED],
                  "no trend in accuracy, gap or days to exhaust"),
    ])


def finding_7(a: StudyAnalysis) -> Finding:
    return _finding(7, "At the defaults the honest agent ends near 200% of its start balance and the "
                       "malicious one at 0%.", [end_balances(a)])


def phase_trend(analysis: StudyAnalysis, rounding: str, metric: str, sign: int, claim: str) -> Part:
    """Spearman of a metric with the malicious phase, within one wait rounding; p < 0.05 with `sign` agrees."""
    runs = analysis.phase
    if not analysis.phase_swept:
        return Part(NOT_RUN, f"{claim}: the phase sweep was not run")
    if runs.empty or metric not in runs.columns:
        return Part(INCONCLUSIVE, f"{claim}: no finished runs of the phase sweep")
    table = stats.spearman_table(runs[runs["rounding"] == rounding].assign(value=lambda f: f[PHASE]),
                                 metrics=[metric]).set_index("metric")
    rho, p = float(table.loc[metric, "rho"]), float(table.loc[metric, "p_value"])
    if sign == 0:
        verdict = INCONCLUSIVE if math.isnan(p) else AGREES if p >= ALPHA else DISAGREES
    elif math.isnan(p) or p >= ALPHA:
        verdict = INCONCLUSIVE
    else:
        verdict = AGREES if np.sign(rho) == sign else DISAGREES
    return Part(verdict, f"{claim}: Spearman rho({metric}, phase_s) = {rho:+.2f}, p = {_fmt_p(p)}, "
                         f"n = {int(table.loc[metric, 'n'])} ({rounding} waits) -> {verdict}")


def finding_8(a: StudyAnalysis) -> Finding:
    return _finding(8, "(Ours, not the study's.) With exact waits the malicious agent's phase decides its fate: "
                       "adding just before the honest agent (a long gap since the last add) costs less per add "
                       "and leaves it more money; the study's truncated waits make the phase drift through "
                       "every value, so the effect averages out.", [
        phase_trend(a, "round", "cost_per_add.Bad", -1, "exact waits: a later phase pays less per add"),
        phase_trend(a, "round", "balance_pct.Bad", +1, "exact waits: a later phase keeps more"),
        phase_trend(a, "truncate", "balance_pct.Bad", 0, "truncated waits: no trend in what it keeps"),
    ])


FINDINGS = (finding_1, finding_2, finding_3, finding_4, finding_5, finding_6, finding_7, finding_8)


# -- power: how many seeds would settle findings 1 and 3 --------------------------------------

Z_ALPHA, Z_POWER = 1.959964, 0.841621     # two-sided alpha 0.05, power 0.80
MAX_SEEDS = 10_000


def _seeds_for_correlation(rho: float, num_values: int) -> int | None:
    """Seeds per value for a Spearman test to reach p < 0.05 with 80% power at the measured rho.

    Fisher's z with the usual 1.06 variance factor for Spearman (Fieller, Hartley and Pearson):
    n = 3 + 1.06 * ((z_alpha + z_power) / atanh(rho))**2 runs in all, spread over the values.
    """
    if math.isnan(rho) or rho == 0:
        return None
    n = 3 + 1.06 * ((Z_ALPHA + Z_POWER) / math.atanh(min(abs(rho), 0.999))) ** 2
    return max(2, math.ceil(n / num_values))


def _seeds_for_difference(delta: float, sd_a: float, sd_b: float) -> int | None:
    """Seeds per value for two means `delta` apart to be told apart (two-sided 0.05, power 0.80)."""
    if any(math.isnan(v) for v in (delta, sd_a, sd_b)) or delta == 0:
        return None
    return max(2, math.ceil((Z_ALPHA + Z_POWER) ** 2 * (sd_a ** 2 + sd_b ** 2) / delta ** 2))


def _seeds_for_variance_ratio(sd_in: float, sd_out: float, groups_out: int) -> int | None:
    """Seeds per value for Levene-like detection of the measured spread ratio (log-variance normal approx.)."""
    if any(math.isnan(v) or v <= 0 for v in (sd_in, sd_out)) or sd_in == sd_out:
        return None
    target = (math.log(sd_in ** 2 / sd_out ** 2) / (Z_ALPHA + Z_POWER)) ** 2
    for seeds in range(2, MAX_SEEDS):
        if 2 / (seeds - 1) + 2 / (groups_out * seeds - 1) <= target:
            return seeds
    return None


def power_table(analysis: StudyAnalysis) -> pd.DataFrame:
    """For each tested part of findings 1 and 3: the measured effect, seeds per value now and needed."""
    rows = []

    def row(finding: int, part: str, measured: str, now: float, needed: int | None, note: str = "") -> None:
        rows.append({"finding": finding, "part": part, "measured": measured, "seeds_now": now,
                     "seeds_needed": needed, "note": note})

    for finding, sweep, metric, part in ((1, "num_words", "final_accuracy", "accuracy rises with num_words"),
                                         (1, "num_words", stats.DEPLETED, "fewer words take more days")):
        if sweep in analysis.sweeps:
            table = analysis.sweeps[sweep].correlations.set_index("metric")
            values = analysis.sweeps[sweep].ok["value"].nunique()
            if metric in table.index and values:
                rho, n = float(table.loc[metric, "rho"]), int(table.loc[metric, "n"])
                row(finding, part, f"rho {rho:+.2f}", round(n / values, 1), _seeds_for_correlation(rho, values),
                    "Spearman, Fisher z")
    if "num_words" in analysis.sweeps:
        gap = analysis.sweeps["num_words"].summary
        gap = gap[gap["metric"] == "gap"].set_index("value")
        if not gap.empty and 800 in gap.index:
            best = gap["mean"].idxmin()
            delta = float(gap.loc[800, "mean"] - gap.loc[best, "mean"])
            needed = None if abs(best - 800) <= 100 else _seeds_for_difference(delta, float(gap.loc[800, "sd"]),
                                                                              float(gap.loc[best, "sd"]))
            row(1, "the gap is smallest around 800 words", f"gap at 800 minus smallest ({best:g} words): "
                f"{delta:.2f} points", float(gap.loc[800, "n"]), needed,
                "already within 100 words" if abs(best - 800) <= 100 else "two means apart")
    runs = analysis.sweeps["mean_deposit"].ok if "mean_deposit" in analysis.sweeps else pd.DataFrame()
    if not runs.empty and "final_accuracy" in runs.columns:
        y = pd.to_numeric(runs["final_accuracy"], errors="coerce")
        residual = y - y.groupby(runs["value"]).transform("mean")
        claimed = runs["value"] == 0.5
        sd_in, sd_out = float(residual[claimed].std(ddof=1)), float(residual[~claimed].std(ddof=1))
        values = runs["value"].nunique()
        row(3, "a 0.5 deposit is volatile", f"sd {sd_in:.4g} vs {sd_out:.4g}", round(len(runs) / max(values, 1), 1),
            _seeds_for_variance_ratio(sd_in, sd_out, max(values - 1, 1)) if sd_in > sd_out else None,
            "Levene, log-variance approximation" if sd_in > sd_out else "the claimed values are not more spread")
    ranking = analysis.ranking
    if not ranking.empty:
        sizes = ranking[ranking["metric"] == "final_accuracy"].set_index("sweep")["effect_size"]
        if {"mean_deposit", "num_words", "train_size"} <= set(sizes.index):
            row(3, "mean_deposit matters less", ", ".join(f"{k} {sizes[k]:.2f}" for k in
                                                           ("mean_deposit", "num_words", "train_size")),
                math.nan, None, "a comparison of effect sizes, not a test: more seeds narrow it but set no threshold")
    return pd.DataFrame(rows, columns=["finding", "part", "measured", "seeds_now", "seeds_needed", "note"])


def judge(analysis: StudyAnalysis) -> list[Finding]:
    return [finding(analysis) for finding in FINDINGS]
