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
        A model module of the trainer (trainer.vy); samples are sparse (sparse_sample.vy). State rows:
        c < num_classes the feature counts of class c, num_classes the samples seen per class.
"""

import fixed_log
import sparse_sample

MAX_FEATURES: constant(uint256) = sparse_sample.MAX_FEATURES
MAX_WORDS: constant(uint256) = sparse_sample.MAX_WORDS
MAX_CHUNK: constant(uint256) = 1024
MAX_WIDTH: constant(uint256) = 65535
MAX_CLASSES: constant(uint256) = 16
SMOOTHING_SCALE: constant(uint256) = 1000

num_features: public(uint256)
max_features: public(uint256)
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


struct Sample:
    features: DynArray[uint256, MAX_FEATURES]


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, smoothing: int256,
             intercept: int256):
    """smoothing in SMOOTHING_SCALE units per 1.0; naive Bayes has no intercept (0)."""
    assert num_features >= 1 and num_features <= MAX_WIDTH, "num_features must be between 1 and 65535"
    assert max_features >= 1 and max_features <= MAX_FEATURES, "max_features must be between 1 and 1024"
    assert num_classes >= 2 and num_classes <= MAX_CLASSES, "num_classes must be between 2 and 16"
    assert smoothing >= 1, "smoothing must be at least one unit (0.001)"
    assert intercept == 0, "naive Bayes has no intercept"
    smoothing_units: uint256 = convert(smoothing, uint256)
    self.num_features = num_features
    self.max_features = max_features
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
@view
def classes() -> uint256:
    return self.num_classes


@internal
@view
def state_version() -> uint256:
    return self.version


@internal
@view
def shape() -> (uint256, uint256, uint256):
    return self.num_features, self.max_features, self.num_classes


@internal
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    """Initialisation by the owner: some feature counts of class `row`, or (row num_classes) the
    samples seen of the classes `indices`."""
    assert row <= self.num_classes, "row out of range: a class's counts, or num_classes for the samples per class"
    assert len(indices) == len(values), "indices and values must have the same length"
    if row == self.num_classes:
        for k: uint256 in range(len(indices), bound=MAX_CHUNK):
            assert indices[k] < self.num_classes and values[k] >= 0, "class out of range, or a count below 0"
            self._set_class(indices[k], convert(values[k], uint256), self.totals[indices[k]])
        return
    total: uint256 = self.totals[row]
    for k: uint256 in range(len(indices), bound=MAX_CHUNK):
        assert indices[k] < self.num_features and values[k] >= 0, "count index out of range, or a count below 0"
        total = total + convert(values[k], uint256) - self.counts[row][indices[k]]
        self._set_count(row, indices[k], convert(values[k], uint256))
    self._set_class(row, self.class_samples[row], total)


@internal
@view
def state_from(row: uint256, first: uint256, count: uint256) -> DynArray[int256, MAX_CHUNK]:
    out: DynArray[int256, MAX_CHUNK] = []
    width: uint256 = self.num_features
    if row == self.num_classes:
        width = self.num_classes
    for i: uint256 in range(first, first + count, bound=MAX_CHUNK):
        if i >= width:
            break
        if row == self.num_classes:
            out.append(convert(self.class_samples[i], int256))
        else:
            out.append(convert(self.counts[row][i], int256))
    return out


@internal
@view
def unpack(words: DynArray[uint256, MAX_WORDS]) -> Sample:
    return Sample(features=sparse_sample.unpack(words, self.max_features, self.num_features))


@internal
@view
def score(x: Sample, c: uint256) -> int256:
    above: int256 = 0
    for i: uint256 in x.features:
        above += self.log_counts_above_zero[c][i]
    m: int256 = convert(len(x.features), int256)
    return self.log_priors[c] + above + m * (self.log_zero_count - self.log_totals[c])


@internal
@view
def predict(x: Sample) -> uint256:
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
@view
def margin(x: Sample, y: uint256) -> int256:
    """The score of y minus the best score of any other class."""
    others: int256 = min_value(int256)
    for c: uint256 in range(MAX_CLASSES):
        if c >= self.num_classes:
            break
        if c != y:
            others = max(others, self.score(x, c))
    return self.score(x, y) - others


@internal
def update(x: Sample, y: uint256) -> bool:
    """Count the sample's features for its label; every update changes the model."""
    for i: uint256 in x.features:
        self._set_count(y, i, self.counts[y][i] + 1)
    self._set_class(y, self.class_samples[y] + 1, self.totals[y] + len(x.features))
    self.version += 1
    return True
