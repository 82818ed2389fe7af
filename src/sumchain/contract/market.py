"""The prediction market contract: its public functions, each one ledger transaction that moves the money.

The rules and state are `incentives.prediction_market.PredictionMarket`'s; this contract checks the
arguments, asks the rules, and pays through the chain (`Chain.transact`, `Transfers`), so a refused
call is recorded and changes nothing. Python engine only: SUM's own prediction market was Python
only. Test-set portions travel as sparse binary matrices with their labels; the ledger records
their size and hash, not the samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sumchain.contract.incentives.prediction_market import Phase, PredictionMarket, portion_hash
from sumchain.contract.samples import check_features, check_label
from sumchain.contract.trainer import AddReceipt
from sumchain.errors import Rejected
from sumchain.ledger import Chain, Transfers
from sumchain.ledger.money import to_units


@dataclass(frozen=True)
class MarketView:
    """A free read of the market's progress."""

    phase: str
    rounds: int                 # reward rounds settled
    dropped: int                # units dropped for running out
    contributions: int
    test_samples: int           # revealed test samples the rewards are measured on (0 before the reveal)
    pool: int                   # base units of the bounty not paid out
    remaining_rounds: int
    reveal_index: int           # the portion revealed before the market opened (-1 before)


def market_for(section, model) -> PredictionMarket:
    """The market's rules from its own keys, the config's `incentive` section (stakes in coins)."""
    p = section
    return PredictionMarket(model, min_stake=to_units(p.min_stake), min_length_s=p.min_length_s,
                            min_num_contributions=p.min_num_contributions,
                            group_contributions=p.group_contributions, reset_model=p.reset_model)


def deploy_market(chain, config, model, *, owner: str, address: str) -> "MarketContract":
    """The prediction market as a contract of its own on a Python chain (its descriptor's `own_contract`)."""
    return MarketContract(chain, market_for(config.sections.incentive, model), owner=owner, address=address)


