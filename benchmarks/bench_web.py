"""The web app's first load on localhost and the size of its JavaScript.

Usage: python benchmarks/bench_web.py [--repeat N]
Starts a Hardhat node, deploys a small trainer with its manifest, serves the app (`create_app`,
as `sumchain serve` does) and opens it in headless Chromium (Playwright's own, else
/usr/bin/chromium) N times, each in a fresh browser context (nothing cached):
- first load: from navigation start until the models list is drawn (its data read from the node),
  and until the page's `load` event; best and median over the rounds;
- a model's page: from navigation start until its facts are drawn;
- JavaScript: the bytes the first load fetched (app.js and the contracts page) and every bundle
  shipped, raw and gzip-compressed;
- accuracy over time at its bounds: a second deployment with a full test set (200 rows), 30
  additions that each change the model, then History's accuracy request measured cold (its cache
  file removed) and warm (from the cache), best and median.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from sumchain.engines.rpc.devnode import start_dev_node
    from sumchain.web.app import STATIC
    from tests.live.deployment import deploy_with_manifest
    from tests.web.conftest import SYSTEM_CHROMIUM, serving

    with tempfile.TemporaryDirectory() as folder, start_dev_node(simulation=False) as node:
        manifest = deploy_with_manifest(node.url, Path(folder) / "perceptron.json")
        with serving(rpc=node.url, deployments=Path(folder), dev_accounts=True) as server, \
                sync_playwright() as playwright:
            own = Path(playwright.chromium.executable_path).exists()
            executable = None if own else next((p for p in SYSTEM_CHROMIUM if Path(p).exists()), None)
            browser = playwright.chromium.launch(executable_path=executable, args=[] if own else ["--no-sandbox"])
            drawn, loaded, model, fetched = [], [], [], {}
            for _ in range(args.repeat + 1):                  # the first round warms the server and the node
                context = browser.new_context()
                page = context.new_page()
                page.on("response", lambda r: r.url.endswith(".js") and r.status == 200 and fetched.setdefault(
                    r.url.rsplit("/", 1)[1], len(r.body())))
                page.goto(server.url + "/")
                page.wait_for_selector("table#models")
                drawn.append(page.evaluate("performance.now()"))
                loaded.append(page.evaluate("performance.timing.loadEventEnd - performance.timing.navigationStart"))
                page.goto(f"{server.url}/#/contracts/{manifest.address}")
                page.reload()
                page.wait_for_selector("#facts")
                model.append(page.evaluate("performance.now()"))
                context.close()
            browser.close()
            cold, warm, points = accuracy_timings(node.url, Path(folder), server.url, args.repeat)
    drawn, loaded, model = drawn[1:], loaded[1:], model[1:]
    print(f"first load, models list drawn: best {min(drawn):.0f} ms, median {statistics.median(drawn):.0f} ms "
          f"({args.repeat} rounds, fresh context each)")
    print(f"first load, load event:        best {min(loaded):.0f} ms, median {statistics.median(loaded):.0f} ms")
    print(f"a model's page, facts drawn:   best {min(model):.0f} ms, median {statistics.median(model):.0f} ms")
    first = sum(fetched.values())
    print(f"JavaScript fetched by the first load: {first / 1024:.1f} KB ({', '.join(sorted(fetched))})")
    for path in sorted(STATIC.glob("*.js")):
        raw = path.read_bytes()
        print(f"  {path.name:16s} {len(raw) / 1024:7.1f} KB, gzip {len(gzip.compress(raw, 9)) / 1024:6.1f} KB")
    total = sum(p.stat().st_size for p in STATIC.glob("*.js"))
    print(f"all JavaScript shipped: {total / 1024:.1f} KB")
    print(f"accuracy over time, {points} points of 200 rows: cold best {min(cold):.0f} ms, median "
          f"{statistics.median(cold):.0f} ms; from the cache best {min(warm):.0f} ms, median {statistics.median(warm):.0f} ms")


def accuracy_timings(node_url: str, folder: Path, server_url: str, repeat: int) -> tuple[list, list, int]:
    import json
    import time
    import urllib.request

    from sumchain.live.contract import open_contract
    from sumchain.live.signers import Signer
    from tests.live.deployment import OWNER, deploy_with_manifest

    path = folder / "full.json"
    manifest = deploy_with_manifest(node_url, path, max_test=300)
    contract = open_contract(str(path))
    owner = Signer(OWNER, "unlocked account of the node")
    for row in [r for r in manifest.test_set["rows"] if r][:30]:
        x = contract.features(row)
        y = 1 - contract.predict(x)                  # a label the model disagrees with: it learns
        contract.add(owner, x, y, 2 * contract.cost_to_add(x, y))
    url = f"{server_url}/api/chain/model/{manifest.address}/accuracy"
    cache = folder / f".accuracy-{contract.chain_id}-{manifest.address}.json"
    cold, warm, points = [], [], 0
    for _ in range(repeat):
        cache.unlink(missing_ok=True)
        for times in (cold, warm):
            start = time.perf_counter()
            with urllib.request.urlopen(url, timeout=300) as response:
                points = len(json.loads(response.read())["points"])
            times.append(1000 * (time.perf_counter() - start))
    return cold, warm, points


if __name__ == "__main__":
    main()
