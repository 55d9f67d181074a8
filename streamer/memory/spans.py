"""Event spans and kinds as numpy columns: which timeline events a window keeps.

Events arrive out of time order (speech is transcribed seconds after the on-screen
text beside it, from another thread) and merged ocr/tags events grow their `end`,
so the timeline cannot keep ids sorted by time. Instead these columns, in
insertion order (the faiss id order), answer "which ids overlap [lo, hi]" with
two comparisons per event and no vector math: about 0.1 ms at 100k events.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INITIAL_CAPACITY = 64  # events; columns double when full: O(1) amortised per event


class SpanColumns:
    """(n,) starts and ends in seconds and kind codes, row i = the timeline's event i.

    Not thread-safe on its own: the timeline calls it under its lock.
    """

    def __init__(self) -> None:
        self._starts = np.zeros(INITIAL_CAPACITY, np.float64)  # (capacity,) s; rows [:n] in use
        self._ends = np.zeros(INITIAL_CAPACITY, np.float64)  # (capacity,) s
        self._kinds = np.zeros(INITIAL_CAPACITY, np.int32)  # (capacity,) code of each kind
        self._codes: dict[str, int] = {}  # kind name -> code, in order of first appearance
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, start: float, end: float, kind: str) -> None:
        if self._n == len(self._starts):
            grown = 2 * len(self._starts)
            self._starts = _grow(self._starts, grown)
            self._ends = _grow(self._ends, grown)
            self._kinds = _grow(self._kinds, grown)
        code = self._codes.setdefault(kind, len(self._codes))
        self._starts[self._n], self._ends[self._n], self._kinds[self._n] = start, end, code
        self._n += 1

    def set_end(self, i: int, end: float) -> None:
        """Event `i` was merged with a later identical one: its span now ends at `end`."""
        self._ends[i] = end

    def mask(self, lo: float, hi: float, kinds: Sequence[str] | None = None) -> np.ndarray:
        """(n,) bool: event i's span overlaps [lo, hi] (touching counts) and its kind is wanted."""
        n = self._n
        keep = (self._ends[:n] >= lo) & (self._starts[:n] <= hi)
        if kinds is not None:
            # `name in kinds`, as a plain filter over events would test it
            wanted = [code for name, code in self._codes.items() if name in kinds]
            keep &= np.isin(self._kinds[:n], wanted)
        return keep


def _grow(column: np.ndarray, capacity: int) -> np.ndarray:
    grown = np.zeros(capacity, column.dtype)
    grown[: len(column)] = column
    return grown
