"""Attacks on SUM's rules that the contract does not prevent, reproduced on every engine.

The model-pushing reporter: an attacker with one verified contribution sends flipped copies of an
honest contributor's sample during its refund wait, so that the model disagrees with the honest label
when the wait ends; it reports the honest deposit and takes it, and its own flipped adds, which the
model now agrees with, are refunded. SUM's design has no answer to it (the README's contract rules
say so); this test keeps the measured gain in view.
"""

from __future__ import annotations

import numpy as np

from sumchain.ledger.money import to_units
from tests.contract.helpers import DAY, POSITIVE, add, deployed

FLIPPED_COPIES = 3


def pushable_sample(model) -> tuple[np.ndarray, int]:
    """A sample of neutral features whose prediction FLIPPED_COPIES flipped updates turn around."""
    for first in range(40, 190):
        x = np.arange(first, first + 4, dtype=np.int32)
        y = int(model.predict(x))
        pushed = model.copy()
        for _ in range(FLIPPED_COPIES):
            pushed.update(x, 1 - y)
        if int(pushed.predict(x)) != y:
            return x, y
    raise AssertionError("no pushable sample in the test dataset")


def model_pushing_attack(dataset, engine: str) -> dict[str, int]:
    trainer = deployed(dataset, engine)
    chain = trainer.chain
    chain.fund("mallory", to_units(10_000))
    verified = add(trainer, "mallory", POSITIVE, 1, wait=3600)      # one honest, verified contribution
    chain.advance(DAY + 1)
    trainer.refund("mallory", POSITIVE, 1, verified.added_time)
    x, y = pushable_sample(trainer.model)
    start = chain.balance_of("mallory")
    honest = add(trainer, "alice", x, y, wait=3600)
    flipped = [add(trainer, "mallory", x, 1 - y, wait=600) for _ in range(FLIPPED_COPIES)]
    assert trainer.predict(x) == 1 - y                               # the model was pushed
    chain.advance_to(honest.added_time + DAY + 1)
    taken = trainer.report("mallory", x, y, honest.added_time, "alice")
    chain.advance_to(flipped[-1].added_time + DAY + 1)
    refunded = sum(trainer.refund("mallory", x, 1 - y, receipt.added_time) for receipt in flipped)
    return {"gain": chain.balance_of("mallory") - start, "taken": taken, "honest_deposit": honest.cost,
            "flipped_cost": sum(r.cost for r in flipped), "refunded": refunded,
            "alice_claimable": trainer.contribution(x, y, honest.added_time, "alice").claimable}


def test_the_model_pushing_reporter_takes_an_honest_deposit_on_every_engine(tiny_dataset):
    outcomes = {engine: model_pushing_attack(tiny_dataset, engine) for engine in ("python", "evm")}
    python = outcomes["python"]
    assert python == outcomes["evm"]
    assert python["gain"] > 0
    assert python["gain"] == python["taken"] == python["honest_deposit"]    # the whole honest deposit
    assert python["refunded"] == python["flipped_cost"]                      # its own flipped adds come back
    assert python["alice_claimable"] == 0
