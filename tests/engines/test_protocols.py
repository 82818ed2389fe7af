"""Every engine gives a trainer and a chain handle that follow the engine boundary's protocols,
and the README's Python API example works the same on each."""

from __future__ import annotations

import pytest

import sumchain
from sumchain.engines.protocols import ChainHandle, TrainerHandle
from sumchain.ledger import to_units


def test_every_engine_follows_the_protocols(engine, tiny_dataset):
    trainer = sumchain.deploy({"num_words": tiny_dataset.num_features, "engine": engine}, tiny_dataset)
    assert isinstance(trainer, TrainerHandle)
    assert isinstance(trainer.chain, ChainHandle)


def test_the_readme_api_example_runs_on_every_engine(engine):
    check_readme_example(sumchain.deploy({"num_words": 100, "engine": engine}))


def check_readme_example(trainer) -> None:
    """The README's Python API example, with its figures, on a freshly deployed trainer (also used for rpc)."""
    trainer.chain.fund("alice", to_units(1_000))
    trainer.chain.advance(60)
    x = [1, 4, 17]
    y = trainer.predict(x)
    assert trainer.cost_to_add() == 8_571_428_571_428_571_428
    receipt = trainer.add_data("alice", x, y, value=to_units(10))
    assert trainer.chain.balance_of("alice") == to_units(1_000) - 8_571_428_571_428_571_428
    trainer.chain.advance(86_401)
    assert trainer.refund("alice", x, y, receipt.added_time) == 8_571_428_571_428_571_428
    with pytest.raises(sumchain.Rejected, match="already claimed"):
        trainer.refund("alice", x, y, receipt.added_time)
    assert trainer.chain.balance_of("alice") == to_units(1_000)
    assert trainer.chain.now == 60 + 86_401
