"""Reference outputs of fixed runs: what a speed change must reproduce bit for bit.

`fingerprint(run)` reduces a run to its metrics (as JSON text), a digest of its time series
(column names, dtypes and raw values) and its ledger head hash. `tests/sim/reference_outputs.json`
holds these for the configs in `REFERENCE_CONFIGS`; `test_reference_outputs.py` compares.

Regenerate only when results change on purpose (a rule or agent behaviour, never a speed-up):
    python -m tests.sim.reference --write
and say in the commit why the outputs changed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from sumchain import Config, simulate

REFERENCE_FILE = Path(__file__).with_name("reference_outputs.json")
REFERENCE_CONFIGS = {
    "small": {"max_train": 3000, "max_test": 1000},                 # built-in corpus, 2,760 submissions
    "small_seed3_points": {"max_train": 2000, "max_test": 500, "seed": 3, "incentive": "points"},
    "default": {},                                                   # Table I defaults, the whole corpus
}


def fingerprint(run) -> dict:
    series = hashlib.sha256()
    for name in run.timeseries.columns:
        values = np.ascontiguousarray(run.timeseries[name].to_numpy())
        series.update(f"{name}:{values.dtype.str}:".encode())
        series.update(values.tobytes())
    return {
        "metrics": json.dumps(run.metrics, sort_keys=True),
        "timeseries_sha256": series.hexdigest(),
        "rows": len(run.timeseries),
        "transactions": sum(len(b.transactions) for b in run.chain.blocks),
        "head_hash": run.chain.head_hash,
        "end_reason": run.end_reason,
    }


def reference_run(name: str) -> dict:
    return fingerprint(simulate(Config.from_overrides(REFERENCE_CONFIGS[name])))


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        return 2
    REFERENCE_FILE.write_text(json.dumps({name: reference_run(name) for name in REFERENCE_CONFIGS},
                                         indent=1, sort_keys=True) + "\n")
    print(f"wrote {REFERENCE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
