"""Simulated time as an event list: schedule an action at a time, run them in order."""

from __future__ import annotations

import heapq
import itertools
from typing import Callable


class EventQueue:
    """Events at the same time run in the order they were scheduled (deterministic ties)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callable[[int], None]]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, time: int, action: Callable[[int], None]) -> None:
        heapq.heappush(self._heap, (int(time), next(self._order), action))

    def next_time(self) -> int:
        """When the next event runs (the queue must not be empty)."""
        return self._heap[0][0]

    def pop(self) -> tuple[int, Callable[[int], None]]:
        time, _, action = heapq.heappop(self._heap)
        return time, action
