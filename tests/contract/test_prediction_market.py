"""The prediction market's exact integer arithmetic, on a scripted model whose accuracy we choose.

`ScriptedModel` learns nothing real: contribution x = [k] moves its count of correct test predictions
by EFFECT[k], so every round's scores, rounds and payouts can be worked out by hand (below, in the
comments) for all four of SUM's option combinations.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from sumchain import Rejected
from sumchain.contract import reasons as R
from sumchain.contract.incentives.prediction_market import (PredictionMarket, portion_hash, reveal_index_for,
                                                           split_portions)
from sumchain.contract.market import MarketContract
from sumchain.ledger import Chain

N_TEST = 10
EFFECT = {0: +2, 1: -1, 2: +1, 3: -3, 4: 0}


class ScriptedModel:
    num_features = 8
    num_classes = 2
    input_kind = "sparse"

    def __init__(self, correct: int = 5):
        self.correct = correct

    def copy(self) -> "ScriptedModel":
        return ScriptedModel(self.correct)

    def update(self, x, y) -> bool:
        effect = EFFECT[int(x[0])]
        self.correct += effect
        return effect != 0

    def predict(self, x) -> int:
        return 1

    def predict_many(self, X) -> np.ndarray:
        return (np.arange(X.shape[0]) < self.correct).astype(np.int64)   # the test labels are all 1

    def state(self):
        return self.correct


def market(bounty, stake=100, group=False, reset=True, contributions=(("A", 0), ("B", 1), ("A", 2))):
    """A market through to its reward phase: 2 portions of the all-ones test set, min_stake `stake`."""
    chain = Chain()
    contract = MarketContract(chain, PredictionMarket(ScriptedModel(), min_stake=stake, min_length_s=0,
                                                      min_num_contributions=1, group_contributions=group,
                                                      reset_model=reset))
    for name in ("A", "B", "P"):
        chain.fund(name, 10_000)
    X = sp.csr_matrix(np.ones((2 * N_TEST, 8), dtype=np.int8))
    portions = split_portions(X, np.ones(2 * N_TEST, dtype=np.int64), 2)
    index = contract.initialize_market("P", [portion_hash(*p) for p in portions], bounty)
    contract.reveal_init_test_set("P", *portions[index])
    for who, k in contributions:
        chain.advance(1)
        contract.add_data(who, [k], 1, stake)
    contract.end_market("P")
    contract.verify_next_test_set("P", *portions[1 - index])
    assert contract.market_view().test_samples == N_TEST
    return contract


def finish(contract) -> dict[str, int]:
    while contract.phase == "reward":
        contract.process_contributions("B", 1)
    owed = {name: contract.market_balance(name) for name in ("A", "B")}
    assert sum(owed.values()) + contract.market_view().pool == contract.chain.balance_of(contract.address)
    return {**owed, "pool": contract.market_view().pool, "rounds": contract.market_view().rounds}


def test_one_round_when_the_bounty_runs_out_first():
    # scores c0 +2, c1 -1, c2 +1; c1 runs out after 100 * 10 // 1 = 1000 rounds, the whole bounty:
    # c0 +2 * 1000 // 10 = +200, c1 -100, c2 +100 -> A 100+200 + 100+100, B 0, pool 1000 - 200 = 800
    assert finish(market(1000)) == {"A": 500, "B": 0, "pool": 800, "rounds": 1}


def test_reset_model_replays_the_survivors_from_the_deployed_model():
    # round 1 as above but 4000 rounds are left; c1 dropped. Round 2 replays c0 (+2), c2 (+1) from the
    # deployed model: no negative score, all 4000 rounds: c0 +800, c2 +400.
    assert finish(market(5000)) == {"A": 300 + 800 + 200 + 400, "B": 0, "pool": 5000 - 200 - 1200, "rounds": 2}


def test_without_reset_each_contribution_keeps_its_first_count():
    # first replay counts after c0, c1, c2: 7, 6, 7. Round 2 (c1 dropped) scores from those counts:
    # c0 7 - 5 = +2, c2 7 - 7 = 0 -> c0 +2 * 4000 // 10 = +800, c2 nothing (SUM's default behaviour)
    assert finish(market(5000, reset=False)) == {"A": 300 + 800 + 200, "B": 0, "pool": 5000 - 200 - 800,
                                                 "rounds": 2}


@pytest.mark.parametrize("reset", [True, False])
def test_grouped_contributions_win_and_lose_together(reset):
    # units A (c0, c2: +2 + +1 = +3, balance 200) and B (-1, balance 100): B runs out in 1000 rounds:
    # A +300, B -100; B dropped. Round 2, A alone (one run c0 c2), all 4000 rounds: with reset replayed
    # from 5 to 8, +3; without, c2's first count 7 against the start 5, +2.
    result = finish(market(5000, group=True, reset=reset))
    second_round = 3 * 4000 // 10 if reset else 2 * 4000 // 10
    assert result == {"A": 200 + 300 + second_round, "B": 0, "pool": 5000 - 200 - second_round, "rounds": 2}


def test_losses_floor_so_the_pool_never_pays_more_than_the_rounds():
    # one contribution with -3 and one with +2; 7 rounds: changes -3 * 7 // 10 = -3 (floored), +2 * 7 // 10 = 1
    contract = market(7, stake=5, contributions=(("A", 0), ("B", 3)))
    assert finish(contract) == {"A": 5 + 1, "B": 5 - 3, "pool": 7 - 1 + 3, "rounds": 1}


def test_contributions_that_change_nothing_keep_their_stake():
    assert finish(market(1000, contributions=(("A", 4), ("B", 4)))) == {"A": 100, "B": 100, "pool": 1000,
                                                                         "rounds": 1}


def test_everyone_withdraws_once_and_the_provider_takes_the_rest():
    contract = market(5000)
    finish(contract)
    assert [contract.withdraw(name) for name in ("A", "P")] == [1700, 3600]
    for name, reason in (("A", R.NOTHING_TO_WITHDRAW), ("B", R.NOTHING_TO_WITHDRAW), ("P", R.NOTHING_TO_WITHDRAW)):
        with pytest.raises(Rejected, match=R.REASONS[reason]):
            contract.withdraw(name)
    assert contract.chain.balance_of(contract.address) == 0
    assert contract.chain.balances() == {"A": 10_000 - 200 + 1700, "B": 10_000 - 100, "P": 10_000 - 5000 + 3600,
                                         "market": 0}


def test_the_stake_is_the_minimum_and_the_rest_stays_with_the_sender():
    chain = Chain()
    contract = MarketContract(chain, PredictionMarket(ScriptedModel(), 100, 0, 1))
    chain.fund("A", 1_000)
    chain.fund("P", 1_000)
    X = sp.csr_matrix(np.ones((4, 8), dtype=np.int8))
    portions = split_portions(X, np.ones(4, dtype=np.int64), 2)
    index = contract.initialize_market("P", [portion_hash(*p) for p in portions], 10)
    contract.reveal_init_test_set("P", *portions[index])
    with pytest.raises(Rejected, match="did not pay enough: sent 99 but the market's stake is 100"):
        contract.add_data("A", [0], 1, 99)
    assert contract.add_data("A", [0], 1, 500).cost == 100
    assert chain.balance_of("A") == 900 and contract.market_balance("A") == 100
    assert contract.cost_to_add() == 100


def test_initialization_needs_two_hashes_and_a_bounty():
    contract = MarketContract(Chain(), PredictionMarket(ScriptedModel(), 1, 0, 1))
    contract.chain.fund("P", 100)
    with pytest.raises(Rejected, match=re.escape(R.REASONS[R.TOO_FEW_PORTIONS])):
        contract.initialize_market("P", ["0" * 64], 10)
    with pytest.raises(Rejected, match=re.escape(R.REASONS[R.NO_BOUNTY])):
        contract.initialize_market("P", ["0" * 64, "1" * 64], 0)
    assert contract.phase == "awaiting_bounty" and contract.chain.balance_of("P") == 100


def test_portion_hashes_and_the_reveal_index_are_deterministic():
    X = sp.random(30, 12, density=0.3, format="csr", random_state=1)
    y = np.arange(30) % 2
    portions = split_portions(X, y, 3)
    assert [p[0].shape[0] for p in portions] == [10, 10, 10]
    hashes = [portion_hash(*p) for p in portions]
    assert len(set(hashes)) == 3 and hashes == [portion_hash(*p) for p in split_portions(X, y, 3)]
    changed = y.copy()
    changed[0] ^= 1
    assert portion_hash(X[:10], changed[:10]) != hashes[0]
    assert reveal_index_for(hashes, 5) == reveal_index_for(hashes, 5) in range(3)
