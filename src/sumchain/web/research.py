"""What the research dashboard shows, read from the output folders under `--runs`.

Everything here reads files the commands wrote (metrics.json, the Parquet tables, the CSV
statistics, report.md) and shapes them as JSON-ready dicts; nothing is simulated again. The one
computation is `seed_bands`: the mean and 95% Student-t interval across seeds of stored rows,
the same interval the reports use (`sumchain.experiments.stats.mean_ci`).

Paths given by a browser are resolved by `confined`, which refuses anything outside the runs folder.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import fields
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from sumchain.config import Config
from sumchain.errors import DataError, SumchainError
from sumchain.experiments.stats import DEPLETED, mean_ci
from sumchain.experiments.store import PARTS, TIMESERIES, read_results, read_table
from sumchain.files import KINDS, MARKER

MAX_DEPTH = 6
"""How deep below --runs the listing looks for output folders."""
MAX_OUTPUTS = 2000
MAX_OVERLAY = 12
"""Runs whose time series one overlay request may ask for."""
CONFIG_FIELDS = frozenset(f.name for f in fields(Config))
TABLE_METRICS = ("final_accuracy", "gap", "bad_depleted_day", "honest_balance_pct", "malicious_balance_pct",
                 "counts.adds", "wall_s")
"""The metrics the sweep table shows beside the swept parameters (every numeric metric can be plotted)."""


class NotFound(SumchainError):
    """A path under --runs that does not exist or holds no output the dashboard reads (HTTP 404)."""


class BadRequest(SumchainError):
    """A request the dashboard refuses as given: a path leaving --runs, an unknown column (HTTP 400)."""


# -- paths -----------------------------------------------------------------------------------------

def confined(runs: Path, given: str | None) -> Path:
    """The path `given` (relative, as the listing gives it) inside `runs`; nothing else is reachable.

    Absolute paths and `..` parts are refused outright; a symbolic link leading outside is reported
    as not found, as if it were not there.
    """
    if given is None or given.strip() == "":
        raise BadRequest("give the output's path relative to --runs, as ?path=FOLDER")
    if "\x00" in given or "\\" in given:
        raise BadRequest(f"path {given!r} has a character paths under --runs never have")
    path = PurePosixPath(given)
    if path.is_absolute() or (len(given) > 1 and given[1] == ":"):
        raise BadRequest(f"path {given!r} is absolute; give a path relative to --runs")
    if ".." in path.parts:
        raise BadRequest(f"path {given!r} climbs out with '..'; give a path inside --runs")
    root = runs.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.exists():
        raise NotFound(f"no {given!r} under --runs")
    return target


def relative(runs: Path, path: Path) -> str:
    return path.resolve().relative_to(runs.resolve()).as_posix() or "."


# -- finding outputs -------------------------------------------------------------------------------

def kind_of(folder: Path) -> str | None:
    """The kind of output in `folder` (run, sweep, reproduce, study), None if it holds none.

    The marker decides; folders written before markers are recognised by their files.
    """
    marker = folder / MARKER
    if marker.is_file():
        try:
            kind = json.loads(marker.read_text(encoding="utf-8"))["kind"]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return kind if kind in KINDS else None
    if (folder / "metrics.json").is_file() and (folder / "timeseries.parquet").is_file():
        return "run"
    if (folder / "results.parquet").is_file():
        if (folder / "report.md").is_file():
            return "reproduce" if (folder / "report.html").is_file() else "study"
        return "sweep"
    return None


def list_outputs(runs: Path) -> list[dict[str, Any]]:
    """Every output folder under `runs` (not inside another output), newest first."""
    found = []
    root = runs.resolve()
    for folder, names, _ in os.walk(root):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        kind = kind_of(here)
        if kind is not None:
            found.append(_entry(runs, here, kind))
            names.clear()           # its figures/ and stats/ are its own
        elif depth >= MAX_DEPTH:
            names.clear()
        else:
            names[:] = sorted(n for n in names if not n.startswith("."))
        if len(found) >= MAX_OUTPUTS:
            break
    return sorted(found, key=lambda e: (-e["modified"], e["path"]))


def _entry(runs: Path, folder: Path, kind: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": relative(runs, folder), "kind": kind, "modified": _modified(folder),
                             "summary": {}}
    try:
        if kind == "run":
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            entry["summary"] = {"final_accuracy": metrics.get("final_accuracy"), "days": metrics.get("days")}
        elif (folder / "results.parquet").is_file():
            import pyarrow.parquet as pq
            entry["summary"] = {"runs": pq.ParquetFile(folder / "results.parquet").metadata.num_rows}
    except Exception:               # a damaged file is shown as such when the output is opened
        entry["summary"] = {}
    return entry


def _modified(folder: Path) -> float:
    times = [p.stat().st_mtime for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return max(times, default=folder.stat().st_mtime)


def require_kind(folder: Path, given: str, kinds: tuple[str, ...]) -> str:
    kind = kind_of(folder) if folder.is_dir() else None
    if kind not in kinds:
        raise NotFound(f"{given!r} under --runs is not {' or '.join(KINDS[k][0] for k in kinds)}")
    return kind


# -- a run folder ----------------------------------------------------------------------------------

def agents_of(columns) -> list[str]:
    return [c.removeprefix("balance.") for c in columns if c.startswith("balance.")]


def series_of(frame: pd.DataFrame) -> dict[str, Any]:
    """A run's time series as columns: days, accuracy (null between measurements), each agent's balance."""
    return {"day": _column(frame, "day"), "accuracy": _column(frame, "accuracy"),
            "balance": {agent: _column(frame, f"balance.{agent}") for agent in agents_of(frame.columns)}}


def _column(frame: pd.DataFrame, name: str) -> list[float | None]:
    if name not in frame.columns:
        return [None] * len(frame)
    return [None if not math.isfinite(v) else v for v in pd.to_numeric(frame[name], errors="coerce").astype(float)]


def read_run(folder: Path) -> dict[str, Any]:
    """A run folder: metrics, config text, time series and, when the engine had gas, gas per function."""
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    frame = read_table(folder / "timeseries.parquet", "time series", "rerun sumchain simulate", required=("day",))
    config = folder / "config.toml"
    gas = None
    if (folder / "gas.csv").is_file():
        gas = {"by_function": _gas_by_function(pd.read_csv(folder / "gas.csv"))}
    return {"metrics": metrics, "config": config.read_text(encoding="utf-8") if config.is_file() else None,
            "agents": agents_of(frame.columns), "series": series_of(frame), "gas": gas,
            "plot": (folder / "plot.png").is_file()}


def _gas_by_function(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Gas per function with each agent's share: the table the run page draws as bars."""
    wide = table.pivot_table(index="function", columns="sender", values="gas", aggfunc="sum", fill_value=0)
    order = wide.sum(axis=1).sort_values(ascending=False).index
    return [{"function": str(f), "total": int(wide.loc[f].sum()),
             "by_sender": {str(s): int(g) for s, g in wide.loc[f].items()}} for f in order]


