# pragma version 0.4.3
"""
@title Nearest centroid classifier over sparse binary samples, centroids in fixed point
@notice Same arithmetic as sumchain.models.nearest_centroid.NearestCentroid (sparse samples): per
        class a centroid in CENTROID_SCALE (10**6) units per 1.0 and the number of samples seen;
        the prediction is the class with the highest 2 * CENTROID_SCALE * sum(centroid[x]) - |centroid|^2
        (the negated squared distance without the |x|^2 every class shares), the lowest class on a tie;
        an update moves every coordinate of the label's centroid by (target - c) // (n + 1), where
        Vyper's signed // truncates toward zero as the Python model's div_toward_zero does, and
        recomputes that centroid's squared norm. A sample is the strictly increasing list of its
        present feature indices (the trainer unpacks and checks it).
        Not yet wired into trainer.vy: tests/engines/evm/test_nearest_centroid.py checks it against
        the Python model through a small harness contract.
"""

MAX_FEATURES: constant(uint256) = 1024
MAX_WIDTH: constant(uint256) = 65535
MAX_CLASSES: constant(uint256) = 16
CENTROID_SCALE: constant(int256) = 1000000

num_features: public(uint256)
num_classes: public(uint256)
centroids: public(HashMap[uint256, HashMap[uint256, int256]])
class_samples: public(HashMap[uint256, uint256])
norms: public(HashMap[uint256, int256])
version: public(uint256)


@deploy
def __init__(num_features: uint256, num_classes: uint256):
    assert num_features >= 1 and num_features <= MAX_WIDTH, "num_features must be between 1 and 65535"
    assert num_classes >= 2 and num_classes <= MAX_CLASSES, "num_classes must be between 2 and 16"
    self.num_features = num_features
    self.num_classes = num_classes


@internal
def set_centroid(label: uint256, samples: uint256, first: uint256, values: DynArray[int256, MAX_FEATURES]):
    """Initialisation by the owner: `values` are the centroid's coordinates from `first` on."""
    assert label < self.num_classes, "class out of range"
    assert first + len(values) <= self.num_features, "centroid index out of range"
    self.class_samples[label] = samples
    norm: int256 = self.norms[label]
    for i: uint256 in range(len(values), bound=MAX_FEATURES):
        old: int256 = self.centroids[label][first + i]
        norm += values[i] * values[i] - old * old
        self.centroids[label][first + i] = values[i]
    self.norms[label] = norm


@internal
@view
def predict(x: DynArray[uint256, MAX_FEATURES]) -> uint256:
    best: uint256 = 0
    best_score: int256 = 0
    for c: uint256 in range(MAX_CLASSES):
        if c >= self.num_classes:
            break
        dot: int256 = 0
        for i: uint256 in x:
            dot += self.centroids[c][i]
        score: int256 = 2 * CENTROID_SCALE * dot - self.norms[c]
        if c == 0 or score > best_score:
            best = c
            best_score = score
    return best


@internal
def update(x: DynArray[uint256, MAX_FEATURES], y: uint256) -> bool:
    """Move the label's centroid toward x by a running mean; every update changes the model."""
    divisor: int256 = convert(self.class_samples[y], int256) + 1
    norm: int256 = 0
    next_present: uint256 = 0
    for i: uint256 in range(self.num_features, bound=MAX_WIDTH):
        target: int256 = 0
        if next_present < len(x) and x[next_present] == i:
            target = CENTROID_SCALE
            next_present += 1
        c: int256 = self.centroids[y][i]
        moved: int256 = c + (target - c) // divisor
        if moved != c:
            self.centroids[y][i] = moved
        norm += moved * moved
    self.norms[y] = norm
    self.class_samples[y] += 1
    self.version += 1
    return True
