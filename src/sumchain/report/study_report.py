"""The reproduction's report: `report.md`, a self-contained `report.html`, figures and stats tables.

Layout of the output folder (beside the results store):
- `figures/<sweep>.png`: one figure per sweep (see `figures`);
- `stats/<sweep>_summary.csv` (mean, sd, 95% CI and never-exhausted count per value and metric),
  `stats/<sweep>_spearman.csv`, `stats/effect_sizes.csv` (the ranking), `stats/findings.csv`;
- `report.md` (links the PNGs) and `report.html` (the PNGs embedded as base64: one file to share).
Everything is drawn from the analysis tables after the runs, and written atomically.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Mapping

import pandas as pd

from sumchain.experiments import stats
from sumchain.experiments.study import StudyAnalysis, SweepAnalysis, phase_summary
from sumchain.report.figures import phase_figure, write_sweep_figures
from sumchain.files import atomic_path, write_text

VERDICT_MARK = {"agrees": "agrees", "disagrees": "DISAGREES", "inconclusive": "inconclusive", "not run": "not run"}
WIDE_METRICS = (("baseline_accuracy", "baseline acc. %", 100), ("final_accuracy", "final acc. %", 100),
                ("gap", "gap (points)", 1), (stats.DEPLETED, "days to exhaust", 1))


def write_study_report(analysis: StudyAnalysis, out: str | Path, meta: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write figures, statistics tables and both reports into `out`; return the main paths."""
    out = Path(out)
    figures = write_sweep_figures(analysis.sweeps, out / "figures")
    if not analysis.phase.empty:
        figures["phase"] = phase_figure(phase_summary(analysis.phase), analysis.phase, out / "figures" / "phase.png")
    write_stats_tables(analysis, out / "stats")
    meta = dict(meta or {})
    md = write_text(out / "report.md", markdown_report(analysis, figures, out, meta))
    page = write_text(out / "report.html", html_report(analysis, figures, meta))
    return {"report.md": md, "report.html": page, **{f"figures/{k}.png": v for k, v in figures.items()}}


def write_stats_tables(analysis: StudyAnalysis, folder: Path) -> None:
    for name, sweep in analysis.sweeps.items():
        _csv(sweep.summary, folder / f"{name}_summary.csv")
        _csv(sweep.correlations, folder / f"{name}_spearman.csv")
    _csv(analysis.ranking, folder / "effect_sizes.csv")
    _csv(phase_summary(analysis.phase), folder / "phase_summary.csv")
    _csv(analysis.power, folder / "power.csv")
    _csv(findings_table(analysis), folder / "findings.csv")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as temp:
        frame.to_csv(temp, index=False)


def findings_table(analysis: StudyAnalysis) -> pd.DataFrame:
    return pd.DataFrame([{"finding": f.number, "verdict": f.verdict, "claim": f.claim, "evidence": f.evidence}
                         for f in analysis.findings], columns=["finding", "verdict", "claim", "evidence"])


# -- tables as text ------------------------------------------------------------------------------

