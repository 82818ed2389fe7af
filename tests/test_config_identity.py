"""Run identities: a sweep row's and a study's identity is its config's digest; stored sweeps and
studies resume only while these stay what they were when the results were written."""

from __future__ import annotations

import hashlib

import pytest

from sumchain.config import Config
from sumchain.experiments import design_space, study

PINNED = [
    ({}, "7db3272e78b2e548"),
    ({"engine": "evm", "model": "naive_bayes", "naive_bayes.smoothing": 0.5, "incentive": "quality_priced",
      "quality_priced.weight": 2, "agents.Good.mean_deposit": 20, "agents.Bad.count": 3, "num_words": 500},
     "7f5cc0ebf83b58d2"),
    ({"model": "logistic_regression", "logistic_regression.eta0": 0.2, "incentive": "prediction_market",
      "prediction_market.bounty": 50}, "baa74d39627f05b4"),
    ({"bad_share": 0.3, "agents.Bad.kind": "sleeper", "agents.Bad.honest_days": 3, "wait_rounding": "round"},
     "187da060d85e3a0c"),
    ({"dataset": "csv", "model": "dense_perceptron", "csv_encoding": "standardised", "agents.Caller.kind": "caller",
      "agents.Caller.fee": 2}, "141b3d2d17ac5bfb"),
    ({"incentive": "points", "engine": "rpc", "rpc_url": "http://x:1", "gas_price_gwei": 3}, "2688e6bd45f1a4d7"),
    ({"model": "nearest_centroid", "agents.Good.count": 5, "agents.Bad.kind": "unsure_flipper", "refund_wait_s": 100,
      "owner_claim_wait_s": 900000}, "375b6a1078959fdc"),
]
"""Flat overrides and their digests as computed before the config had sections."""


@pytest.mark.parametrize("overrides, digest", PINNED, ids=[d for _, d in PINNED])
def test_a_sweep_rows_identity_is_unchanged(overrides, digest):
    assert Config.from_overrides(overrides).digest() == digest


def _combined(points) -> tuple[str, int]:
    digests = sorted(p.config.digest() for p in points)
    return hashlib.sha256(",".join(digests).encode()).hexdigest()[:16], len(digests)


def test_the_studies_identities_are_unchanged():
    assert _combined(study.study_points(seeds=range(2))) == ("2bc14147b871b76d", 144)
    points = design_space.study_points(seeds=range(2))
    pushed = [p for p in points if dict(p.values).get("adversary") == "model_pusher"]
    # the model pusher's scenarios were added to the adversary section: new points, the others unmoved
    assert _combined([p for p in points if p not in pushed]) == ("2f9a55ce426a1690", 82)
    assert len(pushed) == 2 * len(design_space.LOOP_MECHANISMS)
