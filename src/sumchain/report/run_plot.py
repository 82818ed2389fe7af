"""The single-run figure: every balance as percent of its start, and the model's accuracy, over days."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sumchain.files import atomic_path  # noqa: E402


def plot_run(timeseries: pd.DataFrame, metrics: dict, path: str | Path, title: str = "") -> Path:
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    for column in [c for c in timeseries.columns if c.startswith("balance_pct.")]:
        ax.plot(timeseries["day"], timeseries[column], label=f"{column.split('.', 1)[1]} balance")
    measured = timeseries.dropna(subset=["accuracy"])
    ax.plot(measured["day"], 100 * measured["accuracy"], color="black", marker=".", label="model accuracy")
    ax.axhline(100 * metrics["baseline_accuracy"], color="grey", linestyle="--",
               label=f"baseline accuracy ({100 * metrics['baseline_accuracy']:.1f}%)")
    if metrics.get("bad_depleted_day") is not None:
        ax.axvline(metrics["bad_depleted_day"], color="tab:red", linestyle=":", linewidth=1,
                   label=f"malicious balance exhausted (day {metrics['bad_depleted_day']:.1f})")
    ax.set_xlabel("simulated days")
    ax.set_ylabel("percent (balance of start, accuracy)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title or "Balances and model accuracy over time")
    fig.tight_layout()
    with atomic_path(Path(path)) as temp:
        fig.savefig(temp, format="png")
    plt.close(fig)
    return Path(path)
