"""A run folder: the resolved config, the metrics, the time series and the plot; on an engine with
gas, the gas used per agent and per function (gas.csv).

A run owns these files as a set: writing a run removes those an earlier run left that this one does
not write (an evm run's gas.csv under a later python run), so a folder never mixes two runs. The
caller claims the folder first (`sumchain.files.claim_folder(out, "run")`): that refuses a folder of
another kind of output and any second writer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sumchain.config import to_toml
from sumchain.files import KINDS, atomic_path, write_json, write_text
from sumchain.report.run_plot import plot_run

RUN_FILES = KINDS["run"][1]
"""Every file a run folder may hold (config.toml, metrics.json, timeseries.parquet, plot.png, gas.csv)."""


def write_run_folder(run, out_dir: str | Path) -> dict[str, Path]:
    """Write the run's files into `out_dir` and remove the ones an earlier run left; the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "config": write_text(out / "config.toml", to_toml(run.config)),
        "metrics": write_json(out / "metrics.json", run.metrics),
        "plot": plot_run(run.timeseries, run.metrics, out / "plot.png"),
    }
    with atomic_path(out / "timeseries.parquet") as temp:
        run.timeseries.to_parquet(temp, index=False)
    paths["timeseries"] = out / "timeseries.parquet"
    gas = gas_table(run.chain.gas_used())
    if len(gas):
        with atomic_path(out / "gas.csv") as temp:
            gas.to_csv(temp, index=False)
        paths["gas"] = out / "gas.csv"
    written = {path.name for path in paths.values()}
    for name in RUN_FILES:
        if name not in written:
            (out / name).unlink(missing_ok=True)
    return paths


def gas_table(gas_used) -> pd.DataFrame:
    """Gas per (agent, function), one row each, largest first: a tidy table pandas reads back."""
    rows = [{"sender": sender, "function": function, "gas": gas} for (sender, function), gas in gas_used.items()]
    table = pd.DataFrame(rows, columns=["sender", "function", "gas"])
    return table.sort_values(["gas", "sender", "function"], ascending=[False, True, True], ignore_index=True)
