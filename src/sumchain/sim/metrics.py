"""The study's metrics, computed from a finished simulation."""

from __future__ import annotations

import math

from sumchain.ledger.money import to_coins
from sumchain.sim.loop import Simulation

DAY_S = 86_400


def summarise(sim: Simulation, initial_accuracy: float, baseline_accuracy: float) -> dict:
    """The study's metrics, per agent table (its agents added up), plus the population's:

    - `honest_balance_pct`, `malicious_balance_pct`: the total balance of all honest (kind honest)
      or all malicious agents (any malicious kind) as a percent of their total start; None without any;
    - `bad_share_submitted`: the share of accepted adds made by malicious agents (None without adds);
    - `bad_depleted_day`, `bad_min_pct`: when the malicious agents together first held at most
      `depleted_pct` of their start, and the lowest percent they held;
    - `paid_calls`, `fees_paid` (per caller table) and `fees_earned` (per contributor table), coins.
    """
    final = sim.last_accuracy
    tables = sim.tables
    adds = sum(sim.adds_by)
    honest = [a for a in sim.agents if a.kind == "honest"]
    return {
        "initial_accuracy": initial_accuracy,
        "final_accuracy": final,
        "baseline_accuracy": baseline_accuracy,
        "gap": 100.0 * (baseline_accuracy - final) if not math.isnan(final) else float("nan"),
        "bad_depleted_day": None if sim.depleted_time is None else sim.depleted_time / DAY_S,
        "bad_min_pct": sim.min_malicious_pct,
        "days": sim.chain.now / DAY_S,
        "balances": {name: to_coins(sim.balance_of(members)) for name, members in tables.items()},
        "balance_pct": {name: sim.percent_of_start(members) for name, members in tables.items()},
        "cost_per_add": {name: _per_add(sim, members) for name, members in tables.items()},
        "honest_balance_pct": sim.percent_of_start(honest) if honest else None,
        "malicious_balance_pct": sim.percent_of_start(sim.malicious) if sim.malicious else None,
        "bad_share_submitted": sum(sim.adds_by[a.index] for a in sim.malicious) / adds if adds else None,
        "paid_calls": sim.paid_calls,
        "fees_paid": {name: _coins(sim.fees_paid, members) for name, members in tables.items()
                      if not members[0].adds_data},
        "fees_earned": {name: _coins(sim.fees_earned, members) for name, members in tables.items()
                        if members[0].adds_data},
        "counts": {
            **sim.counts,
            "rejections": dict(sorted(sim.rejections.items())),
            "declined": dict(sorted(sim.declined.items())),
        },
    }


def _per_add(sim: Simulation, members: list) -> float | None:
    adds = sum(sim.adds_by[a.index] for a in members)
    return to_coins(sum(sim.spent_on_adds[a.index] for a in members)) / adds if adds else None


def _coins(amounts: list[int], members: list) -> float:
    return to_coins(sum(amounts[a.index] for a in members))
