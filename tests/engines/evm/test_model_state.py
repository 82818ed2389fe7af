"""Each model family on the trainer contract: its state written at deployment and read back, its
samples on the wire, its classes, and the one-line refusals the contract gives for them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sumchain
from sumchain import Config, Rejected
from sumchain.config import EVM_MODELS
from sumchain.engines import initial_model
from sumchain.engines.evm import abi
from sumchain.engines.evm.deploy import deploy_contract
from sumchain.engines.evm.backend import TX_GAS_CAP
from sumchain.engines.evm.model_state import initial_rows, row_widths, state_chunks, write_chunk
from sumchain.engines.evm.revm import RevmBackend
from sumchain.ledger.money import to_units
from sumchain.models.naive_bayes import NaiveBayes
from tests.models.test_conformance import three_classes


@pytest.mark.parametrize("family", EVM_MODELS)
def test_the_deployed_state_reads_back_as_the_model_and_follows_every_add(family, tiny_dataset):
    config = Config(num_words=tiny_dataset.num_features, model=family)
    model = initial_model(config, tiny_dataset)
    trainer, gas = deploy_contract(config, model.copy(), RevmBackend())
    assert trainer.read_model().state() == model.state()
    assert [len(values) for _, values in initial_rows(model)] == row_widths(model)[:len(list(initial_rows(model)))]
    trainer.chain.fund("alice", to_units(100))
    X = tiny_dataset.X_train
    for k in range(4):
        trainer.chain.advance(600)
        x = model.sample(X.indices[X.indptr[k]:X.indptr[k + 1]])
        trainer.add_data("alice", x, k % 2, to_units(10))
        model.update(x, k % 2)
    assert trainer.model.state() == trainer.read_model().state() == model.state()
    assert trainer.model.family == family


def test_naive_bayes_counts_deploy_in_chunks_within_a_transaction_s_gas_cap():
    rng = np.random.default_rng(2)
    counts = rng.integers(1, 50, (2, 1200))
    model = NaiveBayes(1200, 2, 1000, counts, np.array([300, 280]))
    trainer, gas = deploy_contract(Config(num_words=1200, model="naive_bayes"), model, RevmBackend())
    per_chunk = write_chunk(model)
    assert 250 < per_chunk < 1200
    assert len(gas.state) == 2 * -(-1200 // per_chunk) + 1                  # each class's counts, the samples
    assert max(gas.state) <= TX_GAS_CAP and max(gas.state) > TX_GAS_CAP * 0.8   # full chunks, under the cap
    assert trainer.read_model().state() == model.state()


@pytest.mark.parametrize("max_tx_gas", [2_000_000, 5_000_000])
def test_a_smaller_transaction_limit_gives_more_smaller_chunks_and_the_same_state(max_tx_gas):
    rng = np.random.default_rng(3)
    model = NaiveBayes(300, 2, 1000, rng.integers(0, 9, (2, 300)), np.array([30, 28]))
    trainer, gas = deploy_contract(Config(num_words=300, model="naive_bayes"), model, RevmBackend(),
                                   max_tx_gas=max_tx_gas)
    chunks = state_chunks(model, max_tx_gas)
    assert len(gas.state) == len(chunks) > 2 and max(gas.state) <= max_tx_gas
    assert [c.what for c in chunks][:2] == [f"set_state row 0 entries 0-{len(chunks[0].indices) - 1}",
                                            f"set_state row 0 entries {len(chunks[0].indices)}-"
                                            f"{len(chunks[0].indices) + len(chunks[1].indices) - 1}"]
    assert trainer.read_model().state() == model.state()


def test_a_transaction_limit_too_small_for_one_entry_is_refused_in_one_line():
    with pytest.raises(sumchain.SumchainError, match="too small for one naive_bayes state entry"):
        write_chunk(NaiveBayes(10, 2, 1000), max_tx_gas=100_000)


def test_the_evm_backend_refuses_a_transaction_over_the_cap_as_a_current_chain_does(tiny_dataset):
    from sumchain.engines.evm.backend import GasCapError

    trainer = sumchain.deploy(Config(num_words=tiny_dataset.num_features, engine="evm"), tiny_dataset)
    backend = trainer.chain.backend
    with pytest.raises(GasCapError, match="between 1 and 2\\*\\*24 = 16,777,216"):
        backend.transact(backend.address_of("alice"), trainer.address, b"", gas=TX_GAS_CAP + 1)
    assert backend.transact(backend.address_of("alice"), trainer.address, b"", gas=TX_GAS_CAP).gas_used > 0


def test_dense_samples_travel_as_packed_signed_values():
    x = np.array([0, 1000, -1000, 32768, -32768, 7, -1, 0, 5], dtype=np.int64)
    words = abi.pack_dense(x)
    assert len(words) == 64                                   # 9 values: two words of 8 lanes
    assert abi.unpack_dense(words, 9).tolist() == x.tolist()


def test_a_dense_sample_of_the_wrong_width_is_refused_before_it_is_sent(tiny_dataset):
    trainer = sumchain.deploy(Config(num_words=tiny_dataset.num_features, model="dense_perceptron", engine="evm"),
                              tiny_dataset)
    trainer.chain.fund("alice", to_units(10))
    with pytest.raises(Rejected, match=f"x must be {tiny_dataset.num_features} integer feature values"):
        trainer.add_data("alice", np.zeros(5, np.int64), 1, to_units(5))
    with pytest.raises(Rejected, match="beyond the allowed"):
        trainer.predict(np.full(tiny_dataset.num_features, 40_000))


def test_a_dense_model_wider_than_the_contract_s_bound_is_refused_at_deployment(tiny_dataset):
    from sumchain.models.dense_perceptron import DensePerceptron

    with pytest.raises(sumchain.SumchainError, match="num_features must be between 1 and 1024"):
        deploy_contract(Config(num_words=1100, model="dense_perceptron"), DensePerceptron(1100), RevmBackend())


@pytest.mark.parametrize("family", ["naive_bayes", "nearest_centroid"])
def test_more_than_two_classes_on_the_evm_as_in_python(family):
    data = three_classes(n=600)
    config = Config(model=family, num_words=90, train_size=0.2, seed=2)
    python = sumchain.simulate(config, dataset=data)
    evm = sumchain.simulate(Config.from_overrides({"engine": "evm"}, base=config), dataset=data)
    assert python.metrics["counts"]["adds"] > 300
    assert python.metrics == evm.metrics
    pd.testing.assert_frame_equal(python.timeseries, evm.timeseries)
    trainer = evm.trainer
    assert trainer.model.num_classes == 3 and trainer.model.state() == trainer.read_model().state()
    spec = trainer._functions["cost_to_add_for"]
    outcome = trainer.backend.call(trainer.address, spec.calldata(abi.pack(np.array([1, 2])), 3))
    assert abi.revert_reason(outcome.output) == "y must be a class index from 0 to 2, got 3"


@pytest.mark.parametrize("family", ["dense_perceptron", "dense_nearest_centroid"])
def test_numeric_values_on_the_evm_as_in_python(family, tmp_path):
    """Standardised csv columns: signed fixed-point values, packed as 32-bit lanes."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1000)
    X = rng.normal(size=(1000, 6)) + y[:, None] * np.array([1.0, -0.5, 0.3, 0.0, 0.8, -1.2])
    table = pd.DataFrame(X, columns=[f"c{i}" for i in range(6)]).assign(sentiment=y)
    table.to_csv(tmp_path / "numbers.csv", index=False)
    config = {"dataset": "csv", "data_path": str(tmp_path / "numbers.csv"), "csv_encoding": "standardised",
              "model": family, "max_train": 200}
    python = sumchain.simulate(config)
    evm = sumchain.simulate({**config, "engine": "evm"})
    assert python.metrics["counts"]["adds"] > 150
    assert python.metrics == evm.metrics
    pd.testing.assert_frame_equal(python.timeseries, evm.timeseries)
    assert python.trainer.model.state() == evm.trainer.read_model().state()
    assert np.min(python.trainer.model.state()) < 0
