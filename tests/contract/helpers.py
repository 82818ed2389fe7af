"""Deploying contracts for tests, with samples whose prediction is known and stable."""

from __future__ import annotations

import numpy as np

from sumchain.config import Config
from sumchain.engines import deploy
from sumchain.ledger.money import to_units

POSITIVE = np.arange(0, 20, dtype=np.int32)    # features that lean positive in tests/conftest.py
NEGATIVE = np.arange(20, 40, dtype=np.int32)
DAY = 86_400


def deployed(dataset, engine="python", incentive="stakeable", **overrides):
    config = Config(num_words=dataset.num_features, engine=engine, incentive=incentive, **overrides)
    trainer = deploy(config, dataset)
    for name in ("alice", "bob", "carol"):
        trainer.chain.fund(name, to_units(10_000))
    assert trainer.predict(POSITIVE) == 1 and trainer.predict(NEGATIVE) == 0
    return trainer


def add(trainer, sender, x, y, value=to_units(100), wait=600):
    trainer.chain.advance(wait)
    return trainer.add_data(sender, x, y, value)
