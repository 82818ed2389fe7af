"""Gas of every contract call against the model's width and the sample's present features, per family,
and the per-family bounds the config takes from it (EIP-7825 caps a transaction at 2**24 gas).

Usage: python benchmarks/bench_gas_limits.py [--node] [--quick] [--classes 2]
Prints one row per (family, num_features, present features, call) with the gas used, then per family
the linear envelope gas <= base + per_feature * num_features + per_present * present that covers
measured call the config bounds, to compare with `sumchain.config.EVM_GAS_MODEL` (the config check):
every claim, prediction and withdrawal, and an add of a one-feature sample (dense: one non-zero
value), whose cost grows with the model's width (a nearest centroid moves every coordinate, a dense
model reads every value). An add's cost per present feature is the sender's own (a weight, count or
coordinate written per feature) and is printed, not bounded: over the cap it fails alone.

Each point is a fresh deployment whose initial state has non-zero entries only at the first features
(so no call pays for the initial state): carol adds first (one-off writes), alice adds a sample of
`present` features with the label the model gives, bob one on other features with the other label;
after the refund wait alice refunds (when the claim view says she may), reports bob's, a free predict
is read, carol pays for a prediction and alice withdraws her share. For the dense families `present`
is the number of non-zero values (every call reads every feature's value).

pyrevm (the default) charges storage that an earlier transaction touched as warm, so its refund,
report and predict figures are lower bounds; `--node` measures on a Hardhat dev node (started here,
sumchain.engines.rpc.devnode), exact per transaction, and is what the config's numbers come from.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import scipy.sparse as sp

from sumchain import Config, Rejected
from sumchain.config import EVM_GAS_MODEL, EVM_MODELS, TX_GAS_CAP
from sumchain.engines.evm.deploy import deploy_contract
from sumchain.ledger.money import to_units
from sumchain.models import MODELS

DAY_S = 86_400
DENSE = ("dense_perceptron", "dense_nearest_centroid")
SPARSE_WIDTHS = (1_000, 2_000, 4_000, 8_000)
WIDE = (65_535,)                   # for the families whose calls do not loop over the width
DENSE_WIDTHS = (16, 128, 512, 1024)
PRESENT = (1, 256, 1024)
QUICK_SPARSE, QUICK_DENSE, QUICK_PRESENT = (1_000, 8_000), (128, 1024), (1, 1024)


def initial_model(family: str, width: int, classes: int):
    """A model of `family` fitted on `classes` one-feature rows at the last features, so that each
    weight or count an add writes is written from 0 (a storage word's dearest write). A nearest
    centroid's class 0 is fitted on a row of every feature instead: its centroid is non-zero
    everywhere, as a trained model's is, so an add to it rewrites every coordinate."""
    rows = np.arange(classes)
    X = sp.lil_matrix((classes, width))
    for c in rows:
        X[c, width - 1 - c] = 1
    if family in ("nearest_centroid", "dense_nearest_centroid"):
        X[0, :] = 1
    config = Config(model=family, num_words=width)
    return MODELS[family].fit(sp.csr_matrix(X), rows, num_classes=classes, seed=0, step=1000,
                              params=config.model_parameters())


def measure(family: str, width: int, present: int, backend, classes: int = 2) -> dict[str, int | str]:
    """Gas of each call at one point (a refused or failed call: its reason)."""
    config = Config(model=family, num_words=width, max_features=min(1024, max(present, 1)))
    model = initial_model(family, width, classes)
    trainer, _ = deploy_contract(config, model, backend)
    chain = trainer.chain
    for name in ("alice", "bob", "carol"):
        chain.fund(name, to_units(10**6))
    mine = model.sample(np.arange(present))
    # a dense sample holds every feature: the other one is its opposite
    theirs = -mine if family in DENSE else model.sample(np.arange(present, 2 * present))
    out: dict[str, int | str] = {}

    def call(name: str, sender: str, function: str, action):
        before = chain.gas_used().get((sender, function), 0)
        try:
            result = action()
        except Rejected as refusal:
            gas = chain.gas_used()[(sender, function)] - before
            out[name] = f"out of gas ({gas:,})" if gas > TX_GAS_CAP else f"refused: {refusal.reason[:40]}"
            return None
        out[name] = chain.gas_used()[(sender, function)] - before
        return result

    chain.advance(600)
    last = model.sample(np.array([width - 1]))
    trainer.add_data("carol", last, trainer.predict(last), to_units(100))     # one-off writes (counters)
    chain.advance(600)
    given = trainer.predict(mine)
    agreed = call("add (model's label)", "alice", "add_data",
                  lambda: trainer.add_data("alice", mine, given, to_units(100)))
    chain.advance(DAY_S + 1)
    if agreed is not None:
        call("refund", "alice", "refund", lambda: trainer.refund("alice", mine, given, agreed.added_time))
    other = (trainer.predict(theirs) + 1) % classes
    contradicted = call("add (other label)", "bob", "add_data",
                        lambda: trainer.add_data("bob", theirs, other, to_units(100)))
    chain.advance(9 * DAY_S)            # past the any-address wait: a report is accepted whatever the model says
    if contradicted is not None:
        call("report", "carol", "report",
             lambda: trainer.report("carol", theirs, other, contradicted.added_time, "bob"))
    spec = trainer._functions["predict"]
    read = backend.call(trainer.address, spec.calldata(trainer._pack(trainer._features(mine))))
    out["predict (free read)"] = read.gas_used if read.success else "failed"
    call("paid predict", "carol", "predict_paid", lambda: trainer.predict(mine, sender="carol", value=to_units(1)))
    if trainer.withdrawable("alice"):
        call("withdraw", "alice", "withdraw", lambda: trainer.withdraw("alice"))
    return out


def points(family: str, quick: bool) -> list[tuple[int, int]]:
    if family in DENSE:
        return [(w, k) for w in (QUICK_DENSE if quick else DENSE_WIDTHS) for k in (1, w)]
    widths = QUICK_SPARSE if quick else SPARSE_WIDTHS + (() if family == "nearest_centroid" else WIDE)
    return [(w, k) for w in widths for k in (QUICK_PRESENT if quick else PRESENT) if 2 * k <= w]


def slope(points: list[tuple[int, int]]) -> int:
    """The least-squares slope of the most gas at each x against x, rounded up (0 when it falls)."""
    most: dict[int, int] = {}
    for x, g in points:
        most[x] = max(g, most.get(x, 0))
    if len(most) < 2:
        return 0
    return max(0, math.ceil(np.polyfit(list(most), list(most.values()), 1)[0]))


def envelope(rows: list[tuple[int, int, str, int]], dense: bool) -> tuple[int, int, int]:
    """(base, per_feature, per_present) covering every bounded call measured: per_feature from the adds'
    growth with the width (a dense family: every call's, every feature being present), per_present from
    the other calls' growth with the present features, base raised until every measurement is covered
    (so the sum of the two slopes bounds the larger of the two costs)."""
    if dense:
        per_feature = slope([(w, g) for w, _, _, g in rows])
        per_present = 0
    else:
        per_feature = slope([(w, g) for w, k, name, g in rows if name.startswith("add")])
        per_present = slope([(k, g) for w, k, name, g in rows if not name.startswith("add")])
    base = max(g - per_feature * w - per_present * k for w, k, _, g in rows)
    return base, per_feature, per_present


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", action="store_true", help="measure on a Hardhat dev node (exact per transaction)")
    parser.add_argument("--quick", action="store_true", help="a few points per family")
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--families", nargs="*", default=list(EVM_MODELS))
    args = parser.parse_args()
    node = None
    if args.node:
        from sumchain.engines.rpc import RpcBackend, fresh_dev_chain
        from sumchain.engines.rpc.devnode import start_dev_node

        node = start_dev_node()
        fresh = lambda: fresh_dev_chain(RpcBackend(node.url))         # noqa: E731
    else:
        from sumchain.engines.evm.revm import RevmBackend

        fresh = RevmBackend
    try:
        print(f"{'family':24} {'features':>8} {'present':>7}  {'call':22} {'gas':>12}")
        for family in args.families:
            bounded: list[tuple[int, int, str, int]] = []
            for width, present in points(family, args.quick):
                out = measure(family, width, present, fresh(), args.classes)
                for name, gas in out.items():
                    shown = f"{gas:12,}" if isinstance(gas, int) else f"{gas:>12}"
                    print(f"{family:24} {width:8,} {present:7,}  {name:22} {shown}", flush=True)
                kept = {name: g for name, g in out.items() if not name.startswith("add") or present == 1}
                if all(isinstance(g, int) for g in kept.values()):      # a point past the cap is no envelope's
                    bounded += [(width, present, name, g) for name, g in kept.items() if g > 0]
            if len({(w, k) for w, k, *_ in bounded}) >= 2:
                base, per_feature, per_present = envelope(bounded, dense=family in DENSE)
                print(f"-> {family}: worst call <= {base:,} + {per_feature:,} * num_features + {per_present:,} * "
                      f"present; config: {EVM_GAS_MODEL[family]} (cap {TX_GAS_CAP:,})\n", flush=True)
    finally:
        if node is not None:
            node.stop()


if __name__ == "__main__":
    main()
