"""The Starlette application of `sumchain serve`: both halves' JSON routes and the built front end.

Why one page with a client-side switch: the contract app and the dashboard share a header and the
same static bundles; `index.html` loads `app.js`, which shows one page at a time (`#/contracts...`,
`#/research...`) and loads that page's bundle (`<page>.js`) the first time it is shown.

The responses forbid inline scripts and third-party origins (Content-Security-Policy): contributors'
text is only ever shown as text, and this makes a slip there harmless.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sumchain.web import chain_api, research_api

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


async def index(request):
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


def create_app(*, rpc: str | None, deployments: Path | None, runs: Path | None, dev_accounts: bool,
               gas_price: int | None = None) -> Starlette:
    """The app for the node at `rpc` with the manifests in `deployments`, and the run folders in `runs`.

    `dev_accounts`: the contract app may send from the node's unlocked accounts (a loopback dev node
    only; `chain_api` checks it), at `gas_price` wei (default: the node's eth_gasPrice)."""
    chain = chain_api.ChainApi(rpc, Path(deployments) if deployments else None, dev_accounts, gas_price)
    return Starlette(
        routes=[Route("/", index),
                Mount("/api/chain", routes=chain.routes()),
                Mount("/api/research", routes=research_api.routes(Path(runs) if runs else None)),
                Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[Middleware(SecurityHeaders)])
