"""The contributions still waiting to be claimed, as arrays in submission order.

What the simulator knows here are facts of its own submissions (the contract's id for each, who
submitted it) and the model's predictions for them; what a claim would do is always asked from the
contract (`Trainer.claim_preview`). Why arrays: the study's simulation retried every pending claim
on every turn (about 500 pending at a time), one call each. The model's predictions are cached per
model version and refreshed in one batch read when stale, and one batched read answers every
pending claim; only the calls that would succeed are sent, one by one.

Submission k is the k-th sample of the pool (agents take the next unsubmitted sample).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sumchain.data.dataset import RowBuffer


class Outstanding:
    def __init__(self, pool_X: sp.csr_matrix):
        n = pool_X.shape[0]
        self.pool_X = pool_X
        self.contribution_id = np.zeros(n, dtype=np.int64)
        self.author = np.zeros(n, dtype=np.int64)
        self.label = np.zeros(n, dtype=np.int64)
        self.added_time = np.zeros(n, dtype=np.int64)
        self.count = 0                                       # submissions so far
        self._rows = np.zeros(n, dtype=np.int64)             # active_rows' storage: appended, compacted in place
        self._num_rows = 0
        self.active_rows = self._rows[:0]                    # unsettled submissions, oldest first
        self.settled = np.zeros(n, dtype=bool)
        self._num_settled_in_rows = 0                        # settled rows not yet dropped from active_rows
        # the model's prediction for each submission: those before `_predicted_count` are for the
        # model version `_predicted_version`
        self.prediction = np.zeros(n, dtype=np.int64)
        self._predicted_version = -1
        self._predicted_count = 0
        self._buffer = RowBuffer(pool_X)                      # the active rows' features, for batch reads

    @property
    def num_active(self) -> int:
        return len(self.active_rows) - self._num_settled_in_rows

    def add(self, contribution_id: int, added_time: int, author: int, label: int) -> None:
        k = self.count
        self.contribution_id[k] = contribution_id
        self.added_time[k] = added_time
        self.author[k] = author
        self.label[k] = label
        self.count += 1
        self._rows[self._num_rows] = k
        self._num_rows += 1
        self.active_rows = self._rows[:self._num_rows]
        self._buffer.append(k)

    def settle(self, rows: np.ndarray) -> None:
        fresh = rows[~self.settled[rows]]
        if len(fresh):
            self.settled[fresh] = True
            self._num_settled_in_rows += len(fresh)
            self._buffer.drop(fresh)

    def active(self) -> np.ndarray:
        """The unsettled submissions, oldest first."""
        if self._num_settled_in_rows:
            kept = self.active_rows[~self.settled[self.active_rows]]
            self._num_rows = len(kept)
            self._rows[:self._num_rows] = kept
            self.active_rows = self._rows[:self._num_rows]
            self._num_settled_in_rows = 0
        return self.active_rows

    def refresh_predictions(self, version: int, predict_row, predict_many) -> None:
        """Bring the cached predictions of the active submissions up to the model `version`.

        When the model moved, one batch read of every active submission (the buffer of their
        features is kept from one read to the next); otherwise single free reads of the
        submissions added since the last refresh, the only ones not yet predicted.
        """
        if version != self._predicted_version:
            held = self._buffer.rows
            if len(held):
                self.prediction[held] = predict_many(self._buffer.matrix())[:len(held)]
            self._predicted_version = version
        else:
            for k in range(self._predicted_count, self.count):
                self.prediction[k] = predict_row(k)
        self._predicted_count = self.count
