"""The design-space study's report: `report.md`, figures and tables (`sumchain study`).

Layout of the output folder (beside the results store):
- `figures/pairs.png`: final accuracy, gap and the malicious final balance for every (mechanism,
  model) pair, as heat maps of the mean across seeds;
- `figures/adversaries.png`: the malicious final balance and the gap per adversary and mechanism;
- `figures/bad_share.png`: the gap, the final accuracy and the measured share of malicious adds
  against the set bad share, mean and 95% band per mechanism;
- `stats/scenarios.csv` (one row per scenario: mean and 95% interval per metric), `stats/runs.csv`
  (one row per run), `stats/adversary_matrix.csv`, `stats/answers.csv`;
- `report.md`.
Everything is drawn from the analysis tables after the runs, and written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sumchain.experiments import design_space as ds  # noqa: E402
from sumchain.files import atomic_path, plural, write_text  # noqa: E402
from sumchain.report.figures import save_figure  # noqa: E402
from sumchain.report.study_report import markdown_table  # noqa: E402


def write_design_report(analysis: ds.DesignAnalysis, out: str | Path, meta: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write figures, tables and `report.md` into `out`; return their paths."""
    out = Path(out)
    figures = {}
    for section, draw in ((ds.PAIRS, pairs_figure), (ds.ADVERSARIES, adversaries_figure), (ds.BAD_SHARE, bad_share_figure)):
        rows = ds.scenario_rows(analysis.table, section)
        if not rows.empty:
            figures[section] = draw(rows, out / "figures" / f"{section}.png")
    tables = {"scenarios": analysis.table, "runs": analysis.runs,
              "adversary_matrix": ds.adversary_matrix(analysis.runs, analysis.table),
              "answers": pd.DataFrame([{"question": q, "status": analysis.status(q), "answer": a}
                                       for q, a in analysis.answers.items()], columns=["question", "status", "answer"])}
    for name, frame in tables.items():
        with atomic_path(out / "stats" / f"{name}.csv") as temp:
            frame.to_csv(temp, index=False)
    report = write_text(out / "report.md", markdown(analysis, figures, out, dict(meta or {})))
    return {"report.md": report, **{f"figures/{k}.png": v for k, v in figures.items()}}


# -- figures ---------------------------------------------------------------------------------------

def _heatmap(ax, rows: pd.DataFrame, index: str, columns: str, metric: str, title: str, scale: float,
             cmap: str) -> None:
    """Mean per cell, rows and columns in the scenarios' order, each cell labelled in a colour that
    stays readable on its background."""
    if metric not in rows:
        ax.set_axis_off()
        return
    grid = rows.pivot(index=index, columns=columns, values=metric) * scale
    grid = grid.reindex(index=list(dict.fromkeys(rows[index])), columns=list(dict.fromkeys(rows[columns])))
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for (i, j), value in np.ndenumerate(values):
        if not math.isnan(value):
            shade = image.cmap(image.norm(value))
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_title(title)
    plt.colorbar(image, ax=ax, shrink=0.8)


HeatPanel = tuple[str, str, float, str]
"""A heat-map panel: the metric, its title, the factor to its unit, and the colour map."""


def heatmaps_figure(rows: pd.DataFrame, index: str, columns: str, panels: tuple[HeatPanel, ...], title: str,
                    path: Path) -> Path:
    """One heat map per panel, `index` down and `columns` across, titled with the seeds per cell."""
    fig, axes = plt.subplots(1, len(panels), figsize=(17, 4.5), constrained_layout=True)
    for ax, (metric, label, scale, cmap) in zip(axes, panels):
        _heatmap(ax, rows, index, columns, metric, label, scale, cmap)
    fig.suptitle(f"{title}; mean of {plural(int(rows['runs'].max()), 'seed')}")
    return save_figure(fig, path)


def pairs_figure(rows: pd.DataFrame, path: Path) -> Path:
    return heatmaps_figure(rows, "incentive", "model", (
        ("final_accuracy", "final accuracy (%)", 100, "viridis"),
        ("gap", "gap (points; lower is better)", 1, "magma_r"),
        (ds.MALICIOUS, "malicious final balance (% of start)", 1, "magma_r")),
        "every (mechanism, model) pair, default scenario", path)


