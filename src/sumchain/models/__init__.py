"""Models that can live on chain: integer weights, `predict(x)`, `update(x, y)`, vectorised `evaluate`."""

from sumchain.models.perceptron import SCALE, SparsePerceptron, quantise, train_offchain

__all__ = ["SCALE", "SparsePerceptron", "quantise", "train_offchain"]
