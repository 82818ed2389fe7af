"""A run folder: the resolved config, the metrics, the time series and the plot."""

from __future__ import annotations

from pathlib import Path

from sumchain.config import to_toml
from sumchain.files import atomic_path, write_json, write_text
from sumchain.report.run_plot import plot_run


def write_run_folder(run, out_dir: str | Path) -> dict[str, Path]:
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
    return paths
