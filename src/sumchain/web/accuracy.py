"""The deployed model's accuracy over time, on the held-out test set its manifest carries.

Why measured at past blocks: the node keeps history (a dev node does, an archive node does), so
`eth_call predict` at a block number gives the model as it was then; the chain is the one source.
Why cheap: at most MAX_POINTS blocks (the blocks where an addition changed the model, with the
first and latest, thinned evenly when there are more), each one JSON-RPC batch of one `predict`
per row (at most `sumchain.live.heldout.HELDOUT_ROWS` rows).

Why a cache file: a past block's accuracy never changes, so each measurement is kept in
`.accuracy-<chain>-<address>.json` beside the manifests (written atomically), keyed by the block's
number and hash (a dev node that was reset has other blocks under the same numbers) and by the test
set's sha256 (another test set is another measurement).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sumchain.files import write_json
from sumchain.live.contract import LiveContract, when

MAX_POINTS = 20
FORMAT = "sumchain-accuracy/1"
NO_TEST_SET = "This deployment's manifest has no test set, so the model's accuracy is not tracked."
NO_MANIFEST = "Opened by address, without a manifest: there is no test set, so the model's accuracy is not tracked."


def cache_path(folder: Path, contract: LiveContract) -> Path:
    return folder / f".accuracy-{contract.chain_id}-{contract.address}.json"


def spread(blocks: list[int], limit: int = MAX_POINTS) -> list[int]:
    """At most `limit` of the sorted distinct `blocks`, evenly spread, the first and last kept."""
    blocks = sorted(set(blocks))
    if len(blocks) <= limit:
        return blocks
    return sorted({blocks[round(i * (len(blocks) - 1) / (limit - 1))] for i in range(limit)})


def start_block(contract: LiveContract) -> int:
    """The block of the deployment's finish_initialisation: the model is whole from there on."""
    for t in reversed(contract.manifest.transactions):
        if t.what == "finish_initialisation":
            receipt = contract.backend.request("eth_getTransactionReceipt", [t.hash])
            if receipt:
                return int(receipt["blockNumber"], 16)
    return contract.first_block


def accuracy_history(contract: LiveContract, folder: Path | None) -> dict[str, Any]:
    """The points (block, its time, accuracy, correct of rows, the test set's sha256) to chart."""
    test_set = contract.manifest.test_set if contract.manifest is not None else None
    if not test_set:
        note = NO_TEST_SET if contract.manifest is not None else NO_MANIFEST
        return {"test_set": None, "note": note, "points": [], "max_points": MAX_POINTS}
    digest = test_set["sha256"]
    first, latest = start_block(contract), contract.block_number()
    changed = [c.block for c in contract.contributions(first, latest) if c.model_updated]
    blocks = spread([first, *changed, latest])
    path = cache_path(folder, contract) if folder is not None else None
    kept = _read_cache(path) if path is not None else {}
    points, new = [], False
    samples = [contract.features(row) for row in test_set["rows"]]
    for block in blocks:
        header = contract.backend.request("eth_getBlockByNumber", [hex(block), False])
        key = f"{block}:{header['hash']}:{digest}"
        point = kept.get(key)
        if point is None:
            correct = _correct(contract, samples, test_set["labels"], block)
            point = {"block": block, "block_hash": header["hash"], "test_set_sha256": digest,
                     "rows": len(samples), "correct": correct, "time": int(header["timestamp"], 16)}
            kept[key], new = point, True
        points.append({**point, "accuracy": point["correct"] / max(1, point["rows"]), "time_utc": when(point["time"])})
    if new and path is not None:
        try:
            write_json(path, {"format": FORMAT, "chain_id": contract.chain_id, "address": contract.address,
                              "measurements": sorted(kept.values(), key=lambda p: (p["block"], p["test_set_sha256"]))})
        except OSError:
            pass                # a read-only folder: measured again next time, nothing is lost
    return {"test_set": {"rows": len(samples), "sha256": digest}, "points": points, "max_points": MAX_POINTS,
            "first_block": first, "latest": latest}


def _correct(contract: LiveContract, samples: list, labels: list[int], block: int) -> int:
    """How many rows the model as of `block` predicts right."""
    return sum(int(p == y) for p, y in zip(contract.predict_at(block, samples), labels))


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    """The kept measurements by key; a missing or damaged file is an empty cache (it is rebuilt)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {f"{m['block']}:{m['block_hash']}:{m['test_set_sha256']}": m for m in data["measurements"]
                if data.get("format") == FORMAT}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
