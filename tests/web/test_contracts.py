"""The contract app in a real browser against a real node and a real `sumchain serve`: SUM's manual
checklist, automated. One node, one deployment and one server for the module; the journey's steps
run in order (each account's balance is checked to the wei against what the page shows)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np
import pytest

from sumchain.cli import main
from sumchain.contract.reasons import MODEL_DISAGREES, REASONS
from sumchain.engines.rpc import RpcBackend
from sumchain.live.contract import open_contract
from sumchain.live.signers import Signer
from tests.cli.test_contract import BAD_FEATURES, GOOD_TEXT
from tests.web.conftest import RESULTS
from tests.live.deployment import ALICE, BOB, CAROL, DAY, OWNER, advance, deploy_with_manifest

GWEI = 10**9
"""The dev accounts' gas price: above 0, so that fees show in the balances."""

WALLET = """
(() => {
  const state = window.__wallet = { chain: "0x1", account: null, rejectAccounts: false, rejectSend: false };
  const rejected = () => Object.assign(new Error("User rejected the request."), { code: 4001 });
  const provider = {
    async request({ method, params }) {
      if (method === "eth_chainId") return state.chain;
      if (method === "eth_requestAccounts" || method === "eth_accounts") {
        if (state.rejectAccounts) throw rejected();
        return [state.account];
      }
      if (method === "eth_sendTransaction" && state.rejectSend) throw rejected();
      const answer = JSON.parse(await window.nodeRequest(JSON.stringify({ method, params: params || [] })));
      if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
      return answer.result;
    },
    on(name, listener) { (listeners[name] = listeners[name] || []).push(listener); },
    removeListener() {},
  };
  const listeners = {};
  state.emit = (name, value) => (listeners[name] || []).forEach((listener) => listener(value));
  const detail = Object.freeze({ info: { uuid: "0b7e2f5c-test", name: "Test wallet", icon: "data:,",
                                         rdns: "org.sumchain.test" }, provider });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""
"""An injected EIP-1193 wallet, announced through EIP-6963: the test sets its chain and whether the
person accepts; what it signs, the node's unlocked account signs (forwarded through `nodeRequest`)."""


@pytest.fixture(scope="module")
def deployed(web_node, tmp_path_factory):
    folder = tmp_path_factory.mktemp("deployments")
    manifest = deploy_with_manifest(web_node.url, folder / "perceptron.json")
    (folder / "notes.json").write_text("{}")          # not a manifest: listed as skipped, not an error
    advance(web_node.url, 60)
    return folder, manifest


@pytest.fixture(scope="module")
def app(serve, web_node, deployed):
    return serve(rpc=web_node.url, deployments=deployed[0], dev_accounts=True, gas_price=GWEI)


def balance(url: str, address: str) -> int:
    return RpcBackend(url).balance(address)


