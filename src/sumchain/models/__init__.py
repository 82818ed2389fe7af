"""Models that can live on chain: integer (fixed-point) state, `predict`, `update`, batched reads.

`MODELS` maps each `model = ...` name to its family (`registry.py`); `Model` is the protocol every
family follows (`protocol.py`); each family lives in its own module.
"""

from sumchain.models.perceptron import SparsePerceptron, quantise, train_offchain
from sumchain.models.protocol import SCALE, Model
from sumchain.models.registry import MODELS, Family

__all__ = ["MODELS", "SCALE", "Family", "Model", "SparsePerceptron", "quantise", "train_offchain"]