# -- a results store (sweep, reproduce, study) -----------------------------------------------------

def is_parameter(column: str) -> bool:
    """A config key (flattened: `agents.Good.mean_deposit`), as against a metric or bookkeeping column."""
    return column.split(".")[0] in CONFIG_FIELDS


def varied_parameters(frame: pd.DataFrame) -> list[str]:
    """The parameters that take more than one value across the rows, seed aside: what was swept."""
    return [c for c in frame.columns if is_parameter(c) and c != "seed"
            and frame[c].astype(str).nunique(dropna=False) > 1]


def numeric_metrics(frame: pd.DataFrame) -> list[str]:
    """The metric columns one can plot: numeric, not parameters nor bookkeeping (the days to exhaust
    the malicious balance always, even when no run exhausted it)."""
    bookkeeping = {"config_hash", "status", "error", "wall_s"}
    return [c for c in frame.columns
            if not is_parameter(c) and c not in bookkeeping and not c.startswith("counts.declined.")
            and (c == DEPLETED or pd.to_numeric(frame[c], errors="coerce").notna().any())]


def read_sweep(folder: Path) -> dict[str, Any]:
    """The results table: every run's swept parameters, seed, status and main metrics."""
    frame = read_results(folder)
    parameters = varied_parameters(frame)
    metrics = [m for m in numeric_metrics(frame) if m in frame.columns]
    shown = [m for m in TABLE_METRICS if m in frame.columns]
    columns = ["config_hash", "status", *parameters, "seed", *shown, "error"]
    columns = [c for c in dict.fromkeys(columns) if c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame[columns].itertuples(index=False, name=None)]
    return {"columns": columns, "rows": rows, "parameters": parameters, "metrics": metrics,
            "plot": first_plot(frame, parameters, metrics),
            "runs": len(frame), "failed": int((frame["status"] != "ok").sum()) if "status" in frame else 0,
            "has_series": bool((folder / "timeseries.parquet").is_file() or (folder / ".timeseries-parts").is_dir())}


