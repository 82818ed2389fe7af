"""The deployment manifest: what was deployed where, enough for any client to use it.

`sumchain deploy` writes it (and rewrites it after every confirmed transaction, so an interrupted
deployment resumes from it); `sumchain contract ...` and `sumchain serve` read it. It is JSON a
person can read, written atomically, and holds no secret: the deploying account's address, never
its key.

Fields (`FORMAT` names the layout):
- where: `chain_id`, `address`, `deployer`, `block` (of the contract's creation), `rpc_url` (where
  it was deployed from; clients may use another URL of the same chain);
- what: `family`, `artefact` (the compiled contract's name in `artefacts.json`), `code_hash`
  (keccak256 of the runtime code, 0x-hex), `mechanism` and `parameters` (the contract's constructor
  values as deployed, integers), `config` (the run config the initial model was trained from) and
  `config_digest`, `encoder` (`sumchain.live.encoder`), `class_names`;
- progress: `state_chunks` (how many state-writing transactions the deployment needs, each asking
  for at most `max_tx_gas`, which a resumed deployment keeps so that its chunks are the same),
  `finished` (whether the contract is open for contributions), `transactions` (every
  transaction: what it did, its hash and its gas, in order).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sumchain.errors import SumchainError
from sumchain.files import write_json

FORMAT = "sumchain-deployment/1"


class ManifestError(SumchainError):
    """A manifest is missing, not JSON, of another format, or lacks a field; one line saying which."""


@dataclass(frozen=True)
class Transaction:
    what: str          # "create", "set_state row 0 entries 0-999", "finish_initialisation"
    hash: str          # 0x-hex transaction hash
    gas: int           # gas used, from the receipt


@dataclass
class Manifest:
    chain_id: int
    address: str
    deployer: str
    block: int
    rpc_url: str
    family: str
    artefact: str
    code_hash: str
    mechanism: str
    parameters: dict[str, int]
    config: dict[str, Any]
    config_digest: str
    encoder: dict[str, Any]
    class_names: list[str]
    state_chunks: int = 0
    max_tx_gas: int = 2**24
    finished: bool = False
    transactions: list[Transaction] = field(default_factory=list)
    format: str = FORMAT

    @property
    def chunks_done(self) -> int:
        """State-writing transactions confirmed so far (what `--resume` skips)."""
        return sum(1 for t in self.transactions if t.what.startswith("set_state"))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["transactions"] = [asdict(t) for t in self.transactions]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "the manifest") -> "Manifest":
        if not isinstance(data, dict):
            raise ManifestError(f"{source} is not a sumchain deployment manifest (a JSON object is needed)")
        if data.get("format") != FORMAT:
            raise ManifestError(f"{source} is not a sumchain deployment manifest: format is "
                                f"{data.get('format')!r}, expected {FORMAT!r}")
        names = {f.name for f in fields(cls)}
        missing = sorted(names - set(data) - {"state_chunks", "max_tx_gas", "finished", "transactions"})
        if missing:
            raise ManifestError(f"{source} lacks the field(s) {', '.join(missing)}")
        try:
            transactions = [Transaction(str(t["what"]), str(t["hash"]), int(t["gas"]))
                            for t in data.get("transactions", [])]
        except (TypeError, KeyError, ValueError):
            raise ManifestError(f"{source} has a transaction without what, hash and gas") from None
        values = {name: data[name] for name in names if name in data}
        values["transactions"] = transactions
        return cls(**values)


def write_manifest(path: str | Path, manifest: Manifest) -> Path:
    """Write atomically: a reader sees the previous manifest or this one, never half of one."""
    return write_json(Path(path), manifest.to_dict())


def read_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"deployment manifest {path} does not exist") from None
    except IsADirectoryError:
        raise ManifestError(f"deployment manifest {path} is a folder; give the JSON file deploy wrote") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"deployment manifest {path} cannot be read: {error}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ManifestError(f"{path} is not a sumchain deployment manifest (not JSON)") from None
    return Manifest.from_dict(data, str(path))
