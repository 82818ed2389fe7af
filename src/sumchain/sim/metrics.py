"""The study's metrics, computed from a finished simulation."""

from __future__ import annotations

import math

from sumchain.ledger.money import to_coins
from sumchain.sim.loop import Simulation

DAY_S = 86_400


def summarise(sim: Simulation, initial_accuracy: float, baseline_accuracy: float) -> dict:
    final = sim.last_accuracy
    return {
        "initial_accuracy": initial_accuracy,
        "final_accuracy": final,
        "baseline_accuracy": baseline_accuracy,
        "gap": 100.0 * (baseline_accuracy - final) if not math.isnan(final) else float("nan"),
        "bad_depleted_day": None if sim.depleted_time is None else sim.depleted_time / DAY_S,
        "bad_min_pct": sim.min_malicious_pct,
        "days": sim.chain.now / DAY_S,
        "balances": {a.name: to_coins(sim.chain.balance_of(a.name)) for a in sim.agents},
        "balance_pct": {a.name: sim.percent_of_start(a) for a in sim.agents},
        "cost_per_add": {a.name: to_coins(sim.spent_on_adds[a.index]) / sim.adds_by[a.index]
                         if sim.adds_by[a.index] else None for a in sim.agents},
        "counts": {
            **sim.counts,
            "rejections": dict(sorted(sim.rejections.items())),
            "declined": dict(sorted(sim.declined.items())),
        },
    }
