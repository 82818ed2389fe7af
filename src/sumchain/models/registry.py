"""The model families by name (`model = ...`): how each is fitted off chain and what it allows.

A family's `fit(X, y, num_classes=, seed=, step=, params=)` is its initial training off chain:
`step` is the perceptrons' on-chain step (`learning_rate` in fixed point), `params` the family's
own parameters (`Config.model_parameters()`: its table, the class `parameters`). Bump a
family's `training_version` when its fit changes what it learns (cached baselines are keyed by it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sumchain.components import vyper_constant
from sumchain.models import dense_perceptron, logistic_regression, naive_bayes, nearest_centroid, perceptron
from sumchain.models.dense_perceptron import fit_dense_perceptron
from sumchain.models.logistic_regression import fit_logistic_regression
from sumchain.models.naive_bayes import fit_naive_bayes
from sumchain.models.nearest_centroid import fit_nearest_centroid
from sumchain.models.perceptron import DEFAULT_EPOCHS, TRAINING_VERSION, train_offchain
from sumchain.models.protocol import SCALE, ContractLayout, Model, ScoreGrowth


@dataclass(frozen=True)
class Family:
    name: str
    fit_rows: Callable[..., Model]
    input_kind: str
    binary_only: bool
    training_version: int
    summary: str
    parameters: type | None = None
    """The frozen class of its own keys (its config table, `[naive_bayes]`), or None."""
    state_evidence: Callable[[Model], tuple[dict[str, Any], bytes]] | None = None
    """(fields, bytes) of its state in a run's state digest (`engines.replay.state_digest`), where it
    is not the generic family name and `state()` integers."""
    contract: ContractLayout | None = None
    """Its state on the trainer contract (`contracts/<name>.vy`); None: no contract code, python engine only."""
    score_growth: Callable[..., ScoreGrowth] | None = None
    """`score_growth(config, rows, n, updates)` for a family whose weights move by a configured step
    per update (`engines.check_scores_fit`); None: its scores cannot outgrow int64 that way."""

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines that run it: every engine when it has contract code."""
        return ("python", "evm", "rpc") if self.contract else ("python",)

    def max_classes(self, engine: str) -> int | None:
        """The most classes it takes on `engine` (None: no bound): a binary family 2, and on a chain
        its contract's compiled `MAX_CLASSES`."""
        if self.binary_only:
            return 2
        if engine == "python" or self.contract is None:
            return None
        return vyper_constant(self.name, "MAX_CLASSES")

    @property
    def dense(self) -> bool:
        """Whether it reads numeric feature values (the others read which features are present)."""
        return self.input_kind == "dense"

    def fit(self, X, y, *, num_classes: int, seed: int, step: int = SCALE,
            params: Mapping[str, Any] | None = None) -> Model:
        return self.fit_rows(X, y, num_classes=num_classes, seed=seed, step=step, **dict(params or {}))


MODELS: dict[str, Family] = {f.name: f for f in (
    Family("perceptron", lambda X, y, *, num_classes, seed, step: train_offchain(X, y, seed=seed, learning_rate=step),
           "sparse", True, TRAINING_VERSION * 100 + DEFAULT_EPOCHS,
           "sparse binary perceptron (averaged off chain), learns from mistakes", contract=perceptron.CONTRACT,
           state_evidence=perceptron.state_evidence, score_growth=perceptron.score_growth),
    Family("dense_perceptron", lambda X, y, *, num_classes, seed, step: fit_dense_perceptron(X, y, seed, step),
           "dense", True, 1, "perceptron over dense fixed-point feature values", contract=dense_perceptron.CONTRACT,
           score_growth=dense_perceptron.score_growth),
    Family("naive_bayes", lambda X, y, *, num_classes, seed, step, smoothing: fit_naive_bayes(X, y, num_classes,
                                                                                              smoothing),
           "sparse", False, 1, "multinomial naive Bayes, integer counts, fixed-point log2", naive_bayes.Parameters,
           contract=naive_bayes.CONTRACT),
    Family("nearest_centroid", lambda X, y, *, num_classes, seed, step: fit_nearest_centroid(X, y, num_classes),
           "sparse", False, 1, "nearest centroid, running means in fixed point, sparse binary samples",
           contract=nearest_centroid.CONTRACT),
    Family("dense_nearest_centroid",
           lambda X, y, *, num_classes, seed, step: fit_nearest_centroid(X, y, num_classes, dense=True),
           "dense", False, 1, "nearest centroid over dense fixed-point feature values",
           contract=nearest_centroid.DENSE_CONTRACT),
    Family("logistic_regression", lambda X, y, *, num_classes, seed, step, eta0, t0: fit_logistic_regression(
        X, y, seed, eta0, t0), "sparse", True, 1, "binary logistic regression, online SGD, PLAN sigmoid",
        logistic_regression.Parameters, score_growth=logistic_regression.score_growth),
)}
