# pragma version 0.4.3
"""
@title Multinomial naive Bayes with integer counts and fixed-point log-probabilities
@notice Same arithmetic as sumchain.models.naive_bayes.NaiveBayes: per class the samples seen, the
        feature occurrences and per feature the occurrence count; the score of class c for a sample
        x with m present features is
            log2(n[c]*S + a) + sum over i in x of log2(count[c][i]*S + a) - m * log2(total[c]*S + a*d)
        in 2**16 units (fixed_log.vy), the prediction the highest score, the lowest class on a tie.
        The logs are precomputed when counts change. A feature's table entry is stored relative to
        log2(a) (the log of a zero count), so the storage default 0 is right for every count never
        touched and initialisation writes only non-zero counts.
        Not yet wired into trainer.vy: tests/engines/evm/test_naive_bayes.py checks it against the
        Python model through a small harness contract.
"""

import fixed_log

MAX_FEATURES: constant(uint256) = 1024
MAX_WIDTH: constant(uint256) = 65535
MAX_CLASSES: constant(uint256) = 16
SMOOTHING_SCALE: constant(uint256) = 1000

num_features: public(uint256)
num_classes: public(uint256)
smoothing_units: public(uint256)
counts: public(HashMap[uint256, HashMap[uint256, uint256]])
class_samples: public(HashMap[uint256, uint256])
totals: public(HashMap[uint256, uint256])
log_counts_above_zero: HashMap[uint256, HashMap[uint256, int256]]
log_priors: HashMap[uint256, int256]
log_totals: HashMap[uint256, int256]
log_zero_count: int256
version: public(uint256)


@deploy
def __init__(num_features: uint256, num_classes: uint256, smoothing_units: uint256):
    assert num_features >= 1 and num_features <= MAX_WIDTH, "num_features must be between 1 and 65535"
    assert num_classes >= 2 and num_classes <= MAX_CLASSES, "num_classes must be between 2 and 16"
    assert smoothing_units >= 1, "smoothing must be at least one unit (0.001)"
    self.num_features = num_features
    self.num_classes = num_classes
    self.smoothing_units = smoothing_units
    self.log_zero_count = fixed_log.log2_fixed(smoothing_units)
    for c: uint256 in range(MAX_CLASSES):
        if c >= num_classes:
            break
        self.log_priors[c] = self.log_zero_count
        self.log_totals[c] = fixed_log.log2_fixed(smoothing_units * num_features)


@internal
def _set_count(label: uint256, i: uint256, count: uint256):
    self.counts[label][i] = count
    self.log_counts_above_zero[label][i] = fixed_log.log2_fixed(count * SMOOTHING_SCALE + self.smoothing_units) \
        - self.log_zero_count


@internal
def _set_class(label: uint256, samples: uint256, total: uint256):
    self.class_samples[label] = samples
    self.totals[label] = total
    self.log_priors[label] = fixed_log.log2_fixed(samples * SMOOTHING_SCALE + self.smoothing_units)
    self.log_totals[label] = fixed_log.log2_fixed(total * SMOOTHING_SCALE + self.smoothing_units * self.num_features)


@internal
def set_counts(label: uint256, samples: uint256, indices: DynArray[uint256, MAX_FEATURES],
               values: DynArray[uint256, MAX_FEATURES]):
    """Initialisation by the owner: the class's sample count and some of its feature counts."""
    assert label < self.num_classes, "class out of range"
    assert len(indices) == len(values), "indices and values must have the same length"
    total: uint256 = self.totals[label]
    for k: uint256 in range(len(indices), bound=MAX_FEATURES):
        assert indices[k] < self.num_features, "count index out of range"
        total = total + values[k] - self.counts[label][indices[k]]
        self._set_count(label, indices[k], values[k])
    self._set_class(label, samples, total)


@internal
@view
def score(x: DynArray[uint256, MAX_FEATURES], c: uint256) -> int256:
    above: int256 = 0
    for i: uint256 in x:
        above += self.log_counts_above_zero[c][i]
    m: int256 = convert(len(x), int256)
    return self.log_priors[c] + above + m * (self.log_zero_count - self.log_totals[c])


@internal
@view
def predict(x: DynArray[uint256, MAX_FEATURES]) -> uint256:
    best: uint256 = 0
    best_score: int256 = 0
    for c: uint256 in range(MAX_CLASSES):
        if c >= self.num_classes:
            break
        s: int256 = self.score(x, c)
        if c == 0 or s > best_score:
            best = c
            best_score = s
    return best


@internal
def update(x: DynArray[uint256, MAX_FEATURES], y: uint256) -> bool:
    """Count the sample's features for its label; every update changes the model."""
    for i: uint256 in x:
        self._set_count(y, i, self.counts[y][i] + 1)
    self._set_class(y, self.class_samples[y] + 1, self.totals[y] + len(x))
    self.version += 1
    return True
