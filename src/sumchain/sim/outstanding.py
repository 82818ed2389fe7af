"""The contributions still waiting to be claimed, as arrays in submission order.

What the simulator knows here are facts of its own submissions (the contract's id for each, who
submitted it) and the model's predictions of those whose claims depend on them; what a claim
would do is always asked from the contract (`Trainer.claim_preview`, through `sim.claims`).
Predictions are kept only for the *watched* submissions (`watch`): those a claimer's answer
was found to depend on. They are refreshed in one batch read per model version, and a refresh
says which of them flipped (their answers may change).

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
        # the model's prediction of each watched submission, for the model version `_predicted_version`
        self.prediction = np.zeros(n, dtype=np.int64)
        self.watched = bytearray(n)                          # read one row at a time: no numpy scalars
        self._predicted_version = -1
        self._buffer = RowBuffer(pool_X)                      # the watched rows' features, for batch reads

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

    def settle(self, rows: list[int]) -> None:
        """These submissions are settled (a few at a time: plain Python)."""
        settled, watched, dropped = self.settled, self.watched, []
        for k in rows:
            if not settled[k]:
                settled[k] = True
                self._num_settled_in_rows += 1
                if watched[k]:
                    watched[k] = 0
                    dropped.append(k)
        if dropped:
            self._buffer.drop(dropped)

    def active(self) -> np.ndarray:
        """The unsettled submissions, oldest first."""
        if self._num_settled_in_rows:
            kept = self.active_rows[~self.settled[self.active_rows]]
            self._num_rows = len(kept)
            self._rows[:self._num_rows] = kept
            self.active_rows = self._rows[:self._num_rows]
            self._num_settled_in_rows = 0
        return self.active_rows

    def watch(self, rows: list[int], predict_row) -> None:
        """Keep these submissions' predictions from now on: each predicted now, by a single free read."""
        for k in rows:
            self.prediction[k] = predict_row(k)
            self._buffer.append(k)
            self.watched[k] = 1

    def refresh_predictions(self, version: int, predict_many) -> np.ndarray:
        """Bring the watched submissions' predictions up to the model `version` (one batch read when
        the model moved; the buffer of their features is kept from one read to the next); the rows
        whose prediction changed."""
        if version == self._predicted_version:
            return np.zeros(0, dtype=np.int64)
        self._predicted_version = version
        held = self._buffer.rows
        if not len(held):
            return held
        fresh = predict_many(self._buffer.matrix())[:len(held)]
        changed = fresh != self.prediction[held]
        self.prediction[held] = fresh
        return held[changed]