def adversaries_figure(rows: pd.DataFrame, path: Path) -> Path:
    return heatmaps_figure(rows, "adversary", "incentive", (
        (ds.MALICIOUS, "malicious final balance (% of start)", 1, "magma_r"),
        ("gap", "gap (points)", 1, "magma_r"),
        (ds.HONEST, "honest final balance (% of start)", 1, "viridis")),
        "each adversary in place of the flipper", path)


def bad_share_figure(rows: pd.DataFrame, path: Path) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    panels = (("gap", "gap (points)", 1), ("final_accuracy", "final accuracy (%)", 100),
              (ds.SUBMITTED, "measured share of malicious adds", 1))
    for ax, (metric, label, scale) in zip(axes, panels):
        for mechanism, group in rows.groupby("incentive", sort=False):
            if metric not in group:
                continue
            group = group.sort_values("bad_share")
            x = group["bad_share"].to_numpy(dtype=float)
            ax.plot(x, group[metric] * scale, marker="o", label=mechanism)
            if f"{metric}.ci_low" in group:
                ax.fill_between(x, group[f"{metric}.ci_low"] * scale, group[f"{metric}.ci_high"] * scale, alpha=0.2)
        if metric == ds.SUBMITTED:
            ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="as set")
        ax.set_xlabel("bad_share (set)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"the good:bad ratio; mean and 95% band over {plural(int(rows['runs'].max()), 'seed')}")
    return save_figure(fig, path)


# -- markdown --------------------------------------------------------------------------------------

def _cell(row: pd.Series, metric: str, scale: float) -> str:
    mean = row.get(metric, math.nan)
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "never" if metric == ds.stats.DEPLETED and row.get("never_exhausted", 0) else ""
    low, high = row.get(f"{metric}.ci_low", math.nan), row.get(f"{metric}.ci_high", math.nan)
    text = f"{mean * scale:.2f}" + ("" if low is None or math.isnan(low) else f" [{low * scale:.2f}, {high * scale:.2f}]")
    if metric == ds.stats.DEPLETED and row.get("never_exhausted", 0):
        text += f" (never in {int(row['never_exhausted'])})"
    return text


def section_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A section's scenarios as text: factors, runs, and 'mean [95% CI]' per metric."""
    factors = [c for c in ("incentive", "model", "adversary", "bad_share") if c in rows and rows[c].notna().any()]
    out = []
    for _, row in rows.iterrows():
        out.append({**{f: row[f] for f in factors}, "runs": int(row["runs"]),
                    **{title: _cell(row, metric, scale) for metric, title, scale in ds.METRICS if metric in rows}})
    return pd.DataFrame(out)


TITLES = {ds.PAIRS: "Every (mechanism, model) pair", ds.ADVERSARIES: "Adversaries",
          ds.BAD_SHARE: "The good:bad ratio"}


def _marked(answer: str) -> str:
    """The answer with its leading 'undecided' in bold, so it is not read past."""
    return f"**{ds.UNDECIDED}**{answer[len(ds.UNDECIDED):]}" if answer.startswith(ds.UNDECIDED) else answer


def markdown(analysis: ds.DesignAnalysis, figures: Mapping[str, Path], out: Path, meta: Mapping[str, str]) -> str:
    lines = ["# The design space, measured", "",
             *(f"- {key}: {value}" for key, value in meta.items()), "",
             "Intervals are 95% Student-t intervals across seeds; comparisons are paired by seed (a seed fixes the "
             "data, the initial model and every agent's generator). 'never' counts runs in which the malicious "
             "balance was never exhausted.", "",
             f"An answer the runs cannot decide is marked *undecided*, with the reason: fewer than {ds.MIN_SEEDS} "
             "seeds (a paired interval from two rests on a single comparison), no malicious balance exhausted in any "
             "run of the arms compared (the runs end before the deposit loop could drain one, so surviving them shows "
             "nothing), or, for the bad share, a rank correlation that is not significant.", "", "## Answers", ""]
    lines += [f"**{question}** {_marked(answer)}." for question, answer in analysis.answers.items()] or ["(no runs)"]
    for section in ds.SECTIONS:
        rows = ds.scenario_rows(analysis.table, section)
        if rows.empty:
            continue
        lines += ["", f"## {TITLES[section]}", ""]
        if section in figures:
            lines += [f"![{section}]({figures[section].relative_to(out).as_posix()})", ""]
        lines.append(markdown_table(section_table(rows)))
        if section == ds.ADVERSARIES:
            lines += ["", markdown_table(ds.adversary_matrix(analysis.runs, analysis.table))]
    return "\n".join(lines) + "\n"
