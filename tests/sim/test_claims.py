"""The claim view (asking the contract again only when an answer can change) says, at every turn,
what the contract's full preview of every pending claim says: the same claims to send, the same
declined reasons counted, the same contributions settled."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scipy.sparse as sp

from sumchain.config import Config
from sumchain.contract import reasons as R
from sumchain.data import Dataset
from sumchain.engines import deploy
from sumchain.errors import Rejected
from sumchain.ledger.money import to_units
from sumchain.sim.claims import ClaimView
from sumchain.sim.outstanding import Outstanding

DAY = 86_400
CLAIMERS = ("alice", "bob", "carol", "owner")


def _noise(n: int, width: int = 12, seed: int = 3) -> tuple[sp.csr_matrix, np.ndarray]:
    """Samples without signal over few features: the model's predictions of them flip often."""
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((n, width)) < 0.3).astype(np.int8)), rng.integers(0, 2, n)


DATASET = Dataset("noise", *_noise(400), *_noise(20, seed=4))
"""With naive Bayes trained on 1% of it, predictions of pending contributions flip every few adds."""


def deployed(dataset: Dataset, engine: str, incentive: str = "stakeable", **overrides):
    trainer = deploy(Config(num_words=dataset.num_features, engine=engine, incentive=incentive, **overrides), dataset)
    for name in CLAIMERS:
        trainer.chain.fund(name, to_units(10_000))
    return trainer
WAITS = [1, 600, 3_600, DAY // 2, DAY, DAY + 1, 3 * DAY, 7 * DAY + 1]
"""Clock steps: small ones, and ones that land on and around the refund and claim waits."""

step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(CLAIMERS[:3]), st.integers(0, 1), st.sampled_from(WAITS)),
    st.tuples(st.just("turn"), st.sampled_from(CLAIMERS), st.just(0), st.sampled_from(WAITS)),
    st.tuples(st.just("pay"), st.just("dave"), st.just(0), st.sampled_from(WAITS)),
)


@pytest.mark.parametrize("incentive", ["stakeable", "points", "quality_priced"])
@settings(max_examples=60, deadline=None)
@given(steps=st.lists(step, min_size=40, max_size=160))
def test_the_lazy_view_equals_the_full_preview_at_every_turn(incentive, steps):
    trainer = deployed(DATASET, "python", incentive, model="naive_bayes", train_size=0.01,
                       any_address_claim_wait_s=9 * DAY, owner_claim_wait_s=12 * DAY)
    trainer.chain.fund("dave", 10**22)
    pool = DATASET.X_train
    out = Outstanding(pool)
    view = ClaimView(out, trainer, list(CLAIMERS), DATASET.num_classes)
    row = lambda k: pool.indices[pool.indptr[k]:pool.indptr[k + 1]]     # noqa: E731
    predict_row = lambda k: trainer.predict(row(k))                     # noqa: E731
    version, names = 0, {name: i for i, name in enumerate(CLAIMERS)}
    for kind, who, flip, wait in steps:
        trainer.chain.advance(wait)
        if kind == "add":
            k = out.count
            label = int(DATASET.y_train[k]) ^ flip
            receipt = trainer.add_data(who, row(k), label, trainer.cost_to_add(row(k), label) + 10)
            out.add(receipt.contribution_id, receipt.added_time, names[who], label)
            version += receipt.model_updated
            continue
        if kind == "pay":           # a paid prediction moves no claim's answer (only report amounts)
            try:
                trainer.predict(row(0), sender=who, value=10**18)
            except Rejected:
                pass
            continue
        rows = out.active()
        if not len(rows):
            continue
        full = trainer.claim_preview(who, out.contribution_id[rows], [predict_row(k) for k in rows])
        declined_before = view.declined.copy()
        hits = view.turn(who, version, predict_row)
        assert hits == [(int(k), int(a)) for k, a in zip(rows, full.action) if a != R.NONE]
        assert np.array_equal(view.declined - declined_before, np.bincount(full.reason, minlength=len(R.REASONS)))
        assert np.array_equal(out.settled[rows], full.settled)
        for k, action in hits:
            author = CLAIMERS[out.author[k]]
            try:
                if action == R.REFUND:
                    trainer.refund(who, row(k), int(out.label[k]), int(out.added_time[k]))
                else:
                    trainer.report(who, row(k), int(out.label[k]), int(out.added_time[k]), author)
            except Rejected:      # an earlier claim in the turn (e.g. taking all that is left) came first
                pass


def test_young_contributions_are_judged_without_a_prediction():
    """Before the refund wait no claimer's answer depends on the model: nothing is predicted."""
    trainer = deployed(DATASET, "python")
    pool = DATASET.X_train
    out = Outstanding(pool)
    view = ClaimView(out, trainer, ["alice", "bob"], DATASET.num_classes)
    row = lambda k: pool.indices[pool.indptr[k]:pool.indptr[k + 1]]     # noqa: E731
    predicted = []
    predict_row = lambda k: predicted.append(k) or trainer.predict(row(k))   # noqa: E731
    for k in range(5):
        trainer.chain.advance(600)
        receipt = trainer.add_data("alice", row(k), int(DATASET.y_train[k]), trainer.cost_to_add())
        out.add(receipt.contribution_id, receipt.added_time, 0, int(DATASET.y_train[k]))
        assert view.turn("bob", 0, predict_row) == [] and view.turn("alice", 0, predict_row) == []
    assert predicted == [] and not any(out.watched)
    trainer.chain.advance(DAY + 1)
    view.turn("alice", 0, predict_row)
    assert sorted(predicted) == list(range(5))        # past the wait the author's refund reads the model


def test_a_flipped_prediction_is_asked_again():
    """A watched contribution whose prediction flips is judged again at the claimer's next turn."""
    trainer = deployed(DATASET, "python", model="naive_bayes", train_size=0.01)
    pool = DATASET.X_train
    out = Outstanding(pool)
    view = ClaimView(out, trainer, ["alice"], DATASET.num_classes)
    row = lambda k: pool.indices[pool.indptr[k]:pool.indptr[k + 1]]     # noqa: E731
    predict_row = lambda k: trainer.predict(row(k))                     # noqa: E731
    label, version, k = 1 - trainer.predict(row(0)), 0, 1
    receipt = trainer.add_data("alice", row(0), label, trainer.cost_to_add())
    out.add(receipt.contribution_id, receipt.added_time, 0, label)

    def bob_adds_until(agrees: bool) -> None:        # others' adds until the model agrees (or not) with alice
        nonlocal version, k
        while (trainer.predict(row(0)) == label) != agrees:
            receipt = trainer.add_data("bob", row(k), label if agrees else 1 - label, trainer.cost_to_add())
            out.add(receipt.contribution_id, receipt.added_time, 1, label if agrees else 1 - label)
            version, k = version + receipt.model_updated, k + 1
            trainer.chain.advance(60)
            assert k < 200

    trainer.chain.advance(DAY + 1)
    bob_adds_until(agrees=False)
    assert view.turn("alice", version, predict_row) == []
    assert out.watched[0] and view.counts[0][R.MODEL_DISAGREES] == 1
    bob_adds_until(agrees=True)
    assert view.turn("alice", version, predict_row) == [(0, R.REFUND)]