def _number(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return str(value)


def wide_summary(sweep: SweepAnalysis) -> pd.DataFrame:
    """Per value: 'mean [CI low, CI high]' of the headline metrics, and never-exhausted counts."""
    rows = []
    for value, group in sweep.summary.groupby("value", sort=True):
        by_metric = group.set_index("metric")
        row = {sweep.sweep.name: _number(value, 4), "runs": int(group["runs"].iloc[0])}
        for metric, title, scale in WIDE_METRICS:
            if metric in by_metric.index:
                m = by_metric.loc[metric]
                row[title] = _interval(m["mean"] * scale, m["ci_low"] * scale, m["ci_high"] * scale)
                if m["n"] == 0 and m["n_never"] > 0:
                    row[title] = "never"
        if stats.DEPLETED in by_metric.index:
            row["never exhausted"] = int(by_metric.loc[stats.DEPLETED, "n_never"])
        rows.append(row)
    return pd.DataFrame(rows)


def _interval(mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return ""
    if math.isnan(low):
        return f"{mean:.2f}"
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def spearman_text_table(sweep: SweepAnalysis) -> pd.DataFrame:
    table = sweep.correlations.copy()
    table["rho"] = table["rho"].map(lambda v: "" if math.isnan(v) else f"{v:+.2f}")
    table["p_value"] = table["p_value"].map(lambda v: "" if math.isnan(v) else f"{v:.2g}")
    return table


def ranking_text_table(analysis: StudyAnalysis, metrics=("final_accuracy", "gap", stats.DEPLETED)) -> pd.DataFrame:
    """Per headline metric, the sweeps in order of effect size."""
    columns = {}
    for metric in metrics:
        table = analysis.ranking[analysis.ranking["metric"] == metric]
        columns[metric] = [f"{row.sweep} ({row.effect_size:.2f})" if not math.isnan(row.effect_size)
                           else f"{row.sweep} (n/a)" for row in table.itertuples()]
    length = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({"rank": range(1, length + 1),
                         **{k: v + [""] * (length - len(v)) for k, v in columns.items()}})


def markdown_table(frame: pd.DataFrame) -> str:
    cells = [[str(c) for c in frame.columns]] + [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _cell(value) -> str:
    return _number(value).replace("|", "\\|").replace("\n", " ")


# -- markdown --------------------------------------------------------------------------------

INTRO = ("Each sweep varies one parameter from the study's Table I defaults; every value is run with "
         "several seeds. Bands and intervals are 95% t-intervals across seeds. Runs in which the malicious "
         "balance was never exhausted are counted as 'never', not dropped; rank statistics place them after "
         "every finite day. Effect size is eta squared of the metric's ranks across the parameter's values.")


PHASE_TEXT = (
    "Our own sweep, not the study's. Adding data costs cost_weight * 60 / sqrt(dt) coins, dt the seconds since "
    "the last add, so what the malicious agent pays depends on where its turns fall between the honest "
    "agent's adds (its phase). `agents.Bad.phase_s` shifts its first turn; with exact waits "
    "(`wait_rounding = \"round\"`) the phase then only random-walks, with the study's truncated waits it drifts "
    "through every value every 10 to 12 simulated days.")
DESIGNER_TEXT = (
    "For a contract designer: a 1/sqrt(dt) price is set by the gap since the last add, whoever made it, so "
    "it rewards an attacker who times its adds just before honest ones (a long gap) and charges honest "
    "contributors for the attacker's timing. An attacker who watches the chain can pick its phase; pricing by "
    "the sender's own rate, a floor on the cost, or a cost drawn from a window of recent adds removes the "
    "reward for timing.")
POWER_TEXT = ("How many seeds per value would settle the parts of findings 1 and 3 that are not yet decided: "
              "the seeds at which a test of the measured effect reaches p < 0.05 with 80% power "
              "(two-sided; formulas in `sumchain.experiments.study`). Empty where no test applies or the "
              "effect is absent.")


def phase_text_table(analysis: StudyAnalysis) -> pd.DataFrame:
    table = phase_summary(analysis.phase)
    if table.empty:
        return table
    out = table[["wait_rounding", "phase_s", "runs"]].copy()
    for metric, title in (("cost_per_add.Bad", "malicious cost per add (coins)"),
                          ("balance_pct.Bad", "malicious final %"), ("balance_pct.Good", "honest final %")):
        out[title] = [_interval(m, lo, hi) for m, lo, hi in
                      zip(table[metric], table[metric + ".ci_low"], table[metric + ".ci_high"])]
    return out


def extra_sections(analysis: StudyAnalysis) -> list[tuple[str, list[str], pd.DataFrame, str | None]]:
    """(title, paragraphs, table, figure name) of the sections after the findings: the phase, power."""
    sections = []
    if not analysis.phase.empty:
        sections.append(("The malicious agent's phase (ours)", [PHASE_TEXT, DESIGNER_TEXT],
                         phase_text_table(analysis), "phase"))
    if not analysis.power.empty:
        sections.append(("Seeds needed for findings 1 and 3", [POWER_TEXT], analysis.power, None))
    return sections


def markdown_report(analysis: StudyAnalysis, figures: Mapping[str, Path], out: Path,
                    meta: Mapping[str, str]) -> str:
    lines = ["# Reproduction of the SUM parameter study", "", INTRO, ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()] + [""]
    lines += ["## Findings", ""]
    for f in analysis.findings:
        lines += [f"### {f.number}. {f.claim}", "", f"**Verdict: {VERDICT_MARK[f.verdict]}**", "", f.evidence, ""]
    for title, paragraphs, table, figure in extra_sections(analysis):
        lines += [f"## {title}", ""] + [line for p in paragraphs for line in (p, "")]
        if figure in figures:
            lines += [f"![{figure}]({figures[figure].relative_to(out).as_posix()})", ""]
        lines += [markdown_table(table), ""]
    lines += ["## Which parameters matter most", "", markdown_table(ranking_text_table(analysis)), ""]
    for name, sweep in analysis.sweeps.items():
        lines += [f"## {name} ({sweep.sweep.figures})", ""]
        if name in figures:
            lines += [f"![{name}]({figures[name].relative_to(out).as_posix()})", ""]
        lines += [markdown_table(wide_summary(sweep)), "", "Spearman rank correlation with the parameter:", "",
                  markdown_table(spearman_text_table(sweep)), ""]
    return "\n".join(lines)


# -- html ------------------------------------------------------------------------------------

STYLE = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
         "img{max-width:100%}.agrees{color:#186a18}.disagrees{color:#b01c1c}.inconclusive{color:#8a6d00}.not-run{color:#666}")


def _png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _html_table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", border=0)


def html_report(analysis: StudyAnalysis, figures: Mapping[str, Path], meta: Mapping[str, str]) -> str:
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>SUM study reproduction</title>"
             f"<style>{STYLE}</style></head><body>", "<h1>Reproduction of the SUM parameter study</h1>",
             f"<p>{e(INTRO)}</p><ul>", *[f"<li>{e(k)}: {e(str(v))}</li>" for k, v in meta.items()], "</ul>",
             "<h2>Findings</h2>"]
    for f in analysis.findings:
        evidence = "".join(f"<li>{e(line[2:])}</li>" for line in f.evidence.splitlines())
        parts += [f"<h3>{f.number}. {e(f.claim)}</h3>",
                  f"<p class='{f.verdict.replace(' ', '-')}'><b>Verdict: {e(VERDICT_MARK[f.verdict])}</b></p><ul>{evidence}</ul>"]
    for title, paragraphs, table, figure in extra_sections(analysis):
        parts += [f"<h2>{e(title)}</h2>", *[f"<p>{e(p)}</p>" for p in paragraphs]]
        if figure in figures:
            parts.append(f"<img alt='{e(figure)}' src='{_png_data_uri(figures[figure])}'>")
        parts.append(_html_table(table))
    parts += ["<h2>Which parameters matter most</h2>", _html_table(ranking_text_table(analysis))]
    for name, sweep in analysis.sweeps.items():
        parts.append(f"<h2>{e(name)} ({e(sweep.sweep.figures)})</h2>")
        if name in figures:
            parts.append(f"<img alt='{e(name)}' src='{_png_data_uri(figures[name])}'>")
        parts += [_html_table(wide_summary(sweep)), "<p>Spearman rank correlation with the parameter:</p>",
                  _html_table(spearman_text_table(sweep))]
    parts.append("</body></html>")
    return "\n".join(parts)
