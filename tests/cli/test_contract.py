"""`sumchain contract ...` against a real Hardhat dev node: a contributor's journey through the command
line only, and every refusal one line, exit 2, with nothing sent (the node's block number and the
sender's nonce do not move). The node's clock moves only by the test (evm_increaseTime + evm_mine),
as the wall clock moves a live chain's."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest

from sumchain.cli import main
from sumchain.contract.reasons import REASONS, TOO_EARLY_TO_REFUND, TOO_EARLY_TO_REPORT
from sumchain.engines.rpc import RpcBackend
from sumchain.live.contract import when
from sumchain.live.manifest import read_manifest, write_manifest
from tests.live.deployment import ALICE, BOB, BOB_KEY, DAY, advance, deployment  # noqa: F401 (a fixture)

GOOD_TEXT = "word4 word5 word6 word7"      # the deployed model predicts positive for it
BAD_FEATURES = "1,13,14,15"                # the model predicts negative (class 0) for it, firmly
GWEI = "1"                                 # a gas price above 0, so that fees show in the balances


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["contract", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_json(capsys, *args: str) -> dict:
    code, out, err = cli(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def refused(capsys, *args: str) -> str:
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == "", (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sumchain: error: "), err
    return lines[0]


def rpc(url: str, method: str, *params):
    return RpcBackend(url).request(method, list(params))


@contextmanager
def nothing_sent(url: str, *senders: str):
    """The node mines no block and no sender's nonce moves inside the block."""
    def state():
        return (int(rpc(url, "eth_blockNumber"), 16),
                [int(rpc(url, "eth_getTransactionCount", s, "latest"), 16) for s in senders])
    before = state()
    yield
    assert state() == before


def balance(url: str, address: str) -> int:
    return int(rpc(url, "eth_getBalance", address, "latest"), 16)


def fee(url: str, tx_hash: str) -> int:
    receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


