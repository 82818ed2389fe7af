"""The genesis of a run's chain: a hash of everything the run is a run of (its whole config and the
data it used), from which its first block is linked instead of from zeros.

Why in the hash chain and not beside it: a ledger's head hash then stands for the config and the
data as well as for every call, so a config edited after the run, or one copied from another
ledger, no longer matches the blocks, even where replaying the calls would not notice (keys that
steer only the simulated agents or the metrics, such as `agents.Good.mean_deposit`).

The evidence is stored with the ledger in a form that names what differs: one digest per config
key (its dotted name and canonical JSON value) and the data's fingerprints as they are. The genesis
hash is computed from those, so the stored digests are themselves held by the chain: an edited
digest changes the genesis, an edited config value no longer matches its digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

GENESIS_VERSION = "sumchain genesis 1"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_leaves(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """One SHA-256 per leaf of a nested config, by dotted key (an empty table is a leaf too)."""
    leaves: dict[str, str] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            leaves.update(config_leaves(value, dotted + "."))
        else:
            leaves[dotted] = hashlib.sha256(f"{dotted}\0{canonical_json(value)}".encode()).hexdigest()
    return leaves


def genesis_evidence(config: Mapping[str, Any], data: Mapping[str, str]) -> dict[str, Any]:
    """What a ledger stores so that `verify` can check its config and data reference key by key."""
    return {"version": GENESIS_VERSION, "config": config_leaves(config), "data": dict(data)}


def genesis_hash(evidence: Mapping[str, Any]) -> str:
    """The hash the first block links to. Raises ValueError for evidence of another shape."""
    if not isinstance(evidence, Mapping) or evidence.get("version") != GENESIS_VERSION \
            or not isinstance(evidence.get("config"), Mapping) or not isinstance(evidence.get("data"), Mapping):
        raise ValueError("not a genesis record")
    lines = [GENESIS_VERSION, *(f"{key} {digest}" for key, digest in sorted(evidence["config"].items())),
             "data " + canonical_json(evidence["data"])]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def config_differences(config: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[str]:
    """The dotted keys of `config` that are not as the evidence holds them (changed, added, removed)."""
    stored, expected = config_leaves(config), evidence["config"]
    return sorted(key for key in stored.keys() | expected.keys() if stored.get(key) != expected.get(key))