def hold_clock(url: str) -> None:
    """The next block's time fixed, one second after the latest: the cost the test reads, the cost the
    page quotes and the cost the transaction pays are the same (the cost moves with time)."""
    backend = RpcBackend(url)
    latest = int(backend.request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    backend.request("evm_setNextBlockTimestamp", [latest + 1])


def wei(page, selector: str) -> int:
    return int(page.get_attribute(selector, "data-wei"))


def open_model(watched, app, address: str, account: str | None = None):
    page = watched.page
    page.goto(f"{app.url}/#/contracts/{address}")
    page.wait_for_selector("#facts")
    if account:
        page.select_option("#dev-account", account)
        page.wait_for_function(f"document.getElementById('signer-address').textContent.includes('{account}')")
    return page


def add(page, text: str | None, features: str | None, label: str) -> dict:
    tab(page, "add")
    if text:
        page.fill("#add-text", text)
    if features:
        page.fill("#add-features", features)
    page.select_option("#add-label", label)
    page.wait_for_selector("#add-quote strong")
    quoted = wei(page, "#add-quote strong")
    page.click("#add-button")
    page.wait_for_selector("#add-receipt [data-field=fee]")
    fields = {key: wei(page, f"#add-receipt [data-field={key}]") for key in ("deposit", "cost", "fee", "balance")}
    return {**fields, "quoted": quoted, "id": int(page.text_content("#add-receipt [data-field=id]"))}


def tab(page, name: str) -> None:
    """Show a tab and wait until it is drawn anew."""
    page.click(f"#tab-{name}")
    page.wait_for_selector("#panel:not([aria-busy])")


def row(page, table: str, contribution: int):
    return page.locator(f"#{table} tbody tr[data-id='{contribution}']")


def test_the_models_page_loads_without_errors(app, deployed, new_page):
    watched = new_page()
    page = watched.page
    page.goto(app.url + "/")
    page.wait_for_selector("table#models")
    assert page.text_content("table#models tbody tr td a") == deployed[1].address
    assert "perceptron" in page.text_content("table#models") and "stakeable" in page.text_content("table#models")
    assert "1 manifest(s) not listed" in page.text_content("details summary")
    watched.screenshot("contracts-models")
    assert watched.problems == []


def test_open_by_address_refuses_what_is_not_a_sumchain_contract(app, new_page):
    page = new_page().page
    page.goto(app.url + "/")
    page.wait_for_selector("#open-address")
    page.fill("#open-address", ALICE)           # an account: no code there
    page.click("#open-button")
    page.wait_for_selector("#page-error")
    assert page.text_content("#page-error").startswith(f"there is no contract at {ALICE} on chain 31337")


def test_predict_shows_what_the_command_line_predicts(app, deployed, new_page, capsys):
    folder, manifest = deployed
    watched = new_page()
    page = open_model(watched, app, manifest.address)
    for text, features in ((GOOD_TEXT, None), (None, BAD_FEATURES)):
        page.fill("#predict-text", text or "")
        page.fill("#predict-features", features or "")
        page.click("#predict-button")
        page.wait_for_selector("#predict-result strong")
        shown = int(page.get_attribute("#predict-result strong", "data-class"))
        sample = ("--text", text) if text else ("--features", features)
        assert main(["contract", "predict", "--deployment", str(folder / "perceptron.json"), *sample, "--json"]) == 0
        expected = json.loads(capsys.readouterr().out)
        assert shown == expected["prediction"]
        assert page.text_content("#predict-result strong").startswith(expected["class_name"])
        if text:
            watched.screenshot("contracts-predict")
        page.evaluate("document.getElementById('predict-result').textContent = ''")
    assert watched.problems == []


def test_add_refund_and_report_from_two_accounts(app, deployed, web_node, new_page):
    folder, manifest = deployed
    url = web_node.url
    contract = open_contract(str(folder / "perceptron.json"))
    good_x = contract.features(contract.encode(GOOD_TEXT))
    bad_x = contract.features([int(i) for i in BAD_FEATURES.split(",")])
    alice, bob = new_page(), new_page()

    # alice adds good data, bob bad data: the deposit is the contract's cost, balances drop by it and the fee
    added = {}
    for watched, who, text, features, label, x in ((alice, ALICE, GOOD_TEXT, None, "1", good_x),
                                                   (bob, BOB, None, BAD_FEATURES, "1", bad_x)):
        page = open_model(watched, app, manifest.address, who)
        hold_clock(url)
        cost, before = contract.cost_to_add(x, int(label)), balance(url, who)
        shown = add(page, text, features, label)
        assert shown["quoted"] == shown["deposit"] == shown["cost"] == cost
        assert shown["fee"] > 0 and balance(url, who) == before - cost - shown["fee"] == shown["balance"]
        added[who] = shown
    watched_add = alice
    assert (added[ALICE]["id"], added[BOB]["id"]) == (0, 1)
    watched_add.screenshot("contracts-add")

    # before the wait, alice's refund is disabled with the contract's reason and when it becomes possible
    tab(alice.page, "mine")
    assert row(alice.page, "mine", 0).locator("button.refund").is_disabled()
    assert "not enough time has passed to ask for a refund; refund possible from" in \
        row(alice.page, "mine", 0).locator(".state").text_content()

    advance(url, DAY + 60)
    tab(alice.page, "mine")
    refund = row(alice.page, "mine", 0).locator("button.refund")
    refund.wait_for()
    assert refund.is_enabled()
    before = balance(url, ALICE)
    refund.click()
    alice.page.wait_for_selector("#refund-result.ok")
    fee = balance_fee(url, before, ALICE, added[ALICE]["deposit"])
    assert 0 < fee < GWEI * 300_000
    row(alice.page, "mine", 0).locator(".state", has_text="refunded").wait_for()
    assert row(alice.page, "mine", 0).locator("button.refund").is_disabled()
    alice.screenshot("contracts-mine")

    # bob's wrong label: refund disabled, with the contract's reason in words
    tab(bob.page, "mine")
    bad = row(bob.page, "mine", 1)
    bad.wait_for()
    assert bad.locator("button.refund").is_disabled()
    assert REASONS[MODEL_DISAGREES] in bad.locator(".state").text_content()

    # alice (now with a verified contribution) reports it and takes bob's deposit
    tab(alice.page, "others")
    report = row(alice.page, "others", 1).locator("button.report")
    report.wait_for()
    assert report.is_enabled()
    before = balance(url, ALICE)
    report.click()
    alice.page.wait_for_selector("#report-result.ok")
    balance_fee(url, before, ALICE, added[BOB]["cost"])
    row(alice.page, "others", 1).locator(".state", has_text="reported").wait_for()
    alice.screenshot("contracts-others")

    # a paid prediction is shared among the verified contributions (alice's alone): she withdraws it
    paid = 5 * 10**17 + 3
    contract.send(Signer(CAROL, "unlocked account of the node"), "predict_paid", paid, contract.pack(bad_x))
    (verified,) = contract.read("total_verified")
    share = paid // verified * contract.verified(ALICE)
    tab(alice.page, "rewards")
    assert wei(alice.page, "#withdrawable") == share > 0
    before = balance(url, ALICE)
    alice.page.click("#withdraw-button")
    alice.page.wait_for_selector("#withdraw-receipt.ok")
    assert wei(alice.page, "#withdraw-receipt [data-field=moved]") == share
    fee = balance_fee(url, before, ALICE, share)
    assert wei(alice.page, "#withdraw-receipt [data-field=fee]") == fee
    assert wei(alice.page, "#withdraw-receipt [data-field=balance]") == balance(url, ALICE)
    assert wei(alice.page, "#withdrawable") == 0 == contract.read("withdrawable", ALICE)[0]
    assert alice.page.is_disabled("#withdraw-button")
    alice.screenshot("contracts-rewards")

    tab(alice.page, "history")
    alice.page.wait_for_selector("table#history")
    alice.page.wait_for_selector("#accuracy-chart canvas")
    assert "accuracy on the test set" in alice.page.locator("#accuracy-chart .u-legend").text_content()
    assert "On the manifest's test set (100 rows" in alice.page.text_content("#accuracy-note")
    events = alice.page.locator("table#history tbody tr").all_text_contents()
    assert [e.split("added")[0] != e for e in events] == [True, True, False, False]
    legend = alice.page.locator("#history-chart .u-legend").text_content()
    assert all(name in legend for name in ("contributions added", "refunds", "reports"))
    assert alice.page.locator("#history-chart canvas").count() == 1
    alice.screenshot("contracts-history")
    assert alice.problems == [] and bob.problems == []


def balance_fee(url: str, before: int, who: str, paid: int) -> int:
    """The fee of `who`'s last transaction, after checking the balance rose by `paid` less that fee."""
    backend = RpcBackend(url)
    block = backend.request("eth_getBlockByNumber", ["latest", True])
    (tx,) = [t for t in block["transactions"] if t["from"].lower() == who]
    receipt = backend.request("eth_getTransactionReceipt", [tx["hash"]])
    fee = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert balance(url, who) == before + paid - fee
    return fee


def test_an_injected_wallet_on_the_wrong_chain_refusing_then_signing(app, deployed, web_node, new_page):
    folder, manifest = deployed

    def node_request(body: str) -> str:
        request = urllib.request.Request(web_node.url, data=json.dumps({"jsonrpc": "2.0", "id": 1,
                                                                         **json.loads(body)}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    watched = new_page(init_script=WALLET, functions={"nodeRequest": node_request})
    page = open_model(watched, app, manifest.address)
    page.evaluate(f"window.__wallet.account = '{CAROL}'")

    def connect() -> str:
        page.click("#connect-wallet")
        page.wait_for_function("document.getElementById('wallet-message').textContent !== ''")
        assert page.locator(".busy").count() == 0 and page.is_enabled("#connect-wallet")
        return page.text_content("#wallet-message")

    assert connect() == ("Your wallet is on chain 1, but this node is chain 31337: switch the wallet to chain 31337 "
                         "(or add this network to it), then connect again.")
    watched.screenshot("contracts-wallet-wrong-chain")
    page.evaluate("window.__wallet.chain = '0x7a69'; window.__wallet.rejectAccounts = true")
    assert connect() == "You rejected the request in your wallet: nothing was sent."

    page.evaluate("window.__wallet.rejectAccounts = false; window.__wallet.rejectSend = true")
    page.click("#connect-wallet")
    page.wait_for_function(f"document.getElementById('signer-address').textContent.includes('Test wallet {CAROL}')")
    tab(page, "add")
    page.fill("#add-text", GOOD_TEXT)
    blocks = RpcBackend(web_node.url).request("eth_blockNumber")
    page.click("#add-button")
    page.wait_for_selector("#add-receipt.error")
    assert page.text_content("#add-receipt") == "You rejected the request in your wallet: nothing was sent."
    assert page.locator(".busy").count() == 0 and page.is_enabled("#add-button")
    assert RpcBackend(web_node.url).request("eth_blockNumber") == blocks

    page.evaluate("window.__wallet.rejectSend = false")
    before = balance(web_node.url, CAROL)
    shown = add(page, GOOD_TEXT, None, "1")
    assert balance(web_node.url, CAROL) == before - shown["cost"] - shown["fee"] == shown["balance"]

    page.evaluate("window.__wallet.emit('accountsChanged', [])")      # the person switched accounts
    page.wait_for_function("document.getElementById('wallet-message').textContent !== ''")
    assert page.text_content("#wallet-message") == "The wallet switched account or chain: connect it again."
    assert CAROL not in page.text_content("#signer-address")


def api(app, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(app.url + "/api/chain" + path, data=data,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_api_refuses_bad_input_in_one_line_and_sends_nothing(app, deployed, web_node):
    address = deployed[1].address
    model = f"/model/{address}"
    blocks = RpcBackend(web_node.url).request("eth_blockNumber")
    refusals = [
        ("/model/0x1234", None, "a contract address is 0x and 40 hex digits, got '0x1234'"),
        (f"{model}/predict", {"text": "  "}, "give the sample: its text, or its feature indices"),
        (f"{model}/predict", {"features": "1,,2"}, "features must be whole numbers separated by commas"),
        (f"{model}/send", {"action": "add", "from": ALICE, "text": GOOD_TEXT, "label": "sideways"},
         "--label must be a class index from 0 to 1 or a name: negative, positive; got 'sideways'"),
        (f"{model}/send", {"action": "add", "from": ALICE, "text": GOOD_TEXT, "label": "1", "deposit": "0.000001"},
         "is below the cost to add this sample now"),
        (f"{model}/send", {"action": "add", "from": "0x" + "ab" * 20, "text": GOOD_TEXT, "label": "1"},
         "is not an unlocked account of the node"),
        (f"{model}/send", {"action": "mint", "from": ALICE}, "action must be add, refund, report or withdraw, got 'mint'"),
        (f"{model}/send", {"action": "withdraw", "from": BOB}, "nothing to withdraw: this address has no earnings"),
        (f"{model}/prepare", {"action": "refund", "from": ALICE, "id": 99}, "there is no contribution 99"),
        (f"{model}/receipt", {"tx_hash": "0x12", "function": "add_data"}, "tx_hash must be 0x and 64 hex digits"),
        (f"{model}/history?from_block=9&to_block=2", None, "the block range 9..2 is empty"),
    ]
    for path, body, message in refusals:
        status, answer = api(app, path, body)
        assert status == 400 and message in answer["error"] and "\n" not in answer["error"], (path, answer)
    assert RpcBackend(web_node.url).request("eth_blockNumber") == blocks


def test_a_server_without_dev_accounts_never_sends_from_the_node(serve, web_node, deployed):
    plain = serve(rpc=web_node.url, deployments=deployed[0])
    status, answer = api(plain, f"/model/{deployed[1].address}/send",
                         {"action": "add", "from": ALICE, "text": GOOD_TEXT, "label": "1"})
    assert status == 400 and answer["error"].startswith("this server does not send from the node's accounts")
    assert api(plain, "/info")[1]["accounts"] == []


def test_text_from_the_server_is_shown_as_text_never_as_html(app, new_page):
    page = new_page().page
    page.goto(app.url + "/#/contracts/<img src=x onerror=window.hacked=1>")
    page.wait_for_selector("#page-error")
    assert "<img src=x onerror=window.hacked=1>" in page.text_content("#page-error")
    assert page.locator("#page-contracts img").count() == 0 and page.evaluate("window.hacked") is None


def replayed_accuracy(manifest, contract, blocks: list[int]) -> list[int]:
    """Rows of the test set the Python model predicts right after the additions up to each of the sorted
    `blocks`: the initial model trained off chain, updated with each contribution in order (no node read)."""
    from sumchain.config import Config
    from sumchain.data import load_dataset
    from sumchain.engines import initial_model

    config = Config.from_dict(manifest.config)
    model = initial_model(config, load_dataset(config)).copy()
    rows = [model.sample(np.array(r, dtype=np.int64)) for r in manifest.test_set["rows"]]
    added, correct = list(contract.contributions()), []
    for block in blocks:
        while added and added[0].block <= block:
            c = added.pop(0)
            assert model.update(model.sample(c.x), c.y) == c.model_updated
        correct.append(sum(model.predict(x) == y for x, y in zip(rows, manifest.test_set["labels"])))
    return correct


def test_accuracy_over_time_is_the_python_models_and_is_kept_with_the_test_sets_hash(app, deployed, serve, web_node,
                                                                                       new_page, tmp_path):
    folder, manifest = deployed
    contract = open_contract(str(folder / "perceptron.json"))
    owner = Signer(OWNER, "unlocked account of the node")
    wrong = [(contract.features(r), y) for r, y in zip(manifest.test_set["rows"], manifest.test_set["labels"])
             if r and contract.predict(contract.features(r)) != y]
    for x, y in wrong[:6]:          # rows the model gets wrong, with their labels: the model learns
        contract.add(owner, x, y, 2 * contract.cost_to_add(x, y))
    status, answer = api(app, f"/model/{manifest.address}/accuracy")
    assert status == 200 and answer["test_set"] == {"rows": 100, "sha256": manifest.test_set["sha256"]}
    points = answer["points"]
    changed = [c.block for c in contract.contributions() if c.model_updated]
    assert [p["block"] for p in points] == sorted({answer["first_block"], *changed, answer["latest"]})
    assert len({p["correct"] for p in points}) > 1           # the additions moved it
    assert [p["correct"] for p in points] == replayed_accuracy(manifest, contract, [p["block"] for p in points])
    for point in points:
        assert point["accuracy"] == point["correct"] / 100 and point["test_set_sha256"] == manifest.test_set["sha256"]

    # kept beside the manifests, by block and test set: a kept measurement is read, not measured again
    cache = folder / f".accuracy-31337-{manifest.address}.json"
    kept = json.loads(cache.read_text())
    assert {(p["block"], manifest.test_set["sha256"]) for p in points} <= \
        {(m["block"], m["test_set_sha256"]) for m in kept["measurements"]}       # with the History tab's
    (first,) = [m for m in kept["measurements"] if m["block"] == points[0]["block"]]
    first["correct"] = 101
    cache.write_text(json.dumps(kept))
    assert api(app, f"/model/{manifest.address}/accuracy")[1]["points"][0]["correct"] == 101
    first["correct"] = points[0]["correct"]
    cache.write_text(json.dumps(kept))

    # the page charts the same measurements
    watched = new_page(viewport=(1200, 700))
    page = open_model(watched, app, manifest.address, ALICE)
    tab(page, "history")
    page.wait_for_selector("#accuracy-chart canvas")
    last = points[-1]
    assert f"now {100 * last['correct'] / 100:.1f} % ({last['correct']} of 100)" in page.text_content("#accuracy-note")
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.locator("#accuracy").screenshot(path=str(RESULTS / "contracts-accuracy.png"))
    assert watched.problems == []

    # a manifest without a test set: one line saying so
    plain = tmp_path / "plain"
    plain.mkdir()
    data = json.loads((folder / "perceptron.json").read_text())
    (plain / "perceptron.json").write_text(json.dumps({**data, "test_set": None}))
    status, answer = api(serve(rpc=web_node.url, deployments=plain), f"/model/{manifest.address}/accuracy")
    assert status == 200 and answer["points"] == [] and answer["note"] == (
        "This deployment's manifest has no test set, so the model's accuracy is not tracked.")
    assert not list(plain.glob(".accuracy-*"))
