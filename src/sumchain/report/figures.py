"""Sweep figures: one PNG per study sweep, drawn from the statistics tables after the runs.

Three panels against the swept parameter: accuracy before (baseline) and after the simulation,
mean with its 95% band across seeds; the gap; and the days until the malicious balance was
exhausted, each run a dot, with runs that never exhausted it drawn as triangles on a "never" line
above the axis (they are results, not missing data). The x axis is logarithmic where the values
span two decades or more (symmetric-log when one of them is 0).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sumchain.experiments import stats  # noqa: E402
from sumchain.experiments.study import SweepAnalysis  # noqa: E402
from sumchain.files import atomic_path, plural  # noqa: E402

NEVER_LABEL = "never"


def sweep_figure(analysis: SweepAnalysis, path: str | Path) -> Path:
    """Draw the sweep's three panels into `path` (PNG, written atomically)."""
    sweep = analysis.sweep
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    _accuracy_panel(axes[0], analysis.summary)
    _band(axes[1], analysis.summary, "gap", "gap (baseline - final)", "tab:purple")
    axes[1].set_ylabel("percentage points")
    _depletion_panel(axes[2], analysis)
    values = sorted(pd.to_numeric(analysis.summary["value"]).unique())
    for ax in axes:
        _x_scale(ax, values)
        ax.set_xlabel(sweep.label)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{sweep.name} ({sweep.figures}); {_seeds_text(analysis)}")
    return save_figure(fig, path)


def save_figure(fig, path: str | Path) -> Path:
    """Write the figure as PNG atomically and free it."""
    path = Path(path)
    with atomic_path(path) as temp:
        fig.savefig(temp, format="png", dpi=100)
    plt.close(fig)
    return path


def _seeds_text(analysis: SweepAnalysis) -> str:
    runs = analysis.runs
    failed = int((runs["status"] != "ok").sum()) if "status" in runs else 0
    per_value = runs.groupby("value").size()
    seeds = f"{per_value.min()}" if per_value.min() == per_value.max() else f"{per_value.min()}-{per_value.max()}"
    seeds += " seed" if per_value.max() == 1 else " seeds"
    return f"{seeds} per value, mean and 95% CI" + (f", {plural(failed, 'failed run')} left out" if failed else "")


def _metric(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    return summary[summary["metric"] == metric].sort_values("value")


def _band(ax, summary: pd.DataFrame, metric: str, label: str, color: str, scale: float = 1.0) -> None:
    table = _metric(summary, metric)
    if table.empty:
        return
    x = table["value"].to_numpy(float)
    ax.plot(x, scale * table["mean"], marker="o", ms=4, color=color, label=label)
    ax.fill_between(x, scale * table["ci_low"], scale * table["ci_high"], color=color, alpha=0.2, linewidth=0)


def _accuracy_panel(ax, summary: pd.DataFrame) -> None:
    _band(ax, summary, "baseline_accuracy", "baseline (all clean data)", "tab:gray", 100)
    _band(ax, summary, "initial_accuracy", "initial (deployed)", "tab:orange", 100)
    _band(ax, summary, "final_accuracy", "final (after the simulation)", "tab:blue", 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("accuracy")
    _legend(ax)


def _depletion_panel(ax, analysis: SweepAnalysis) -> None:
    runs = analysis.ok
    ax.set_title("days until the malicious balance is exhausted")
    ax.set_ylabel("day")
    if runs.empty or stats.DEPLETED not in runs:
        return
    never = stats.never_exhausted(runs)
    days = pd.to_numeric(runs[stats.DEPLETED], errors="coerce")
    x = runs["value"].to_numpy(float)
    ax.scatter(x[~never], days[~never], s=14, alpha=0.5, color="tab:red", label="a run")
    _band(ax, analysis.summary, stats.DEPLETED, "mean of exhausted runs", "tab:red")
    finite = days[~never].dropna()
    highest = float(finite.max()) if len(finite) else 1.0
    top = highest * 1.15
    ticks = [t for t in MaxNLocator(5).tick_values(0, highest) if 0 <= t <= highest * 1.05]
    if never.any():
        counts = pd.Series(x[never]).value_counts()
        ax.scatter(counts.index, np.full(len(counts), top), marker="^", s=30, color="black",
                   label=f"{NEVER_LABEL} exhausted ({plural(int(never.sum()), 'run')})")
        for value, count in counts.items():
            ax.annotate(f"{count}", (value, top), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=7)
        ax.axhline(top, color="black", lw=0.5, ls=":")
        ax.set_yticks(ticks + [top], [f"{t:g}" for t in ticks] + [NEVER_LABEL])
    ax.set_ylim(bottom=0, top=top * 1.12)
    _legend(ax)


def _legend(ax) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def _x_scale(ax, values: list[float]) -> None:
    positive = [v for v in values if v > 0]
    if len(positive) < 2 or max(positive) / min(positive) < 100:
        return
    if len(positive) < len(values):
        ax.set_xscale("symlog", linthresh=min(positive))
        ax.set_xlim(-0.3 * min(positive), max(positive) * 1.5)
    else:
        ax.set_xscale("log")


def write_sweep_figures(analyses: dict[str, SweepAnalysis], folder: str | Path) -> dict[str, Path]:
    """One PNG per sweep, named after it; returns {sweep name: path}."""
    folder = Path(folder)
    return {name: sweep_figure(analysis, folder / f"{name}.png") for name, analysis in analyses.items()}


PHASE_COLORS = {"round": "tab:red", "truncate": "tab:blue"}
PHASE_LABELS = {"round": "exact waits (round)", "truncate": "the study's waits (truncate)"}


def phase_figure(summary: pd.DataFrame, runs: pd.DataFrame, path: str | Path) -> Path:
    """Our phase sweep: the malicious agent's cost per add and final balance against its phase."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    panels = (("cost_per_add.Bad", "malicious cost per add (coins)"),
              ("balance_pct.Bad", "malicious final balance (% of start)"))
    for ax, (metric, title) in zip(axes, panels):
        for rounding, table in summary.groupby("wait_rounding"):
            color = PHASE_COLORS.get(rounding, "tab:gray")
            x = table["phase_s"].to_numpy(float)
            ax.plot(x, table[metric], marker="o", ms=4, color=color, label=PHASE_LABELS.get(rounding, rounding))
            ax.fill_between(x, table[metric + ".ci_low"], table[metric + ".ci_high"], color=color, alpha=0.2,
                            linewidth=0)
            mine = runs[runs["rounding"] == rounding]
            ax.scatter(mine["phase"], pd.to_numeric(mine[metric], errors="coerce"), s=10, alpha=0.4, color=color)
        ax.set_xlabel("malicious phase_s: seconds after the honest agent's add")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        _legend(ax)
    per = summary["runs"]
    seeds = f"{per.min()}" if per.min() == per.max() else f"{per.min()}-{per.max()}"
    seeds += " seed" if per.max() == 1 else " seeds"
    fig.suptitle(f"phase of the malicious agent; {seeds} per point, mean and 95% CI")
    return save_figure(fig, path)