def first_plot(frame: pd.DataFrame, parameters: list[str], metrics: list[str]) -> dict[str, Any] | None:
    """The plot a sweep page opens with (sent with the table, saving the page a second request):
    final accuracy against the first numeric swept parameter, one line per value of another."""
    if not metrics or not len(frame):
        return None
    numeric = [p for p in parameters if pd.api.types.is_numeric_dtype(frame[p]) and not pd.api.types.is_bool_dtype(frame[p])]
    x = (numeric or parameters or ["seed"])[0]
    group = next((p for p in parameters if p != x), None)
    metric = "final_accuracy" if "final_accuracy" in metrics else metrics[0]
    return {"x": x, "metric": metric, "group": group, "lines": seed_bands(frame, x, metric, group)}


def _cell(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def seed_bands(frame: pd.DataFrame, x: str, metric: str, group: str | None = None) -> list[dict[str, Any]]:
    """Mean and 95% Student-t interval of `metric` across the seeds at each value of `x`, one line per
    value of `group` (or a single line). Only runs with status ok count; a run without a value of
    the metric (a balance never exhausted has no day) is left out of the mean and counted in `missing`.
    """
    for name in (x, metric, group):
        if name is not None and name not in frame.columns:
            raise BadRequest(f"no column {name!r} in the results; choose one the table lists")
    if "status" in frame.columns:
        frame = frame[frame["status"] == "ok"]
    lines = []
    groups = frame.groupby(frame[group].astype(str), sort=False) if group else [(None, frame)]
    for value, rows in groups:
        points = []
        for x_value, cell in rows.groupby(x, sort=True, dropna=False):
            values = pd.to_numeric(cell[metric], errors="coerce")
            n, mean, sd, low, high = mean_ci(values.dropna())
            points.append({"x": _cell(x_value), "runs": len(cell), "n": n, "missing": int(values.isna().sum()),
                           "mean": _cell(mean), "sd": _cell(sd), "low": _cell(low), "high": _cell(high)})
        lines.append({"group": value, "points": points})
    return sorted(lines, key=lambda line: _natural(line["group"]))


def _natural(value: Any) -> tuple:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def read_overlay(folder: Path, hashes: list[str]) -> list[dict[str, Any]]:
    """The stored time series of the chosen runs (by config hash), labelled by their swept values."""
    if not hashes:
        raise BadRequest("choose at least one run (?runs=HASH,HASH)")
    if len(hashes) > MAX_OVERLAY:
        raise BadRequest(f"{len(hashes)} runs chosen; overlay at most {MAX_OVERLAY}")
    results = read_results(folder)
    known = set(results["config_hash"].astype(str))
    unknown = [h for h in hashes if h not in known]
    if unknown:
        raise NotFound(f"no run {unknown[0]!r} in {folder.name}'s results")
    parameters = varied_parameters(results)
    series = chosen_series(folder, hashes)
    out = []
    for digest in hashes:
        row = results[results["config_hash"].astype(str) == digest].iloc[0]
        label = ", ".join([f"{p}={_cell(row[p])}" for p in parameters] + [f"seed {_cell(row['seed'])}"])
        rows = series[series["config_hash"].astype(str) == digest].sort_values("day") if len(series) else series
        out.append({"config_hash": digest, "label": label, **series_of(rows)})
    return out


def chosen_series(folder: Path, hashes: list[str]) -> pd.DataFrame:
    """The stored time series of these runs only: a full reproduction stores millions of rows, of
    which an overlay needs a few thousand, so the Parquet files are read with a filter."""
    import pyarrow.parquet as pq

    files = [folder / TIMESERIES] if (folder / TIMESERIES).is_file() else []
    files += sorted((folder / PARTS).glob("*.parquet"))
    frames = []
    for path in files:
        try:
            frames.append(pq.read_table(path, filters=[("config_hash", "in", hashes)]).to_pandas())
        except Exception as error:     # pyarrow raises several types for a damaged file
            raise DataError(f"time series table '{path}' is not readable Parquet ({type(error).__name__})") from None
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["config_hash", "day"])