class MarketContract:
    """A deployed prediction market: `initialize_market`, `reveal_init_test_set`, `add_data`,
    `end_market`, `verify_next_test_set`, `process_contributions`, `withdraw`, plus free reads."""

    def __init__(self, chain: Chain, market: PredictionMarket, owner: str = "owner", address: str = "market"):
        self.chain = chain
        self.market = market
        self.owner = owner
        self.address = address

    def __repr__(self) -> str:
        return f"MarketContract(market={self.market!r}, phase={self.phase}, contributions={len(self.market.contributions)})"

    # -- calls that change state ---------------------------------------------------------------
    def initialize_market(self, sender: str, portion_hashes, value: int) -> int:
        """Commit the hashes of the test-set portions and send the bounty; returns the index of the
        portion to reveal before the market opens."""
        hashes = [str(h) for h in portion_hashes] if isinstance(portion_hashes, (list, tuple)) else []
        now = self.chain.now

        def initialize(transfers: Transfers) -> int:
            self.market.check_phase(Phase.AWAITING_BOUNTY)
            transfers.pay(sender, self.address, value)
            return self.market.initialize(sender, hashes, value, now)
        return self.chain.transact(sender, "initialize_market", value, {"portion_hashes": hashes}, initialize)

    def reveal_init_test_set(self, sender: str, X, y) -> None:
        now = self.chain.now

        def reveal(transfers: Transfers) -> None:
            matrix, labels = self._portion(X, y)
            self.market.reveal_first(sender, matrix, labels, now)
        return self.chain.transact(sender, "reveal_init_test_set", 0, self._portion_args(X, y), reveal)

    def add_data(self, sender: str, x, y: int, value: int) -> AddReceipt:
        now = self.chain.now

        def add(transfers: Transfers) -> AddReceipt:
            features, label = self._features(x), self._label(y)
            stake = self.market.stake_for(value)
            transfers.pay(sender, self.address, stake)
            transfers.emit("DataAdded", len(self.market.contributions), stake)
            contribution_id = self.market.add(sender, features, label, stake)
            return AddReceipt(stake, now, False, contribution_id)
        return self.chain.transact(sender, "add_data", value, {"x": x, "y": y}, add)

    def end_market(self, sender: str) -> None:
        now = self.chain.now

        def end(transfers: Transfers) -> None:
            self.market.check_end(sender, now)
            self.market.end()
        return self.chain.transact(sender, "end_market", 0, {}, end)

    def verify_next_test_set(self, sender: str, X, y) -> int:
        """Reveal the next committed portion (checked against its hash); returns its index."""
        def verify(transfers: Transfers) -> int:
            matrix, labels = self._portion(X, y)
            return self.market.reveal_next(sender, matrix, labels)
        return self.chain.transact(sender, "verify_next_test_set", 0, self._portion_args(X, y), verify)

    def process_contributions(self, sender: str, max_steps: int = 1) -> int:
        """Replay up to `max_steps` contributions of the reward phase (anyone may); how many it did."""
        def process(transfers: Transfers) -> int:
            if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
                raise Rejected(f"max_steps must be a whole number >= 1, got {max_steps!r}")
            self.market.check_phase(Phase.REWARD)
            steps = self.market.process(int(max_steps))
            transfers.emit("Processed", steps, self.market.rounds_done)
            return steps
        return self.chain.transact(sender, "process_contributions", 0, {"max_steps": max_steps}, process)

    def withdraw(self, sender: str) -> int:
        """Take one's balance once rewards are computed (the provider: also the rest of the pool)."""
        def withdraw(transfers: Transfers) -> int:
            amount = self.market.withdrawal(sender)
            transfers.pay(self.address, sender, amount)
            transfers.emit("Withdrawal", amount)
            self.market.record_withdrawal(sender)
            return amount
        return self.chain.transact(sender, "withdraw", 0, {}, withdraw)

    # -- free reads ------------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        return self.market.phase.name.lower()

    @property
    def model(self):
        """The market's current model, to read or to predict with locally (never to change)."""
        return self.market.model

    def predict(self, x) -> int:
        return self.market.model.predict(self._features(x))

    def predict_many(self, X: sp.csr_matrix) -> np.ndarray:
        if X.shape[1] != self.market.model.num_features:
            raise Rejected(f"samples have {X.shape[1]} features but the model has {self.market.model.num_features}")
        return self.market.model.predict_many(X)

    def cost_to_add(self, x=None, y: int | None = None) -> int:
        """The stake an add takes now (any sample); refused outside the participation phase."""
        return self.market.stake_for(self.market.min_stake)

    def market_view(self) -> MarketView:
        m = self.market
        return MarketView(self.phase, m.rounds_done, m.dropped, len(m.contributions), getattr(m, "n", 0), m.pool,
                          m.remaining_rounds, m.reveal_index)

    def market_balance(self, address: str) -> int:
        """What `address` could withdraw once rewards are computed (its stakes until then)."""
        return self.market.balance_of(address)

    # -- argument checks -----------------------------------------------------------------------------
    def _portion(self, X, y) -> tuple[sp.csr_matrix, np.ndarray]:
        if not sp.issparse(X):
            raise Rejected("a test-set portion must be a sparse matrix of samples")
        labels = np.asarray(y)
        if labels.ndim != 1 or labels.shape[0] != X.shape[0] or (labels.size and labels.dtype.kind not in "iu"):
            raise Rejected("a test-set portion needs one integer label per row")
        return sp.csr_matrix(X), labels.astype(np.int64)

    @staticmethod
    def _portion_args(X, y) -> dict:
        try:
            return {"rows": int(X.shape[0]), "sha256": portion_hash(X, y)}
        except (Rejected, AttributeError, TypeError, ValueError):
            return {"portion": repr(X)[:200]}

    # the trainer's checks (`contract.samples`), so a sample is refused alike by every contract
    def _features(self, x) -> np.ndarray:
        model = self.market.model
        return check_features(x, model.num_features, model.input_kind == "dense")

    def _label(self, y) -> int:
        return check_label(y, self.market.model.num_classes)
