"""Who signs a live transaction: a key from the environment, an encrypted keystore, or a dev node's account.

Why not a command-line option or a config key: both end up in shell history, process lists, run
folders and manifests. A key is read from the environment or decrypted from a keystore file, held in
memory only, and never printed or logged; messages name the account's address, never its key.

In order of precedence:
1. `SUMCHAIN_PRIVATE_KEY`: one 0x-hex private key;
2. `SUMCHAIN_KEYSTORE`: the path of an encrypted JSON keystore (eth-account's format, as written by
   geth, Foundry's `cast wallet`, or `Account.encrypt`), its password from `SUMCHAIN_KEYSTORE_PASSWORD`
   or, on a terminal, asked for without echo;
3. none of them: the node's own unlocked accounts (a dev node such as `sumchain node`): `--from ADDRESS`
   picks one, else the first.
With a key, `--from` (if given) must be the key's address.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sumchain.errors import SumchainError

KEY_VARIABLE = "SUMCHAIN_PRIVATE_KEY"
KEYSTORE_VARIABLE = "SUMCHAIN_KEYSTORE"
PASSWORD_VARIABLE = "SUMCHAIN_KEYSTORE_PASSWORD"


class SignerError(SumchainError):
    """No usable signer: a missing or malformed key, a wrong password, an unknown --from; one line."""


def is_address(text: str) -> bool:
    """A 0x-address: 0x and 40 hex digits (any case)."""
    body = text[2:] if text.startswith(("0x", "0X")) else ""
    return len(body) == 40 and all(c in "0123456789abcdefABCDEF" for c in body)


@dataclass(frozen=True)
class Signer:
    """The sending account: its 0x-address (lower case) and, for a key, the key (never shown)."""

    address: str
    source: str                     # "SUMCHAIN_PRIVATE_KEY", "keystore FILE" or "unlocked account of the node"
    key: str | None = field(default=None, repr=False)

    def backend_keys(self) -> dict[str, str]:
        """The `keys` argument of `RpcBackend`: the signer under its own address, or nothing."""
        return {self.address: self.key} if self.key else {}


def _from_key(key: str, source: str) -> Signer:
    from eth_account import Account

    try:
        account = Account.from_key(key.strip())
    except Exception:                   # eth-account raises several types; never echo the value
        raise SignerError(f"{source} does not hold a valid private key (32 bytes of hex, 0x-prefixed)") from None
    return Signer(account.address.lower(), source, account.key.hex())


def _from_keystore(path: Path) -> Signer:
    from eth_account import Account

    try:
        encrypted = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignerError(f"keystore {path} (from {KEYSTORE_VARIABLE}) does not exist") from None
    except (OSError, ValueError, UnicodeDecodeError):
        raise SignerError(f"keystore {path} (from {KEYSTORE_VARIABLE}) is not a JSON keystore file") from None
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        if not sys.stdin.isatty():
            raise SignerError(f"keystore {path} needs its password: set {PASSWORD_VARIABLE} "
                              f"(or run on a terminal to be asked)")
        password = getpass.getpass(f"password of keystore {path}: ")
    try:
        key = Account.decrypt(encrypted, password)
    except ValueError:
        raise SignerError(f"keystore {path}: wrong password, or the file is damaged") from None
    except Exception:
        raise SignerError(f"keystore {path} is not an eth-account keystore (version 3 JSON)") from None
    return _from_key("0x" + bytes(key).hex(), f"keystore {path}")


def choose_signer(unlocked_accounts: list[str], requested: str | None = None,
                  environ: dict[str, str] | None = None) -> Signer:
    """The signer for this command; `unlocked_accounts` are the node's (`eth_accounts`), `requested` is --from."""
    environ = os.environ if environ is None else environ
    requested = requested.lower() if requested else None
    if requested is not None and not is_address(requested):
        raise SignerError(f"--from must be a 0x-address of 40 hex digits, got {requested!r}")
    if environ.get(KEY_VARIABLE, "").strip():
        signer = _from_key(environ[KEY_VARIABLE], KEY_VARIABLE)
    elif environ.get(KEYSTORE_VARIABLE, "").strip():
        signer = _from_keystore(Path(environ[KEYSTORE_VARIABLE].strip()))
    else:
        unlocked = [account.lower() for account in unlocked_accounts]
        if not unlocked:
            raise SignerError(f"no account to send from: set {KEY_VARIABLE}, or {KEYSTORE_VARIABLE} with "
                              f"{PASSWORD_VARIABLE}, or use a dev node with unlocked accounts (sumchain node)")
        if requested is not None and requested not in unlocked:
            raise SignerError(f"--from {requested} is not an unlocked account of the node; it has "
                              f"{len(unlocked)} ({unlocked[0]}, ...), or set {KEY_VARIABLE}")
        return Signer(requested or unlocked[0], "unlocked account of the node")
    if requested is not None and requested != signer.address:
        raise SignerError(f"--from {requested} is not the address of the key in {signer.source} "
                          f"({signer.address})")
    return signer