def test_a_contributor_journey_through_the_command_line(deployment, rpc_url, capsys, monkeypatch):
    d = ("--deployment", str(deployment))
    status = cli_json(capsys, "status", *d)
    assert status["contributions"] == 0 and status["parameters"]["family"] == "perceptron"
    assert cli_json(capsys, "predict", *d, "--text", GOOD_TEXT)["class_name"] == "positive"
    assert cli_json(capsys, "predict", *d, "--features", BAD_FEATURES)["prediction"] == 0
    alice_start, bob_start = balance(rpc_url, ALICE), balance(rpc_url, BOB)

    # alice adds a review with the label the model agrees with, by class name, from an unlocked account
    plan = cli_json(capsys, "add", *d, "--text", GOOD_TEXT, "--label", "positive", "--from", ALICE, "--dry-run")
    assert plan["dry_run"] and plan["model_agrees"] and plan["deposit"] == plan["cost"]
    good = cli_json(capsys, "add", *d, "--text", GOOD_TEXT, "--label", "positive", "--from", ALICE,
                    "--gas-price-gwei", GWEI)
    assert good["id"] == 0 and good["from"] == ALICE and good["gas_price_wei"] == "1000000000"
    assert int(good["fee"]["wei"]) == fee(rpc_url, good["tx_hash"]) > 0
    advance(rpc_url, 60)
    # bob adds a wrong label by class index, signing with his key, with more than the cost
    monkeypatch.setenv("SUMCHAIN_PRIVATE_KEY", BOB_KEY)
    bad = cli_json(capsys, "add", *d, "--features", BAD_FEATURES, "--label", "1", "--deposit", "100.5",
                   "--gas-price-gwei", GWEI)
    monkeypatch.delenv("SUMCHAIN_PRIVATE_KEY")
    assert bad["id"] == 1 and bad["from"] == BOB and not bad["model_agrees"]
    assert int(bad["cost"]["wei"]) + int(bad["returned"]["wei"]) == 100_500_000_000_000_000_000
    assert balance(rpc_url, BOB) == bob_start - int(bad["cost"]["wei"]) - fee(rpc_url, bad["tx_hash"])

    # before the refund wait: the dry run says why not, and from when
    code, out, _ = cli(capsys, "refund", "0", *d, "--from", ALICE, "--dry-run")
    refund_from = when(good["added_time"] + DAY + 1)
    assert code == 0 and out.splitlines()[-1] == (
        f"refund not possible now: {REASONS[TOO_EARLY_TO_REFUND]}; refund possible from {refund_from} "
        f"if the model agrees with it then")
    with nothing_sent(rpc_url, ALICE):
        line = refused(capsys, "refund", "0", *d, "--from", ALICE)
    assert REASONS[TOO_EARLY_TO_REFUND] in line and refund_from in line
    early = cli_json(capsys, "report", "1", *d, "--from", ALICE, "--dry-run")
    assert (early["action"], early["reason"], early["then"]) == ("none", REASONS[TOO_EARLY_TO_REPORT], "report")
    assert early["possible_from"] == bad["added_time"] + 9 * DAY       # alice has no verified contribution yet

    advance(rpc_url, DAY + 60)
    code, out, _ = cli(capsys, "refund", "0", *d, "--from", ALICE, "--dry-run")
    assert out.splitlines()[-1] == f"refund possible now: pays {_coins(good['cost'])}"
    mine = cli_json(capsys, "contributions", *d, "--from", ALICE, "--refundable")["contributions"]
    assert [(c["id"], c["action"]) for c in mine] == [(0, "refund")]
    reportable = cli_json(capsys, "contributions", *d, "--from", ALICE, "--reportable", "--page-size", "2")
    assert [c["id"] for c in reportable["contributions"]] == []       # alice has no verified contribution yet

    refund = cli_json(capsys, "refund", "0", *d, "--from", ALICE, "--gas-price-gwei", GWEI)
    assert refund["amount"] == good["cost"]
    code, out, _ = cli(capsys, "report", "1", *d, "--from", ALICE, "--dry-run")
    assert out.splitlines()[-1] == f"report possible now: pays {_coins(bad['cost'])}"
    report = cli_json(capsys, "report", "1", *d, "--from", ALICE, "--gas-price-gwei", GWEI)
    assert report["amount"] == bad["cost"]          # alice holds every verified contribution: all of it
    fees = sum(fee(rpc_url, tx["tx_hash"]) for tx in (good, refund, report))
    assert balance(rpc_url, ALICE) == alice_start + int(bad["cost"]["wei"]) - fees
    assert balance(rpc_url, BOB) == bob_start - int(bad["cost"]["wei"]) - fee(rpc_url, bad["tx_hash"])

    with nothing_sent(rpc_url, BOB):
        assert "nothing left to claim" in refused(capsys, "refund", "1", *d, "--from", BOB)
    after = cli_json(capsys, "status", *d, "--from", ALICE)
    assert after["contributions"] == 2 and after["total_verified"] == 1 and after["you"]["verified"] == 1
    listed = cli_json(capsys, "contributions", *d, "--from", BOB, "--mine")["contributions"]
    assert [(c["id"], c["author"], c["label"], c["settled"]) for c in listed] == [(1, BOB, 1, True)]
    assert [(p["kind"], p["claimer"], p["amount"], p["tx_hash"]) for p in listed[0]["payouts"]] == [
        ("report", ALICE, bad["cost"], report["tx_hash"])]
    code, out, _ = cli(capsys, "contributions", *d, "--from", ALICE)
    assert f"refund {_coins(good['cost'])} paid to {ALICE}" in out.splitlines()[1]


def _coins(amount: dict) -> str:
    return f"{amount['coins']} coin{'' if amount['wei'] == str(10**18) else 's'}"


def test_words_for_a_person(deployment, capsys):
    d = ("--deployment", str(deployment))
    code, out, _ = cli(capsys, "status", *d, "--from", ALICE)
    assert code == 0
    assert "model perceptron: 60 features" in out and "cost to add now: " in out and f"you ({ALICE})" in out
    code, out, _ = cli(capsys, "predict", *d, "--text", GOOD_TEXT)
    assert out.strip() == "the model predicts positive (class 1)"
    code, out, _ = cli(capsys, "add", *d, "--text", GOOD_TEXT, "--label", "positive", "--from", ALICE)
    lines = out.splitlines()
    assert lines[0].startswith(f"added contribution 0 from {ALICE}: label positive (class 1), cost ")
    assert lines[1].startswith("sent: transaction 0x") and lines[2].startswith("gas used ")
    assert lines[3].startswith("refund possible from ")


