"""The manifest refuses a damaged or edited field in one line, before anything reaches a node."""

from __future__ import annotations

import json

import pytest

from sumchain.live.heldout import HELDOUT_ROWS, heldout_hash, heldout_of
from sumchain.live.manifest import Manifest, ManifestError, read_manifest, shareable_url, write_manifest


def _manifest() -> Manifest:
    return Manifest(chain_id=31337, address="0x" + "ab" * 20, deployer="0x" + "cd" * 20, block=1,
                    rpc_url="http://127.0.0.1:8545", family="perceptron", artefact="trainer_perceptron",
                    code_hash="0x" + "00" * 32, mechanism="stakeable", parameters={"num_features": 100},
                    config={"num_words": 100}, config_digest="abc", encoder={"kind": "features"},
                    class_names=["negative", "positive"], state_chunks=1, finished=True)


def test_a_written_manifest_reads_back_the_same(tmp_path):
    path = write_manifest(tmp_path / "deployment.json", _manifest())
    assert read_manifest(path) == _manifest()


@pytest.mark.parametrize(("name", "value"), [
    ("chain_id", "abc"), ("chain_id", 10**400), ("chain_id", True), ("chain_id", 1.5), ("chain_id", -1),
    ("block", -5), ("max_tx_gas", "big"), ("address", 123), ("address", "0xZZ"), ("address", "0x12"),
    ("deployer", None), ("parameters", []), ("parameters", {"num_features": "x"}), ("config", "x"),
    ("encoder", []), ("class_names", "ab"), ("class_names", [1, 2]), ("finished", "yes"),
    ("code_hash", 5), ("rpc_url", None), ("test_set", []), ("test_set", {"rows": [[1, -2]], "labels": [0]}),
    ("test_set", {"rows": [[1]], "labels": [0, 1]}), ("test_set", {"rows": [[1]], "labels": [0], "sha256": "ab"}),
])
def test_a_field_of_the_wrong_type_is_one_line_naming_it(tmp_path, name, value):
    data = _manifest().to_dict()
    data[name] = value
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=f"bad {name} ") as error:
        read_manifest(path)
    assert "\n" not in str(error.value)


def test_an_unfinished_manifest_has_no_address_yet(tmp_path):
    data = _manifest().to_dict() | {"address": "", "finished": False}
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(data))
    assert read_manifest(path).address == ""


@pytest.mark.parametrize("url, shown", [
    ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
    ("https://user:secret@node.example/rpc", "https://node.example/rpc"),
    ("https://node.example:8443/rpc?apikey=secret", "https://node.example:8443/rpc"),
])
def test_a_manifest_shows_the_node_url_without_credentials(url, shown):
    assert shareable_url(url) == shown


def test_a_test_set_reads_back_and_an_edited_row_is_refused(tmp_path):
    from sumchain.config import Config
    from sumchain.data import load_dataset

    config = Config.from_overrides({"num_words": 60, "max_train": 300, "max_test": 250})
    dataset = load_dataset(config)
    held = heldout_of(dataset)
    assert len(held["rows"]) == HELDOUT_ROWS == len(held["labels"]) < dataset.X_test.shape[0]
    assert held["rows"][0] == sorted(int(i) for i in dataset.X_test[0].indices)
    assert held["labels"] == [int(v) for v in dataset.y_test[:HELDOUT_ROWS]]
    assert held["sha256"] == heldout_hash(held["rows"], held["labels"])
    manifest = _manifest()
    manifest.test_set = held
    path = write_manifest(tmp_path / "deployment.json", manifest)
    assert read_manifest(path).test_set == held
    data = json.loads(path.read_text())
    data["test_set"]["labels"][0] = 1 - data["test_set"]["labels"][0]
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="bad test_set .*a sha256 matching its rows and labels"):
        read_manifest(path)
    del data["test_set"]                        # a manifest written before test sets: none
    path.write_text(json.dumps(data))
    assert read_manifest(path).test_set is None
