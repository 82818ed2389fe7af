"""What an incentive mechanism of the trainer is: the protocol, and the model hook a price may read.

Why a protocol: the trainer (`contract/trainer.py`) moves the money and asks the mechanism only
what a call costs or pays, or why it is refused. Each mechanism builds itself from the config's
`incentive` section (`from_config(config.sections.incentive)`), which holds its keys and nothing
else: the stakeable waits and `cost_weight` for `stakeable`, the waits only for `points`, those
plus `weight` and `margin_scale` for `quality_priced`. The cost of adding may depend on the sample, its label and the current model
(`cost_to_add(now, x, y, model)`); a mechanism that prices by time only ignores them.

The claim rules of the deposit-based mechanisms are written once, in `stakeable.py`
(`refund_refusal`, `report_refusal` over `ClaimFacts`), and inherited. SUM's prediction market has
other public functions and phases, so it is a contract of its own (`contract/market.py`) over the
rules in `prediction_market.py`, not a `Mechanism` of the trainer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sumchain.contract.data_handler import Contribution
    from sumchain.contract.incentives.stakeable import ClaimFacts, ClaimTable


@runtime_checkable
class MarginModel(Protocol):
    """The one thing a plausibility price asks of a model: its margin for a label, an integer in the
    model's fixed-point score units, negative when the model predicts another class."""

    def margin(self, x: np.ndarray, y: int) -> int: ...


@runtime_checkable
class Mechanism(Protocol):
    """The incentive rules a `Trainer` asks. `*_amount`, `cost_to_add` and `*_refusal` only compute
    (or raise `Rejected`); `record_*` change state, called only after every check of a call passed."""

    name: str
    verified: dict[str, int]
    total_verified: int

    @classmethod
    def from_config(cls, section: Any, owner: str, start_time: int = 0) -> "Mechanism": ...

    def cost_to_add(self, now: int, x: np.ndarray | None = None, y: int | None = None,
                    model: MarginModel | None = None) -> int:
        """What adding `x` labelled `y` costs now in base units. Without x, y (or model): the cost of
        data the model agrees with, the least an add can cost now. Raises `Rejected` when no data can
        be added now."""

    def record_add(self, now: int) -> None: ...

    def unclaimable(self, facts: "ClaimFacts") -> Any: ...

    def refund_refusal(self, facts: "ClaimFacts") -> Any: ...

    def report_refusal(self, facts: "ClaimFacts", reporter: str) -> Any: ...

    def takes_all(self, facts: "ClaimFacts", reporter: str) -> Any: ...

    claim_count_breakpoints: tuple[int, ...]

    def age_breakpoints(self, claimer: str) -> list[int]: ...

    def rules_state(self, claimer: str) -> tuple: ...

    def claim_table(self, claimer: str) -> "ClaimTable":
        """The claim rules' answers for every class of facts, for `Trainer.claim_preview` (inherited
        from `Stakeable`: built from the same `*_refusal` expressions)."""

    def refund_amount(self, record: "Contribution", sender: str, now: int, prediction: int) -> int: ...

    def record_refund(self, sender: str) -> None: ...

    def report_amount(self, record: "Contribution", reporter: str, now: int, prediction: int) -> int: ...

    def report_pays(self, record: "Contribution", reporter: str, takes_all: bool) -> int: ...

    def record_report(self, record: "Contribution", reporter: str) -> None: ...

    def is_settled(self, record: "Contribution") -> bool: ...

    def share_prediction(self, value: int) -> int:
        """Credit a paid prediction's `value` to the verified contributions; what was credited
        (the caller keeps the rest). Changes state: called only after every check passed."""

    def withdrawable(self, account: str) -> int:
        """What `account` may withdraw now (its credited shares of paid predictions)."""

    def withdraw_amount(self, account: str) -> int:
        """What a withdrawal by `account` pays; raises `Rejected` when nothing is owed."""

    def record_withdraw(self, account: str) -> None: ...
