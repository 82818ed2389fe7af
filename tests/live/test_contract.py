"""Opening and reading a deployed trainer (`sumchain.live.contract`): how sumchain's code is recognised,
how the number of contributions is found without the events, and the words of a claim preview."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumchain.config import EVM_MODELS
from sumchain.contract import reasons as R
from sumchain.engines.evm.artefacts import trainer_artefact
from sumchain.live.contract import ContractError, LiveContract, immutables_bytes, match_artefact, open_contract, when
from sumchain.live.signers import Signer
from tests.live.deployment import ALICE, BOB, DAY, advance, deployment  # noqa: F401 (a fixture)


@pytest.mark.parametrize("family", EVM_MODELS)
def test_a_trainer_is_its_runtime_code_and_its_immutables(family):
    artefact = trainer_artefact(family)
    assert immutables_bytes(artefact) == 32                      # MECHANISM
    for mechanism in (0, 1, 2):
        assert match_artefact(artefact.runtime + mechanism.to_bytes(32, "big")) == artefact
    assert match_artefact(artefact.runtime) is None                 # immutables missing
    assert match_artefact(artefact.runtime + bytes(64)) is None     # one word too many
    changed = bytearray(artefact.runtime)
    changed[len(changed) // 2] ^= 1
    assert match_artefact(bytes(changed) + bytes(32)) is None


class CountOnly(LiveContract):
    """A contract whose claim_preview knows only how many contributions there are (no node)."""

    def __init__(self, count: int):
        self.address, self._count, self.reads = "0x" + "00" * 20, count, 0

    def read(self, function, claimer, ids, predictions):
        assert function == "claim_preview" and len(ids) <= 1024
        self.reads += 1
        return [], [], [R.NO_SUCH_CONTRIBUTION if i >= self._count else R.OK for i in ids], []


@settings(max_examples=200)
@given(st.one_of(st.integers(0, 3000), st.integers(0, 2**40)))
def test_the_count_is_found_in_a_few_reads(count):
    contract = CountOnly(count)
    assert contract.count() == count
    assert contract.reads <= 6


def test_times_are_rounded_up_to_the_minute():
    assert when(0) == "1970-01-01 00:00 UTC"
    assert when(1) == when(60) == "1970-01-01 00:01 UTC"
    assert when(86_401) == "1970-01-02 00:01 UTC"


def test_reads_and_previews_on_a_dev_node(deployment, rpc_url):
    contract = open_contract(str(deployment))
    assert contract.count() == 0 and contract.family == "perceptron" and contract.parameters.mechanism == "stakeable"
    alice = Signer(ALICE, "unlocked account of the node")
    added = []
    for i, text in enumerate(("word4 word5 word6 word7", "word1 word2 word3", "word20 word30 word40")):
        x = contract.features(contract.encode(text))
        added.append(contract.add(alice, x, contract.predict(x), contract.cost_to_add()))
        advance(rpc_url, 60)
    assert contract.count() == 3
    events = list(contract.contributions())
    assert [c.id for c in events] == [0, 1, 2] and events == list(contract.contributions(page_blocks=1))
    assert [c.tx_hash for c in events] == [s.tx_hash for s in added]
    assert [c.cost for c in events] == [s.amount for s in added]
    assert list(contract.contributions(from_block=events[1].block, to_block=events[1].block)) == [events[1]]
    assert contract.find(2) == events[2]
    with pytest.raises(ContractError, match="a block number is a whole number from 0, got -4"):
        list(contract.contributions(from_block=-4))
    with pytest.raises(ContractError, match="the block range 10..2 is empty"):
        list(contract.contributions(from_block=10, to_block=2))

    first = events[0]
    refund = contract.claim("refund", ALICE, first)
    assert (refund.action, refund.code, refund.then) == ("none", R.TOO_EARLY_TO_REFUND, "refund")
    assert refund.possible_from == first.time + DAY + 1
    own_report = contract.claim("report", ALICE, first)          # an author may only take it after 9 days
    assert (own_report.code, own_report.then) == (R.OWN_BEFORE_ANY_ADDRESS_WAIT, "report")
    assert own_report.possible_from == first.time + contract.parameters.any_address_claim_wait_s
    not_author = contract.claim("refund", BOB, first)
    assert (not_author.code, not_author.reason, not_author.possible_from) == (R.NOT_AUTHOR, R.REASONS[R.NOT_AUTHOR],
                                                                              None)
    advance(rpc_url, DAY)
    assert [c.action for c in contract.preview(ALICE, events)] == ["refund"] * 3
    assert contract.claim("refund", ALICE, first).amount == first.cost


@pytest.mark.parametrize("model, incentive", [("perceptron", "points"), ("naive_bayes", "quality_priced"),
                                              ("nearest_centroid", "stakeable")])
def test_every_family_and_mechanism_is_recognised(rpc_url, tmp_path, monkeypatch, model, incentive):
    from tests.live.deployment import deploy_with_manifest, fresh_node

    fresh_node(rpc_url)
    path = tmp_path / "deployment.json"
    manifest = deploy_with_manifest(rpc_url, path, model=model, incentive=incentive)
    advance(rpc_url, 60)
    by_manifest = open_contract(str(path))
    by_address = open_contract(rpc_url=rpc_url, address=manifest.address)
    for contract in (by_manifest, by_address):
        p = contract.parameters
        assert (contract.family, p.mechanism) == (model, incentive)
        assert (p.num_features, p.max_features, p.num_classes) == (
            manifest.parameters["num_features"], manifest.parameters["max_features"],
            manifest.parameters["num_classes"])
        assert (p.refund_wait_s, p.cost_weight, p.owner) == (
            manifest.parameters["refund_wait_s"], manifest.parameters["cost_weight"], manifest.deployer)
    x = by_manifest.features(by_manifest.encode("word3 word7 word12"))
    assert by_address.predict(x) == by_manifest.predict(x)
    expected = 0 if incentive == "points" else by_manifest.cost_to_add()
    assert by_manifest.cost_to_add(x, by_manifest.predict(x)) == expected
