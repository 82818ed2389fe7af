"""Fixed configs give exactly the stored outputs: metrics, time series and ledger head hash.

Why: speed work must not change results. A failure here means a change altered what a run does;
if that was the purpose (a rule or agent behaviour changed), regenerate the reference with
`python -m tests.sim.reference --write` and say why in the commit.
"""

from __future__ import annotations

import json

import pytest

from tests.sim.reference import REFERENCE_CONFIGS, REFERENCE_FILE, reference_run


@pytest.mark.parametrize("name", list(REFERENCE_CONFIGS))
def test_outputs_match_the_stored_reference(name):
    expected = json.loads(REFERENCE_FILE.read_text())[name]
    got = reference_run(name)
    for key in ("end_reason", "transactions", "rows", "timeseries_sha256", "head_hash"):
        assert got[key] == expected[key], f"{name}: {key} differs from tests/sim/reference_outputs.json"
    # Every stored metric exactly; metrics added since (the population's aggregates) may come on top.
    stored, metrics = json.loads(expected["metrics"]), json.loads(got["metrics"])
    assert {key: metrics.get(key) for key in stored} == stored, f"{name}: metrics differ from the reference"