# -- reproduce and study folders -------------------------------------------------------------------

def report_figures(folder: Path, kind: str) -> dict[str, dict[str, Any]]:
    """Data behind the report's figures, where the folder stores it, keyed by the figure's name.

    reproduce: `stats/<sweep>_summary.csv` (mean and interval per value and metric);
    study: `stats/scenarios.csv`, for sections with a numeric factor (the bad_share curve).
    A figure without data here stays a picture.
    """
    stats_dir = folder / "stats"
    figures: dict[str, dict[str, Any]] = {}
    if kind == "reproduce":
        for path in sorted(stats_dir.glob("*_summary.csv")):
            name = path.name.removesuffix("_summary.csv")
            if name == "phase" or not (folder / "figures" / f"{name}.png").is_file():
                continue
            table = pd.read_csv(path)
            if "value" in table.columns and len(table):
                figures[name] = _summary_figure(name, table)
    elif kind == "study" and (stats_dir / "scenarios.csv").is_file():
        table = pd.read_csv(stats_dir / "scenarios.csv")
        for section, rows in table.groupby("section", sort=False):
            figure = _scenario_figure(str(section), rows)
            if figure is not None:
                figures[str(section)] = figure
    return figures


def _summary_figure(name: str, table: pd.DataFrame) -> dict[str, Any]:
    metrics = {}
    for metric, rows in table.groupby("metric", sort=False):
        metrics[str(metric)] = [{"x": _cell(r["value"]), "n": _cell(r["n"]), "mean": _cell(r["mean"]),
                                 "low": _cell(r["ci_low"]), "high": _cell(r["ci_high"])} for _, r in rows.iterrows()]
    return {"x": name, "lines": {metric: [{"group": None, "points": points}] for metric, points in metrics.items()}}


def _scenario_figure(section: str, rows: pd.DataFrame) -> dict[str, Any] | None:
    """A section whose scenarios vary one numeric factor: that factor on x, a line per other setting."""
    factors = [c for c in ("incentive", "model", "adversary", "bad_share") if c in rows.columns]
    numeric = [f for f in factors if pd.to_numeric(rows[f], errors="coerce").notna().all() and rows[f].nunique() > 1]
    if not numeric:
        return None
    x = numeric[0]
    others = [f for f in factors if f != x and rows[f].notna().any() and rows[f].nunique() > 1]
    metrics = [c for c in rows.columns if f"{c}.ci_low" in rows.columns]
    lines: dict[str, list] = {}
    for metric in metrics:
        grouped = rows.groupby(others, sort=False) if others else [((None,), rows)]
        lines[metric] = [{"group": ", ".join(map(str, key if isinstance(key, tuple) else (key,))) if others else None,
                          "points": [{"x": _cell(r[x]), "n": _cell(r.get("runs")), "mean": _cell(r[metric]),
                                      "low": _cell(r[f"{metric}.ci_low"]), "high": _cell(r[f"{metric}.ci_high"])}
                                     for _, r in part.sort_values(x).iterrows()]}
                         for key, part in grouped]
    return {"x": x, "lines": lines}