def test_an_address_without_a_manifest(deployment, rpc_url, capsys):
    address = read_manifest(deployment).address
    at = ("--rpc", rpc_url, "--at", address.upper().replace("0X", "0x"))
    status = cli_json(capsys, "status", *at)
    assert status["parameters"]["family"] == "perceptron" and status["class_names"] == []
    assert cli_json(capsys, "predict", *at, "--features", BAD_FEATURES)["prediction"] == 0
    assert "no text encoder" in refused(capsys, "predict", *at, "--text", GOOD_TEXT)


@pytest.mark.parametrize("change, words", [
    ({"chain_id": 1}, "is chain 31337, but the deployment is on chain 1"),
    ({"address": "0x" + "12" * 20}, "there is no contract at 0x1212"),
    ({"code_hash": "0x" + "00" * 32}, "does not have the manifest's code_hash"),
    ({"artefact": "trainer_naive_bayes"}, "is trainer_perceptron, but the manifest says trainer_naive_bayes"),
    ({"finished": False}, "is not finished"),
    ({"address": ""}, "is not finished"),
])
def test_a_manifest_that_does_not_fit_the_chain_is_refused(deployment, rpc_url, capsys, change, words):
    manifest = read_manifest(deployment)
    for key, value in change.items():
        setattr(manifest, key, value)
    write_manifest(deployment, manifest)
    with nothing_sent(rpc_url, ALICE):
        line = refused(capsys, "add", "--deployment", str(deployment), "--text", GOOD_TEXT, "--label", "1",
                       "--from", ALICE)
    assert words in line


def test_foreign_code_is_refused(deployment, rpc_url, capsys):
    manifest = read_manifest(deployment)
    code = rpc(rpc_url, "eth_getCode", manifest.address, "latest")
    foreign = "0x" + "34" * 20
    middle = len(code) // 2
    rpc(rpc_url, "hardhat_setCode", foreign, code[:middle] + ("00" if code[middle:middle + 2] != "00" else "01")
        + code[middle + 2:])                                                                         # one byte off
    rpc(rpc_url, "hardhat_setCode", "0x" + "56" * 20, code[:200])                                # a prefix only
    for address in (foreign, "0x" + "56" * 20):
        with nothing_sent(rpc_url, ALICE):
            line = refused(capsys, "add", "--rpc", rpc_url, "--at", address, "--features", "1,2", "--label", "1",
                           "--from", ALICE)
        assert "is not a sumchain trainer" in line


def test_signer_and_amount_refusals_send_nothing(deployment, rpc_url, capsys, monkeypatch, tmp_path):
    d = ("--deployment", str(deployment))
    add = ("add", *d, "--text", GOOD_TEXT, "--label", "positive")
    with nothing_sent(rpc_url, ALICE, BOB):
        monkeypatch.setenv("SUMCHAIN_KEYSTORE", str(tmp_path / "missing.json"))
        assert "missing.json (from SUMCHAIN_KEYSTORE) does not exist" in refused(capsys, *add)
        monkeypatch.delenv("SUMCHAIN_KEYSTORE")
        monkeypatch.setenv("SUMCHAIN_PRIVATE_KEY", "0x1234")
        line = refused(capsys, *add)
        assert "SUMCHAIN_PRIVATE_KEY does not hold a valid private key" in line and "1234" not in line
        monkeypatch.setenv("SUMCHAIN_PRIVATE_KEY", BOB_KEY)
        assert "is not the address of the key" in refused(capsys, *add, "--from", ALICE)
        assert "is not the address of the key" in refused(capsys, *add, "--from", ALICE, "--dry-run")
        monkeypatch.delenv("SUMCHAIN_PRIVATE_KEY")
        assert "is not an unlocked account of the node" in refused(capsys, *add, "--from", "0x" + "78" * 20)
        assert "is not an unlocked account of the node" in refused(capsys, *add, "--from", "0x" + "78" * 20,
                                                                   "--dry-run")
        assert "-4" in refused(capsys, "contributions", *d, "--from-block", "-4")
        assert "is below the cost to add now" in refused(capsys, *add, "--from", ALICE, "--deposit", "0.000001")
        assert "more than 18 decimals" in refused(capsys, *add, "--from", ALICE, "--deposit", "1.0000000000000000001")
        assert "must be a decimal number of coins" in refused(capsys, *add, "--from", ALICE, "--deposit", "lots")
        assert "--label must be a class index from 0 to 1 or a name: negative, positive" in refused(
            capsys, "add", *d, "--text", GOOD_TEXT, "--label", "great", "--from", ALICE)
        assert "must be whole numbers separated by commas" in refused(capsys, "add", *d, "--features", "1,,2",
                                                                      "--label", "0", "--from", ALICE)
        assert "feature index 60 is out of range" in refused(capsys, "add", *d, "--features", "1,60", "--label",
                                                             "0", "--from", ALICE)
        assert "there is no contribution 5" in refused(capsys, "refund", "5", *d, "--from", ALICE)
        assert "say which contract" in refused(capsys, "status")


