"""Statistics over sweep results: mean and 95% CI per value, rank correlations, effect sizes.

Runs whose malicious balance was never exhausted have no `bad_depleted_day`. They are never
dropped silently: summaries count them (`n_never`) and give the mean over the exhausted runs;
rank statistics (Spearman, effect size) treat "never" as later than any day, which is what it
means for a run that ended without exhausting the balance.

Effect size: eta squared of the rank-transformed metric, i.e. the share of the metric's rank
variance that the parameter value explains (between-value sum of squares of the ranks over their
total sum of squares; 0 = no effect, 1 = the value decides the ranking). Ranks make it
comparable across metrics and sweeps, robust to outliers, and able to place "never" runs. With
one run per value (a single seed) it is undefined (NaN): every value would "explain" everything.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
# scipy.stats is imported where it is used: it takes most of a second, and building the command-line
# parser imports this module for every sumchain command

CONFIDENCE = 0.95
DEPLETED = "bad_depleted_day"
METRICS = ("initial_accuracy", "final_accuracy", "baseline_accuracy", "gap", DEPLETED,
           "balance_pct.Good", "balance_pct.Bad")


def ok_runs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "ok"] if "status" in frame.columns else frame


def never_exhausted(frame: pd.DataFrame) -> pd.Series:
    """Runs with a malicious agent whose balance never fell to the depletion threshold."""
    has_bad = frame["bad_min_pct"].notna() if "bad_min_pct" in frame.columns else True
    return frame[DEPLETED].isna() & has_bad


def ranked_values(frame: pd.DataFrame, metric: str) -> pd.Series:
    """The metric as numbers, with "never exhausted" as +inf for rank statistics."""
    values = pd.to_numeric(frame[metric], errors="coerce").astype(float)
    if metric == DEPLETED:
        values = values.mask(never_exhausted(frame), math.inf)
    return values


def mean_ci(values) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, low, high): Student-t 95% interval across seeds; NaN when n < 2."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    from scipy import stats as sstats
    half = float(sstats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def summary_table(frame: pd.DataFrame, by: str = "value", metrics=METRICS) -> pd.DataFrame:
    """Long table: one row per (value, metric) with n, mean, sd, ci_low, ci_high, n_never."""
    frame = ok_runs(frame)
    rows = []
    for value, group in frame.groupby(by, sort=True):
        for metric in metrics:
            if metric not in group.columns:
                continue
            n_never = int(never_exhausted(group).sum()) if metric == DEPLETED else 0
            values = pd.to_numeric(group[metric], errors="coerce")
            n, mean, sd, low, high = mean_ci(values.dropna())
            rows.append({by: value, "metric": metric, "runs": len(group), "n": n, "mean": mean, "sd": sd,
                         "ci_low": low, "ci_high": high, "n_never": n_never})
    return pd.DataFrame(rows, columns=[by, "metric", "runs", "n", "mean", "sd", "ci_low", "ci_high", "n_never"])


def spearman_table(frame: pd.DataFrame, by: str = "value", metrics=METRICS) -> pd.DataFrame:
    """Spearman rank correlation of each metric with the parameter, with its two-sided p-value."""
    frame = ok_runs(frame)
    rows = []
    for metric in metrics:
        if metric not in frame.columns:
            continue
        y = ranked_values(frame, metric)
        keep = y.notna()
        x = pd.to_numeric(frame[by], errors="coerce")[keep]
        rho, p = spearman(x.to_numpy(float), y[keep].to_numpy(float))
        rows.append({"metric": metric, "rho": rho, "p_value": p, "n": int(keep.sum()),
                     "n_never": int(never_exhausted(frame).sum()) if metric == DEPLETED else 0})
    return pd.DataFrame(rows, columns=["metric", "rho", "p_value", "n", "n_never"])


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and p; NaN when either side is constant or there are fewer than 3 points."""
    if len(x) < 3 or np.unique(x).size < 2 or np.unique(y).size < 2:
        return math.nan, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from scipy import stats as sstats
        result = sstats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def effect_size(frame: pd.DataFrame, metric: str, by: str = "value") -> float:
    """Eta squared of the metric's ranks across the parameter's values (see the module doc)."""
    frame = ok_runs(frame)
    if metric not in frame.columns:
        return math.nan
    y = ranked_values(frame, metric)
    keep = y.notna()
    if keep.sum() < 2:
        return math.nan
    groups = frame.loc[keep, by]
    if keep.sum() <= groups.nunique():
        return math.nan     # one run per value: no seed-to-seed spread to compare the effect with
    from scipy import stats as sstats
    ranks = pd.Series(sstats.rankdata(y[keep]), index=y[keep].index)
    total = float(((ranks - ranks.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    means = ranks.groupby(groups).transform("mean")
    return float(((means - ranks.mean()) ** 2).sum()) / total


def effect_ranking(frames: dict[str, pd.DataFrame], metrics=METRICS, by: str = "value") -> pd.DataFrame:
    """Per metric, the sweeps ranked by effect size (rank 1 = the parameter that matters most)."""
    rows = [{"metric": metric, "sweep": name, "effect_size": effect_size(frame, metric, by)}
            for metric in metrics for name, frame in frames.items()]
    table = pd.DataFrame(rows, columns=["metric", "sweep", "effect_size"])
    table["rank"] = table.groupby("metric")["effect_size"].rank(ascending=False, method="min")
    return table.sort_values(["metric", "rank"], kind="stable").reset_index(drop=True)


def levene(groups: list) -> tuple[float, float]:
    """Levene's test (median-centred) that the groups' spreads differ; NaN when it can't be run."""
    groups = [np.asarray(g, dtype=float) for g in groups]
    groups = [g[~np.isnan(g)] for g in groups]
    if len(groups) < 2 or any(len(g) < 2 for g in groups):
        return math.nan, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from scipy import stats as sstats
        result = sstats.levene(*groups, center="median")
    return float(result.statistic), float(result.pvalue)


HEADLINE = (("final_accuracy", "final acc. %", 100.0), ("gap", "gap (points)", 1.0),
            (DEPLETED, "exhausted (day)", 1.0))
"""What a sweep prints per point: the metric, its column title, and the factor to its unit."""


def point_table(points, results: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """One row per swept point (its values, over every seed): how many runs, how many failed, and the
    mean of the headline metrics and of each agent's final balance (% of start), rounded.

    `points` are `sumchain.experiments.grid.Point`s; `results` the store's table. Days to exhaust are
    the mean over the runs that exhausted the malicious balance; `never` counts the others."""
    seeds: dict[tuple, list[str]] = {}
    for point in points:
        seeds.setdefault(point.values, []).append(point.config.digest())
    balances = [c for c in results.columns if c.startswith("balance_pct.")]
    factors = list(dict.fromkeys(name for values in seeds for name, _ in values))
    rows = []
    for values, hashes in seeds.items():
        found = results[results["config_hash"].isin(set(hashes))] if len(results) else results
        ok = ok_runs(found)
        row = {**dict(values), "runs": len(set(hashes)), "failed": len(found) - len(ok)}
        for metric, title, scale in HEADLINE:
            if metric in ok.columns:
                row[title] = pd.to_numeric(ok[metric], errors="coerce").mean() * scale
        if DEPLETED in ok.columns and len(ok):
            row["never"] = int(never_exhausted(ok).sum())
        for column in balances:
            row[f"{column.removeprefix('balance_pct.')} %"] = pd.to_numeric(ok[column], errors="coerce").mean()
        rows.append(row)
    table = pd.DataFrame(rows).round(digits)
    for name in factors:        # as given (1 stays 1); one-factor-at-a-time points leave the others blank
        table[name] = pd.Series([dict(values).get(name, "") for values in seeds], dtype=object)
    return table[factors + [c for c in table.columns if c not in factors]]
