"""Each claimer's view of the pending claims: the contract's last answer per submission, asked
again only when it can change.

Why: on every contributor's turn the simulation needs what each pending claim would do (about 500
pending at a time, 27,000 turns in the default run), yet almost every answer is the one the same
claimer got on its previous turn. The contract still judges every answer (`Trainer.claim_preview`,
the rules in one place); this view only decides when to ask again. The answer for one
contribution and claimer can change only when
- a claim on it is made (its claimed, claimable and claim-count facts move): it is due again for
  every claimer (the claim counts' breakpoints need no watch of their own);
- its age reaches the next of the claimer's age breakpoints (`Trainer.claim_rules`): due then;
- the state the rules read for the claimer changes (`ClaimRules.state`, e.g. its first verified
  contribution): every answer of that claimer is due;
- the model's prediction of it flips, when the answer depends on the prediction.
The rules read a prediction only through whether it equals the contribution's label. So a due
contribution that is not watched is asked with both (its label, and another class): when both
answers are the same its prediction cannot matter until it is next due, and is not computed (a
contribution younger than the refund wait is judged without one); otherwise it becomes watched
(`Outstanding.watch`): predicted now, refreshed per model version, due again when it flips.

Why plain Python sets and lists: a turn asks about four or five contributions on average, where
numpy's per-call cost would outweigh the work. Ages need no timer per contribution: submissions
come in time order, so those that reached a breakpoint are a prefix of them, kept per claimer
and breakpoint by one pointer.

The claims declined by reason (the metrics' `declined`) are counted as a full preview would
count them: per claimer, a histogram of the current answers' reasons over its pending
contributions, updated as answers change and contributions settle, added up on each turn.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from sumchain.contract.reasons import REASONS
from sumchain.engines.protocols import TrainerHandle
from sumchain.sim.outstanding import Outstanding

NEVER = np.iinfo(np.int64).max
"""A due time that never comes: past the last breakpoint an answer changes only by events."""

UNJUDGED = -1
"""The reason held for a submission a claimer was not yet asked about (in no histogram)."""


class ClaimView:
    """Per claimer (by name) and pending submission: the contract's last reason, and when it is due."""

    def __init__(self, outstanding: Outstanding, trainer: TrainerHandle, claimers: list[str], num_classes: int):
        n, m = len(outstanding.contribution_id), len(claimers)
        self.outstanding, self.trainer = outstanding, trainer
        self.num_classes = num_classes
        self.index = {name: i for i, name in enumerate(claimers)}
        self._due: list[set[int]] = [set() for _ in range(m)]          # due now
        self._reason = [[UNJUDGED] * n for _ in range(m)]
        self.counts = np.zeros((m, len(REASONS)), dtype=np.int64)     # reasons over the pending rows
        self.declined = np.zeros(len(REASONS), dtype=np.int64)         # all turns' counts added up
        self._rules: list = [None] * m
        self._ages: list[list[int]] = [[] for _ in range(m)]           # the claimer's age breakpoints
        self._crossed: list[list[int]] = [[] for _ in range(m)]        # per breakpoint: rows that reached it
        # the submissions' facts as plain values (read per row), appended as they are seen
        self._ids: list[int] = []
        self._labels: list[int] = []
        self._added: list[int] = []
        self._settled = bytearray(n)

    def turn(self, claimer: str, version: int, predict_row) -> list[tuple[int, int]]:
        """Bring `claimer`'s answers up to now and count their reasons; the pending submissions whose
        claim the contract would accept, oldest first, with the action (made due for every claimer:
        their claims are being sent)."""
        out, i = self.outstanding, self.index[claimer]
        if out.count > len(self._ids):
            self._see_new(out)
        rules = self.trainer.claim_rules(claimer)
        now = self.trainer.chain.now
        due = self._due[i]
        if rules is not self._rules[i] and rules != self._rules[i]:
            self._rules[i], self._ages[i] = rules, list(rules.age_breakpoints)
            self._crossed[i] = [bisect_right(self._added, now - age) for age in self._ages[i]]
            due.update(out.active().tolist())
        flipped = out.refresh_predictions(version, self.trainer.predict_many)
        if len(flipped):
            self._made_due(flipped.tolist())
        added, crossed, seen = self._added, self._crossed[i], len(self._added)
        for j, age in enumerate(self._ages[i]):
            k, limit = crossed[j], now - age
            while k < seen and added[k] <= limit:
                due.add(k)
                k += 1
            crossed[j] = k
        settled_rows = self._settled
        rows = sorted(k for k in due if not settled_rows[k])
        due.clear()
        hits, settled = self._judge(i, claimer, rows, predict_row) if rows else ([], [])
        self.declined += self.counts[i]
        if hits:
            self._made_due([k for k, _ in hits])
        if settled:
            out.settle(settled)
            self._forget(settled)
        return hits

    def _see_new(self, out: Outstanding) -> None:
        """New submissions: due for every claimer."""
        first = len(self._ids)
        self._ids += out.contribution_id[first:out.count].tolist()
        self._labels += out.label[first:out.count].tolist()
        self._added += out.added_time[first:out.count].tolist()
        self._made_due(range(first, out.count))

    def _made_due(self, rows) -> None:
        for due in self._due:
            due.update(rows)

    def _forget(self, rows: list[int]) -> None:
        """These submissions settled: out of every claimer's counts."""
        for k in rows:
            self._settled[k] = 1
        for reasons, counts in zip(self._reason, self.counts):
            for k in rows:
                if reasons[k] != UNJUDGED:
                    counts[reasons[k]] -= 1
                    reasons[k] = UNJUDGED

    def _judge(self, i: int, claimer: str, rows: list[int], predict_row):
        """Ask the contract about these submissions; record the answers; those it would accept (row,
        action) and those it says are settled."""
        out = self.outstanding
        watched, prediction, labels, all_ids = out.watched, out.prediction, self._labels, self._ids
        ids, predictions = [], []
        for k in rows:
            if watched[k]:
                ids.append(all_ids[k])
                predictions.append(int(prediction[k]))
            else:                                         # asked twice: agreeing and disagreeing
                y = labels[k]
                ids += (all_ids[k], all_ids[k])
                predictions += (y, (y + 1) % self.num_classes)
        preview = self.trainer.claim_preview(claimer, ids, predictions)
        answers = list(zip(preview.action.tolist(), preview.reason.tolist(), preview.settled.tolist()))
        reasons, counts = self._reason[i], self.counts[i]
        hits, settled, j = [], [], 0
        for k in rows:
            answer = answers[j]
            if watched[k]:
                j += 1
            else:
                if answers[j + 1] != answer:              # the prediction matters: keep it from now on
                    out.watch([k], predict_row)
                    if prediction[k] != labels[k]:
                        answer = answers[j + 1]
                j += 2
            action, reason, is_settled = answer
            old = reasons[k]
            if old != reason:
                if old != UNJUDGED:
                    counts[old] -= 1
                counts[reason] += 1
                reasons[k] = reason
            if action:
                hits.append((k, action))
            if is_settled:
                settled.append(k)
        return hits, settled
