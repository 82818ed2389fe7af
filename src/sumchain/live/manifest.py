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
  transaction: what it did, its hash and its gas, in order);
- optional: `test_set` (`sumchain.live.heldout`: held-out rows and labels with their sha256, for
  measuring the deployed model's accuracy), or null.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sumchain.errors import SumchainError
from sumchain.files import write_json
from sumchain.live.heldout import heldout_problem

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
    test_set: dict[str, Any] | None = None
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
        missing = sorted(names - set(data) - {"state_chunks", "max_tx_gas", "finished", "transactions",
                                                      "test_set"})
        if missing:
            raise ManifestError(f"{source} lacks the field(s) {', '.join(missing)}")
        try:
            transactions = [Transaction(str(t["what"]), str(t["hash"]), int(t["gas"]))
                            for t in data.get("transactions", [])]
        except (TypeError, KeyError, ValueError):
            raise ManifestError(f"{source} has a transaction without what, hash and gas") from None
        values = {name: data[name] for name in names if name in data}
        _check_types(values, source)
        values["transactions"] = transactions
        return cls(**values)


_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_INTEGERS = ("chain_id", "block", "state_chunks", "max_tx_gas")
_STRINGS = ("rpc_url", "family", "artefact", "code_hash", "mechanism", "config_digest")


def _check_types(values: dict[str, Any], source: str) -> None:
    """An edited or damaged field is refused here, in one line, before it reaches a node or a traceback."""
    def bad(name: str, allowed: str) -> ManifestError:
        return ManifestError(f"{source} has a bad {name} ({str(values[name])[:40]!r}): {allowed} is needed")
    for name in _INTEGERS:
        value = values.get(name, 0)
        if type(value) is not int or not 0 <= value < 2**256:
            raise bad(name, "an integer from 0 to 2**256 - 1")
    for name in _STRINGS:
        if not isinstance(values[name], str):
            raise bad(name, "a string")
    if values["address"] is not None and values["address"] != "" and not (
            isinstance(values["address"], str) and _HEX_ADDRESS.fullmatch(values["address"])):
        raise bad("address", "a 0x-address of 40 hex digits (or empty while deploying)")
    if not (isinstance(values["deployer"], str) and _HEX_ADDRESS.fullmatch(values["deployer"])):
        raise bad("deployer", "a 0x-address of 40 hex digits")
    for name in ("parameters", "config", "encoder"):
        if not isinstance(values[name], dict):
            raise bad(name, "a JSON object")
    if any(type(v) is not int for v in values["parameters"].values()):
        raise bad("parameters", "a JSON object of integers")
    if not (isinstance(values["class_names"], list) and all(isinstance(n, str) for n in values["class_names"])):
        raise bad("class_names", "a list of strings")
    if not isinstance(values.get("finished", False), bool):
        raise bad("finished", "true or false")
    if values.get("test_set") is not None and (problem := heldout_problem(values["test_set"])):
        raise bad("test_set", problem)


def shareable_url(url: str) -> str:
    """The node's URL as a manifest may show it: without credentials (`user:key@`) or a query string,
    which providers use for API keys. A key inside the path (`.../v3/KEY`) cannot be told from a
    path: deploy through a URL without one, and give clients theirs with --rpc."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