def test_a_keystore_signs(deployment, rpc_url, capsys, monkeypatch, tmp_path):
    from eth_account import Account

    keystore = tmp_path / "bob.json"
    keystore.write_text(json.dumps(Account.encrypt(BOB_KEY, "open sesame", kdf="pbkdf2", iterations=2)))
    monkeypatch.setenv("SUMCHAIN_KEYSTORE", str(keystore))
    d = ("--deployment", str(deployment))
    with nothing_sent(rpc_url, BOB):
        assert "needs its password: set SUMCHAIN_KEYSTORE_PASSWORD" in refused(capsys, "status", *d)
        monkeypatch.setenv("SUMCHAIN_KEYSTORE_PASSWORD", "wrong")
        assert "wrong password" in refused(capsys, "add", *d, "--features", "1,2", "--label", "0")
    monkeypatch.setenv("SUMCHAIN_KEYSTORE_PASSWORD", "open sesame")
    assert cli_json(capsys, "status", *d)["you"]["address"] == BOB
    added = cli_json(capsys, "add", *d, "--features", "1,2", "--label", "0")
    assert added["from"] == BOB
    sent = rpc(rpc_url, "eth_getTransactionByHash", added["tx_hash"])
    assert sent["from"].lower() == BOB


def test_earnings_from_paid_predictions_are_withdrawn(deployment, rpc_url, capsys):
    from sumchain.live.contract import open_contract
    from sumchain.live.signers import Signer

    d = ("--deployment", str(deployment))
    with nothing_sent(rpc_url, ALICE):
        assert "nothing to withdraw" in refused(capsys, "withdraw", *d, "--from", ALICE)
    good = cli_json(capsys, "add", *d, "--text", GOOD_TEXT, "--label", "positive", "--from", ALICE)
    advance(rpc_url, DAY + 60)
    cli_json(capsys, "refund", str(good["id"]), *d, "--from", ALICE)      # alice now shares paid predictions
    contract = open_contract(str(deployment))
    contract.send(Signer(BOB, "unlocked account of the node"), "predict_paid", 10**18,
                  contract.pack(contract.encode(GOOD_TEXT)))
    assert cli_json(capsys, "status", *d, "--from", ALICE)["you"]["withdrawable"]["wei"] == str(10**18)
    code, out, _ = cli(capsys, "withdraw", *d, "--from", ALICE, "--dry-run")
    assert out.strip() == "withdraw possible now: pays 1 coin"
    before = balance(rpc_url, ALICE)
    taken = cli_json(capsys, "withdraw", *d, "--from", ALICE, "--gas-price-gwei", GWEI)
    assert balance(rpc_url, ALICE) == before + 10**18 - fee(rpc_url, taken["tx_hash"])
    with nothing_sent(rpc_url, ALICE):
        assert "nothing to withdraw" in refused(capsys, "withdraw", *d, "--from", ALICE)
