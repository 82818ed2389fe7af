"""The tune's report: the Pareto front and parameter-importance figures, tables, `report.md`, `report.html`.

Layout of the output folder (beside the results store and the Optuna journal):
- `figures/pareto.png`: every trial's worst-case gap against the honest return, coloured by mechanism,
  the front ringed, Table I a star, each front design's held-out position joined to its search one;
- `figures/importance.png`: each parameter's importance (PED-ANOVA) for each objective;
- `stats/trials.csv` (every trial), `stats/front.csv` (the front and Table I on held-out seeds, with
  paired differences from Table I), `stats/importance.csv`;
- `report.md` (links the PNGs) and `report.html` (the PNGs embedded: one file to share).
The plain answer (`answer`) is printed by the command and heads both reports.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sumchain.experiments.tune import OBJECTIVES, TABLE_ONE  # noqa: E402
from sumchain.files import atomic_path, fixed, plural, write_text  # noqa: E402
from sumchain.report.study_report import STYLE, _html_table, _png_data_uri, markdown_table  # noqa: E402

MECHANISM_COLOURS = {"stakeable": "tab:blue", "quality_priced": "tab:orange"}
TITLES = {name: title for name, _, title in OBJECTIVES}
UNITS = {"gap": " points", "honest_return": " points of start", "malicious_balance": " points of start"}


def write_tune_report(out: str | Path, trials: pd.DataFrame, front: pd.DataFrame, importance: pd.DataFrame,
                      meta: Mapping[str, str] | None = None) -> str:
    """Write figures, tables and both reports into `out`; return the plain answer."""
    out = Path(out)
    figures = {"pareto": pareto_figure(trials, front, out / "figures" / "pareto.png")}
    if not importance.empty:
        figures["importance"] = importance_figure(importance, out / "figures" / "importance.png")
    for name, frame in (("trials", trials), ("front", front), ("importance", importance)):
        with atomic_path(out / "stats" / f"{name}.csv") as temp:
            frame.to_csv(temp, index=False)
    text = answer(front, trials, meta or {})
    write_text(out / "report.md", markdown(text, trials, front, figures, out, dict(meta or {})))
    write_text(out / "report.html", html_page(text, trials, front, figures, dict(meta or {})))
    return text


# -- the answer ------------------------------------------------------------------------------------

def _diff_text(row: Mapping, name: str) -> str:
    mean, low, high = row.get(f"diff.{name}"), row.get(f"diff.{name}.low"), row.get(f"diff.{name}.high")
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    interval = "" if low is None or math.isnan(low) else f" [{fixed(low, 2, sign=True)}, {fixed(high, 2, sign=True)}]"
    return f"{fixed(mean, 2, sign=True)}{interval}"


def design_text(row: Mapping) -> str:
    params = {k.removeprefix("param."): v for k, v in row.items() if str(k).startswith("param.")
              and v is not None and not (isinstance(v, float) and math.isnan(v))}
    return ", ".join(f"{k}={_value(v)}" for k, v in params.items())


def _value(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def answer(front: pd.DataFrame, trials: pd.DataFrame, meta: Mapping[str, str]) -> str:
    """Which designs dominate Table I on held-out seeds, by how much, and which adversary binds each."""
    against = f"against {meta.get('adversaries', 'these adversaries')} on {meta.get('dataset', 'this data')}"
    if front.empty or "verdict" not in front:
        return f"No design was evaluated on held-out seeds {against}."
    designs = front[front["design"] != TABLE_ONE]
    beats = designs[designs["verdict"] == "beats"]
    table_one_on_front = bool(not trials.empty and trials.loc[trials["table_one"] & trials["pareto"]].shape[0])
    lines = []
    if len(beats):
        lines.append(f"{against.capitalize()}, {plural(len(beats), 'design')} of the front "
                     f"{'dominates' if len(beats) == 1 else 'dominate'} Table I on "
                     f"held-out seeds (paired 95% intervals excluding zero on at least one objective, losing on none):")
        for _, row in beats.iterrows():
            lines.append(f"- {row['design']} ({design_text(row)}): " + "; ".join(
                f"{TITLES[n]} {_diff_text(row, n)}" for n, _, _ in OBJECTIVES) + f"; binding adversary: {row['binding']}")
    else:
        lines.append(f"{against.capitalize()}, no design of the front beats Table I on held-out seeds with a paired "
                     f"95% interval excluding zero without losing on another objective.")
    others = designs[designs["verdict"] != "beats"]
    for _, row in others.iterrows():
        lines.append(f"- {row['design']} ({design_text(row)}) {row['verdict']} Table I: " + "; ".join(
            f"{TITLES[n]} {_diff_text(row, n)}" for n, _, _ in OBJECTIVES) + f"; binding adversary: {row['binding']}")
    reference = front[front["design"] == TABLE_ONE]
    if len(reference):
        row = reference.iloc[0]
        lines.append(f"Table I on held-out seeds: gap {fixed(row['heldout.gap'], 2)} points, honest return "
                     f"{fixed(row['heldout.honest_return'], 2, sign=True)}%, malicious balance "
                     f"{fixed(row['heldout.malicious_balance'], 1)}%; binding adversary: {row['binding']}"
                     f"{'; it is itself on the search front' if table_one_on_front else ''}.")
    return "\n".join(lines)


# -- figures ---------------------------------------------------------------------------------------

def pareto_figure(trials: pd.DataFrame, front: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 5.5), constrained_layout=True)
    done = trials[trials["state"] == "complete"] if not trials.empty else trials
    mechanism = done.get("param.incentive", pd.Series(["stakeable"] * len(done), index=done.index)).fillna("stakeable")
    for name, colour in MECHANISM_COLOURS.items():
        part = done[mechanism == name]
        if len(part):
            ax.scatter(part["gap"], part["honest_return"], s=22, alpha=0.45, color=colour, label=f"trial: {name}")
            ring = part[part["pareto"]]
            ax.scatter(ring["gap"], ring["honest_return"], s=110, facecolors="none", edgecolors=colour, linewidths=1.6)
    table_one = done[done["table_one"]] if "table_one" in done else done.iloc[0:0]
    if len(table_one):
        ax.scatter(table_one["gap"], table_one["honest_return"], marker="*", s=260, color="black",
                   label="Table I (search seeds)", zorder=5)
    if not front.empty and "heldout.gap" in front:
        for _, row in front.iterrows():
            if row["design"] == TABLE_ONE:
                ax.scatter([row["heldout.gap"]], [row["heldout.honest_return"]], marker="*", s=260,
                           facecolors="white", edgecolors="black", label="Table I (held-out seeds)", zorder=5)
                continue
            colour = MECHANISM_COLOURS.get(row.get("param.incentive"), "tab:gray")
            ax.scatter([row["heldout.gap"]], [row["heldout.honest_return"]], marker="D", s=45, color=colour, zorder=4)
            if not math.isnan(row.get("search.gap", math.nan)):
                ax.annotate("", (row["heldout.gap"], row["heldout.honest_return"]),
                            (row["search.gap"], row["search.honest_return"]),
                            arrowprops={"arrowstyle": "->", "color": colour, "alpha": 0.7})
        ax.scatter([], [], marker="D", color="gray", label="front design on held-out seeds")
    ax.set_xlabel("worst-case accuracy gap (points, lower is better)")
    ax.set_ylabel("honest return (% of start, higher is better)")
    ax.set_title("Designs: gap against honest return (ringed: Pareto front)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return _save(fig, path)


def importance_figure(importance: pd.DataFrame, path: Path) -> Path:
    objectives = list(dict.fromkeys(importance["objective"]))
    fig, axes = plt.subplots(1, len(objectives), figsize=(4.5 * len(objectives), 3.6), constrained_layout=True,
                             squeeze=False)
    for ax, name in zip(axes[0], objectives):
        part = importance[importance["objective"] == name].sort_values("importance")
        ax.barh(part["parameter"], part["importance"], color="tab:green")
        ax.set_title(TITLES.get(name, name), fontsize=10)
        ax.set_xlabel("importance (PED-ANOVA)")
        ax.set_xlim(0, 1)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temp:
        fig.savefig(temp, format="png", dpi=110)
    plt.close(fig)
    return path


# -- tables and pages --------------------------------------------------------------------------------

def front_text_table(front: pd.DataFrame) -> pd.DataFrame:
    """The front and Table I: design, held-out objectives, how far each moved from the search, and the
    paired difference from Table I with its interval."""
    rows = []
    for _, row in front.iterrows():
        entry = {"design": row["design"], "parameters": design_text(row)}
        for name, _, _ in OBJECTIVES:
            entry[f"{name} (held-out)"] = fixed(row.get(f"heldout.{name}", math.nan), 2)
            moved = row.get(f"moved.{name}", math.nan)
            entry[f"{name} moved"] = "" if moved is None or math.isnan(moved) else fixed(moved, 2, sign=True)
            entry[f"{name} vs Table I"] = "" if row["design"] == TABLE_ONE else _diff_text(row, name)
        entry["binding"] = row.get("binding", "")
        entry["verdict"] = row.get("verdict", "")
        rows.append(entry)
    return pd.DataFrame(rows)


INTRO = ("Each design (a set of contract parameters) faced every adversary of the population with the same "
         "search seeds; its objectives are the worst adversary's accuracy gap and malicious balance (per seed, "
         "averaged) and the honest agents' return (averaged). The front was run again on held-out seeds and "
         "compared with Table I paired by seed (95% Student-t intervals).")


def markdown(text: str, trials: pd.DataFrame, front: pd.DataFrame, figures: Mapping[str, Path], out: Path,
             meta: Mapping[str, str]) -> str:
    lines = ["# Tuning the contract", "", INTRO, "", *[f"- {k}: {v}" for k, v in meta.items()], "",
             "## Answer", "", text, "", "## Pareto front", ""]
    for name in ("pareto", "importance"):
        if name in figures:
            lines += [f"![{name}]({figures[name].relative_to(out).as_posix()})", ""]
    lines += ["## Front and Table I on held-out seeds", "", markdown_table(front_text_table(front)), "",
              f"## Every trial ({plural(len(trials), 'trial')})", "", markdown_table(_trials_text(trials)), ""]
    return "\n".join(lines)


def _trials_text(trials: pd.DataFrame) -> pd.DataFrame:
    if trials.empty:
        return trials
    shown = trials.copy()
    for name, _, _ in OBJECTIVES:
        shown[name] = shown[name].map(lambda v: fixed(v, 2))
    return shown.drop(columns=[c for c in ("error",) if c in shown and shown[c].isna().all()])


def html_page(text: str, trials: pd.DataFrame, front: pd.DataFrame, figures: Mapping[str, Path],
              meta: Mapping[str, str]) -> str:
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>sumchain tune</title>"
             f"<style>{STYLE}</style></head><body>", "<h1>Tuning the contract</h1>", f"<p>{e(INTRO)}</p><ul>",
             *[f"<li>{e(k)}: {e(str(v))}</li>" for k, v in meta.items()], "</ul>", "<h2>Answer</h2>",
             "".join(f"<p>{e(line)}</p>" for line in text.splitlines()), "<h2>Pareto front</h2>"]
    parts += [f"<img alt='{e(name)}' src='{_png_data_uri(path)}'>" for name, path in figures.items()]
    parts += ["<h2>Front and Table I on held-out seeds</h2>", _html_table(front_text_table(front)),
              "<h2>Every trial</h2>", _html_table(_trials_text(trials)), "</body></html>"]
    return "\n".join(parts)
