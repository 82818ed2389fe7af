"""The contract app's JSON routes (mounted under /api/chain), on `sumchain.live.contract`.

Every read and every check is the one `sumchain contract ...` makes: a contract is opened with
`open_contract` (the node's chain, sumchain's code, the manifest's code hash), claims are previewed
with the contract's own `claim_preview` and reason codes. Errors are one line, as JSON `{"error": ...}`
with status 400 (bad input, a refusal) or 502 (the node).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sumchain.errors import SumchainError


class ServeError(SumchainError):
    """`sumchain serve` cannot start as asked (dev accounts on a remote node, a missing folder); one line."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ChainApi:
    """The contract app over one node (`rpc`, or none: then it says how to give one)."""

    def __init__(self, rpc: str | None, deployments: Path | None, dev_accounts: bool):
        if dev_accounts and not (rpc and is_loopback(urlsplit(rpc).hostname or "")):
            raise ServeError("--dev-accounts sends from the node's unlocked accounts, which only a dev node on "
                             "this machine has: give --rpc a loopback URL such as http://127.0.0.1:8545")
        if deployments is not None and not deployments.is_dir():
            raise ServeError(f"--deployments {deployments} is not a folder (give the folder of the manifests "
                             f"sumchain deploy wrote)")
        self.rpc, self.deployments, self.dev_accounts = rpc, deployments, dev_accounts

    def routes(self) -> list[Route]:
        return [Route("/info", self.info)]

    async def info(self, request: Request) -> JSONResponse:
        return JSONResponse({"rpc": self.rpc, "dev_accounts": self.dev_accounts})
