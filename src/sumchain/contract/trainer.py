"""The trainer: the contract's public functions, named after what a participant does.

The trainer wires the three parts together and moves the money: the incentive mechanism says what
a call costs or pays (or refuses it), the data handler remembers contributions, the model learns.
Each state-changing call runs as one ledger transaction, its argument checks included: every
check happens inside the transaction before any state changes, so a refused call (`Rejected`) is
recorded on the chain and leaves the contract, the model and the balances untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sumchain.contract import reasons as R
from sumchain.contract.data_handler import DataHandler
from sumchain.contract.incentives import Mechanism
from sumchain.contract.incentives.stakeable import ClaimFacts
from sumchain.contract.samples import check_features, check_label, check_time
from sumchain.errors import Rejected
from sumchain.ledger import Chain, Transfers
from sumchain.models import Model


FEW_CLAIMS = 32
"""Up to this many contributions, `claim_preview` looks its table up one by one: cheaper than numpy."""


class AddReceipt(NamedTuple):
    """What `add_data` returns: the cost taken, when the data was recorded, whether the model moved,
    and the contribution's id (for `claim_preview`)."""

    cost: int
    added_time: int
    model_updated: bool
    contribution_id: int = -1


class ClaimPreview(NamedTuple):
    """`claim_preview`'s answer, one entry per asked contribution (see there)."""

    action: np.ndarray            # reasons.NONE, REFUND or REPORT
    amount: tuple[int, ...]       # base units the call would pay; 0 with NONE
    reason: np.ndarray            # reasons.OK with an action, else the refusal's code (reasons.REASONS)
    settled: np.ndarray           # nothing more can ever be claimed from it


class ClaimRules(NamedTuple):
    """`claim_rules`' answer: besides a call on the contribution itself (a claim changes its claimed,
    claimable and claim-count facts) and the model's prediction of it, what can change a claimer's
    `claim_preview` answer for a contribution, from the mechanism's own description of its rules."""

    age_breakpoints: tuple[int, ...]           # ages (seconds since added) at which an answer may change
    claim_count_breakpoints: tuple[int, ...]   # claim counts at which one may (a count moves only with a claim)
    state: tuple                               # the state the rules read for the claimer: when it changes, any answer may


def claim_rules_of(mechanism: Mechanism, claimer: str) -> ClaimRules:
    """The mechanism's `age_breakpoints`, `claim_count_breakpoints` and `rules_state` for `claimer`
    (shared by the engines: the EVM engine asks a mirror of the deployed mechanism)."""
    return ClaimRules(tuple(int(a) for a in mechanism.age_breakpoints(claimer)),
                      tuple(int(c) for c in mechanism.claim_count_breakpoints), mechanism.rules_state(claimer))


@dataclass(frozen=True)
class ContributionView:
    """A free read of one stored contribution."""

    author: str
    y: int
    added_time: int
    initial_deposit: int
    claimable: int
    claimed_by: frozenset[str]
    num_claims: int
    settled: bool


