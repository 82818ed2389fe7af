"""The research dashboard's first load of each page on localhost, and the bytes it fetches.

Usage: python benchmarks/bench_research.py [--repeat N] [--default-run]
Writes the small outputs the browser tests use (a run on evm, a sweep, a reproduce, a study: see
tests/web/research_outputs.py), with --default-run also the default simulation (Table I, about
4,000 time-series rows), serves them (`create_app`, as `sumchain serve --runs` does) and opens each
page N times in headless Chromium, each in a fresh browser context (nothing cached): the time from
navigation start until the page's chart is drawn, best and median, and the bytes of JavaScript and
JSON the page fetched.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [("list", "#/research", "table.outputs"),
         ("run (small, evm)", "#/research/run/runs%2Fdefault", "#run-chart canvas"),
         ("sweep", "#/research/sweep/sweeps%2Flr", "#bands-chart canvas"),
         ("reproduce report", "#/research/report/reproduce", ".figure-chart canvas"),
         ("study report", "#/research/report/study", ".figure-chart canvas")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--default-run", action="store_true", help="also the default simulation's run page")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from sumchain.cli import main as sumchain
    from tests.web.conftest import SYSTEM_CHROMIUM, serving
    from tests.web.research_outputs import make_outputs

    pages = list(PAGES)
    with tempfile.TemporaryDirectory() as folder:
        runs = make_outputs(Path(folder))
        if args.default_run:
            sumchain(["simulate", "--quiet", "--out", str(runs / "latest")])
            pages.append(("run (default)", "#/research/run/latest", "#run-chart canvas"))
        with serving(runs=runs) as server, sync_playwright() as playwright:
            own = Path(playwright.chromium.executable_path).exists()
            executable = None if own else next((p for p in SYSTEM_CHROMIUM if Path(p).exists()), None)
            browser = playwright.chromium.launch(executable_path=executable, args=[] if own else ["--no-sandbox"])
            for name, hash_, ready in pages:
                drawn, fetched = [], {}
                for _ in range(args.repeat + 1):           # the first round warms the server
                    context = browser.new_context()
                    page = context.new_page()
                    page.on("requestfinished", lambda request: fetched.setdefault(
                        request.url.rsplit("/", 1)[1].split("?")[0], request.sizes()["responseBodySize"]))
                    page.goto(f"{server.url}/{hash_}")
                    page.wait_for_selector(ready)
                    drawn.append(page.evaluate("performance.now()"))
                    context.close()
                drawn = drawn[1:]
                js = sum(size for url, size in fetched.items() if url.endswith(".js"))
                data = sum(size for url, size in fetched.items() if not url.endswith((".js", ".css", ".png")) and url)
                print(f"{name:18s} drawn: best {min(drawn):4.0f} ms, median {statistics.median(drawn):4.0f} ms; "
                      f"JavaScript {js / 1024:.1f} KB, JSON {data / 1024:.1f} KB")
            browser.close()


if __name__ == "__main__":
    main()
