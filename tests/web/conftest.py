"""Fixtures of the web tests: a Hardhat node, a running `sumchain serve`, and a headless Chromium.

The browser is Playwright's own Chromium when Playwright has downloaded one, else the system's
(`/usr/bin/chromium`, Debian's package). Without either the tests fail with one line saying how to
get one: a browser test that silently skips would let the app break unseen.
"""

from __future__ import annotations

import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web.research_outputs import research_runs  # noqa: F401  (one session of real outputs for every dashboard test)

SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
NO_BROWSER = ("no Chromium for the browser tests: install one with `apt-get install -y chromium` (Debian) "
              "or `python -m playwright install chromium`")
RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "web"
"""Screenshots the tests take (the docs' images are copied from here)."""


def chromium_path(playwright) -> str | None:
    """Playwright's own Chromium if downloaded, else a system one; None when neither exists."""
    own = Path(playwright.chromium.executable_path)
    if own.exists():
        return None
    for candidate in SYSTEM_CHROMIUM:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail(NO_BROWSER, pytrace=False)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the session (one per xdist worker)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = chromium_path(playwright)
        launched = playwright.chromium.launch(headless=True, executable_path=executable,
                                              args=["--no-sandbox"] if executable else [])
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what went wrong on it: console errors, uncaught exceptions, failed requests."""

    page: object
    problems: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def watch(page) -> Watched:
    watched = Watched(page)
    page.on("console", lambda message: message.type == "error" and watched.problems.append(
        f"console error: {message.text}"))
    page.on("pageerror", lambda error: watched.problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: watched.problems.append(
        f"request failed: {request.method} {request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 500 and watched.problems.append(
        f"server error {response.status}: {response.request.method} {response.url}"))
    return watched


@pytest.fixture
def new_page(browser):
    """A function giving a fresh page (its own context) with its problems recorded; closed after the test.
    Takes `init_script`, JavaScript run before the page's own (an injected wallet, say), and
    `functions`, Python functions the page may call (`window.<name>(...)`, answered asynchronously)."""
    contexts = []

    def make(init_script: str | None = None, functions: dict | None = None, viewport=(1200, 900)) -> Watched:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        for name, function in (functions or {}).items():
            context.expose_function(name, function)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        return watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@dataclass
class Server:
    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serving(*, rpc: str | None = None, deployments: Path | None = None, runs: Path | None = None,
            dev_accounts: bool = False, **options):
    """`sumchain serve`'s app (the same `create_app`, under uvicorn) on a free loopback port, in a thread."""
    import uvicorn

    from sumchain.engines.rpc.devnode import free_port
    from sumchain.web.app import create_app

    app = create_app(rpc=rpc, deployments=deployments, runs=runs, dev_accounts=dev_accounts, **options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"serve:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"sumchain serve did not start on port {port}")
        time.sleep(0.02)
    handle = Server(f"http://127.0.0.1:{port}", server, thread)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def serve():
    """A function starting `sumchain serve` (keyword arguments of `create_app`); stopped after the module."""
    started = []

    def start(**options) -> Server:
        context = serving(**options)
        started.append(context)
        return context.__enter__()

    yield start
    for context in reversed(started):
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def web_node():
    """A Hardhat node on the wall clock (as `sumchain node` runs it) for one module."""
    from sumchain.engines.rpc.devnode import start_dev_node

    node = start_dev_node(simulation=False)
    yield node
    node.stop()