class Trainer:
    """A deployed SUM contract: `add_data`, `refund`, `report`, `predict`, plus free reads."""

    def __init__(self, chain: Chain, model: Model, mechanism: Mechanism,
                 handler: DataHandler | None = None, owner: str = "owner", address: str = "trainer"):
        self.chain = chain
        self.model = model
        self.mechanism = mechanism
        self.handler = handler or DataHandler()
        self.owner = owner
        self.address = address
        self._claim_rules: dict[tuple, ClaimRules] = {}     # by (claimer, rules_state): asked every turn

    def __repr__(self) -> str:
        return f"Trainer(model={self.model!r}, mechanism={self.mechanism!r}, contributions={len(self.handler)})"

    # -- calls that change state -------------------------------------------------------------
    # add_data, refund and report run flat (no closure, no `Transfers`): check everything, record
    # a refusal (`Chain.refuse`), else change state and record the call with its money (`Chain.accept`).
    def add_data(self, sender: str, x, y: int, value: int) -> AddReceipt:
        chain = self.chain
        now, args = chain.now, {"x": x, "y": y}
        try:
            units = chain.value_of(sender, value)
            features, label = self._features(x), self._label(y)
            cost = self.mechanism.cost_to_add(now, features, label, self.model)
            if value < cost:
                raise Rejected(f"did not pay enough: sent {value} but adding data costs {cost} now")
            key = self.handler.check_new(features, label, now, sender)
            self.handler.check_deposit(cost)
            paid = chain.check_payment(sender, cost)
        except Rejected as refusal:
            chain.refuse(sender, "add_data", value, args, refusal)
            raise
        self.mechanism.record_add(now)
        record = self.handler.add(key, sender, label, now, cost)
        updated = self.model.update(features, label)
        chain.accept(sender, "add_data", units, args, ((sender, self.address, paid),) if paid else (),
                     (("DataAdded", key, cost),))
        return AddReceipt(cost, now, updated, record.id)

    def refund(self, sender: str, x, y: int, added_time: int) -> int:
        chain, args = self.chain, {"x": x, "y": y, "added_time": added_time}
        try:
            features, label, time = self._features(x), self._label(y), self._time(added_time)
            record = self.handler.find(features, label, time, sender)
            amount = self.mechanism.refund_amount(record, sender, chain.now, self.model.predict(features))
            paid = chain.check_payment(self.address, amount)
        except Rejected as refusal:
            chain.refuse(sender, "refund", 0, args, refusal)
            raise
        self.mechanism.record_refund(sender)
        self.handler.record_claim(record, sender, amount)
        chain.accept(sender, "refund", 0, args, ((self.address, sender, paid),) if paid else (),
                     (("Refund", record.key, amount),))
        return amount

    def report(self, sender: str, x, y: int, added_time: int, original_author: str) -> int:
        chain = self.chain
        args = {"x": x, "y": y, "added_time": added_time, "original_author": original_author}
        try:
            features, label, time = self._features(x), self._label(y), self._time(added_time)
            record = self.handler.find(features, label, time, original_author)
            amount = self.mechanism.report_amount(record, sender, chain.now, self.model.predict(features))
            paid = chain.check_payment(self.address, amount)
        except Rejected as refusal:
            chain.refuse(sender, "report", 0, args, refusal)
            raise
        self.mechanism.record_report(record, sender)
        self.handler.record_claim(record, sender, amount)
        chain.accept(sender, "report", 0, args, ((self.address, sender, paid),) if paid else (),
                     (("Report", record.key, amount),))
        return amount

    def predict(self, x, sender: str | None = None, value: int = 0) -> int:
        """A free read without `sender`; with a sender, a paid call that credits `value // total verified`
        to each verified contribution (`withdraw` pays a contributor); the caller keeps the rest."""
        if sender is None:
            if value:
                raise Rejected("a paid prediction needs a sender")
            return self.model.predict(self._features(x))

        def paid_predict(transfers: Transfers) -> int:
            features = self._features(x)
            paid = self.mechanism.share_prediction(value)     # refuses, or credits (the last check)
            transfers.pay(sender, self.address, paid)          # cannot fail: paid <= value <= balance
            prediction = self.model.predict(features)
            transfers.emit("Prediction", prediction)
            return prediction
        return self.chain.transact(sender, "predict", value, {"x": x}, paid_predict)

    def withdraw(self, sender: str) -> int:
        """Pay `sender` what its verified contributions earned from paid predictions (see `withdrawable`)."""
        def withdraw(transfers: Transfers) -> int:
            amount = self.mechanism.withdraw_amount(sender)
            transfers.pay(self.address, sender, amount)
            transfers.emit("Withdrawal", amount)
            self.mechanism.record_withdraw(sender)
            return amount
        return self.chain.transact(sender, "withdraw", 0, {}, withdraw)

    # -- free reads --------------------------------------------------------------------------
    def cost_to_add(self, x=None, y: int | None = None) -> int:
        """What `add_data` would take now; raises `Rejected` when no data can be added now.

        With a sample and its label, what adding exactly that would take (a mechanism may price by the
        model's view of it: `quality_priced`); without, the least an add can cost now."""
        if x is None or y is None:
            return self.mechanism.cost_to_add(self.chain.now)
        return self.mechanism.cost_to_add(self.chain.now, self._features(x), self._label(y), self.model)

    def predict_many(self, X) -> np.ndarray:
        """`predict` for many samples at once, for agents and for measuring accuracy."""
        if X.shape[1] != self.model.num_features:
            raise Rejected(f"samples have {X.shape[1]} features but the model has {self.model.num_features}")
        return self.model.predict_many(X)

    def contribution(self, x, y: int, added_time: int, author: str) -> ContributionView:
        x = self._features(x)
        record = self.handler.find(x, self._label(y), added_time, author)
        return ContributionView(record.sender, record.y, record.added_time, record.initial_deposit,
                                record.claimable, frozenset(record.claimed_by), record.num_claims,
                                self.mechanism.is_settled(record))

    def claim_preview(self, claimer: str, ids, predictions) -> ClaimPreview:
        """What `refund` or `report` by `claimer` would do now, for a batch of contributions: a free read.

        Arguments, plain integers so that every engine takes the same:
        - `ids[i]`: a contribution's id, as `add_data` returned it (`AddReceipt.contribution_id`; ids
          count contributions from 0 in the order they were added);
        - `predictions[i]`: the model's prediction for that contribution's x, as `predict` or
          `predict_many` gives it now. The read judges with these, so a client that caches
          predictions per model version need not resend data; `refund` and `report` themselves
          recompute the prediction from x.

        Per contribution it returns (`ClaimPreview`): the call that would succeed now
        (`reasons.REFUND` when `claimer` is the author and a refund would be accepted, else
        `reasons.REPORT` when a report would be, else `reasons.NONE`), what that call would pay,
        the refusal's code when there is none (the refund's for the author, the report's for anyone
        else; `reasons.NO_SUCH_CONTRIBUTION` for an unknown id), and whether the contribution is
        settled. The rules are the mechanism's own (`refund_refusal`, `report_refusal`), the same
        expressions the calls use. Amounts assume no other call comes first.
        """
        if type(ids) is list and type(predictions) is list and 0 < len(ids) == len(predictions) <= FEW_CLAIMS \
                and all(type(v) is int for v in ids) and all(type(v) is int for v in predictions):
            return self._claim_preview_few(claimer, ids, predictions, self.mechanism.claim_table(claimer))
        ids = np.asarray(ids, dtype=np.int64)
        predictions = np.asarray(predictions, dtype=np.int64)
        if ids.ndim != 1 or predictions.shape != ids.shape:
            raise Rejected("ids and predictions must be one-dimensional and of the same length")
        handler, mechanism, columns = self.handler, self.mechanism, self.handler.columns
        n = len(ids)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return ClaimPreview(empty, (), empty, np.zeros(0, dtype=bool))
        if n <= FEW_CLAIMS:
            return self._claim_preview_few(claimer, ids.tolist(), predictions.tolist(), mechanism.claim_table(claimer))
        all_known = bool(ids.min() >= 0 and ids.max() < len(handler))
        known = True if all_known else handler.known_ids(ids)
        rows = ids if all_known else np.where(known, ids, 0)
        facts = ClaimFacts(is_author=columns.author[rows] == columns.addresses.get(claimer, -1),
                           claimed=columns.claimed_by(claimer)[rows],
                           has_claimable=columns.has_claimable[rows], num_claims=columns.num_claims[rows],
                           age=self.chain.now - columns.added_time[rows], agrees=predictions == columns.y[rows])
        table = mechanism.claim_table(claimer)
        classes = table.classes(facts)
        action, reason, settled = table.action[classes], table.reason[classes], table.unclaimable[classes]
        if not all_known:
            action[~known], reason[~known], settled[~known] = R.NONE, R.NO_SUCH_CONTRIBUTION, False
        amount = [0] * n
        hits = action.nonzero()[0]
        if len(hits):
            for i, id_, act, takes_all in zip(hits.tolist(), ids[hits].tolist(), action[hits].tolist(),
                                              table.takes_all[classes[hits]].tolist()):
                record = handler.by_id(id_)
                amount[i] = record.claimable if act == R.REFUND else mechanism.report_pays(record, claimer, takes_all)
        return ClaimPreview(action, tuple(amount), reason, settled)

    def _claim_preview_few(self, claimer: str, ids: list[int], predictions: list[int], table) -> ClaimPreview:
        """`claim_preview` for a few contributions: the same table, looked up one by one (a client that
        asks only about the answers that may have changed asks about a handful at a time)."""
        handler, mechanism, now, count = self.handler, self.mechanism, self.chain.now, len(self.handler)
        columns = handler.columns
        senders, labels, added, claimable, num_claims = (columns.sender, columns.y_of, columns.added_time_of,
                                                         columns.claimable, columns.num_claims_of)
        claimed = columns.claimed.get(claimer, b"")
        action, amount, reason, settled = [], [], [], []
        for id_, prediction in zip(ids, predictions):
            if not 0 <= id_ < count:
                answer = (R.NONE, R.NO_SUCH_CONTRIBUTION, False, False, R.NO_SUCH_CONTRIBUTION, R.NO_SUCH_CONTRIBUTION)
            else:
                answer = table.answer(senders[id_] == claimer, id_ < len(claimed) and claimed[id_] == 1,
                                      claimable[id_] > 0, num_claims[id_], now - added[id_], prediction == labels[id_])
            act, code, takes_all, unclaimable, _, _ = answer
            action.append(act)
            reason.append(code)
            settled.append(unclaimable)
            amount.append(0 if act == R.NONE else claimable[id_] if act == R.REFUND
                          else mechanism.report_pays(handler.by_id(id_), claimer, takes_all))
        return ClaimPreview(np.array(action, dtype=np.int64), tuple(amount), np.array(reason, dtype=np.int64),
                            np.array(settled, dtype=bool))

    def claim_rules(self, claimer: str) -> ClaimRules:
        """When `claimer`'s `claim_preview` answers can change (a free read): a client that keeps the
        answers asks again only about the contributions whose answer may have changed. The answer is
        the same object for as long as the mechanism's `rules_state(claimer)` holds (the rules'
        breakpoints are fixed at deploy), so a client can compare it by identity."""
        key = (claimer, self.mechanism.rules_state(claimer))
        rules = self._claim_rules.get(key)
        if rules is None:
            rules = self._claim_rules[key] = claim_rules_of(self.mechanism, claimer)
        return rules

    def verified(self, address: str) -> int:
        return self.mechanism.verified.get(address, 0)

    def withdrawable(self, address: str) -> int:
        """What `withdraw` would pay `address` now: its earnings from paid predictions not yet withdrawn."""
        return self.mechanism.withdrawable(address)

    def reported(self, address: str) -> int:
        """How many of `address`'s contributions were reported as bad (counted by the points mechanism)."""
        return getattr(self.mechanism, "reported", {}).get(address, 0)

    # -- argument checks (`contract.samples`, shared with every contract that takes a sample) ---------
    def _features(self, x) -> np.ndarray:
        model = self.model
        return check_features(x, model.num_features, model.input_kind == "dense")

    _time = staticmethod(check_time)

    def _label(self, y) -> int:
        return check_label(y, self.model.num_classes)
