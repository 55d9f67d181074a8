"""Reading a memory: which held items a backend sees, and in which order.

Without a query: every held item in time order. With one:

1. items that start after `now`, or whose span misses the time window, are left out;
2. with a query vector, the `top_k` items most similar to it (cosine with the
   item's feature) lead, most similar first;
3. the rest follow in time order; when `max_items` cuts, the latest are kept
   (the most recent past is what a live question most often asks about).

The vector lives in the memory's feature space: the feature of an example
frame, or what a backend's `query_vector` makes of the question. Nothing here
depends on where it came from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from streamer.memory.items import MemoryItem, MemoryQuery, MemoryView, time_key
from streamer.memory.pooling import unit


def select(items: Sequence[MemoryItem], query: MemoryQuery | None, frames_seen: int) -> MemoryView:
    """The view of `items` a query asks for (see the module docstring)."""
    ordered = sorted(items, key=time_key)
    if query is None:
        return _view(ordered, [], frames_seen)
    ordered = [it for it in ordered if _admits(it, query)]
    top: list[int] = []
    sims = np.zeros(len(ordered))
    if query.vector is not None and ordered:
        sims = similarities(ordered, query.vector)
        top = [int(i) for i in np.argsort(-sims, kind="stable")[: query.top_k]]
    chosen = set(top)
    rest = [i for i in range(len(ordered)) if i not in chosen]
    if query.max_items is not None:
        top = top[: query.max_items]
        room = query.max_items - len(top)
        rest = rest[len(rest) - room :] if room > 0 else []
    picked = top + rest
    scores = [float(sims[i]) for i in picked] if query.vector is not None else []
    return _view([ordered[i] for i in picked], scores, frames_seen, relevant=len(top))


def similarities(items: Sequence[MemoryItem], vector: np.ndarray) -> np.ndarray:
    """Cosine of `vector` (D,) with each item's feature: (n,) float64."""
    features = np.stack([it.feature for it in items]).astype(np.float64)  # (n, D)
    if features.shape[1] != vector.shape[0]:
        raise ValueError(
            f"query vector has {vector.shape[0]} dimensions, frame features {features.shape[1]}"
        )
    return features @ unit(vector).astype(np.float64)


def overlaps(span: tuple[float, float], window: tuple[float, float]) -> bool:
    """Whether two closed time intervals share a moment."""
    return span[0] <= window[1] and span[1] >= window[0]


def _admits(it: MemoryItem, query: MemoryQuery) -> bool:
    if query.now is not None and it.span[0] > query.now:
        return False
    return query.window is None or overlaps(it.span, query.window)


def _view(
    items: list[MemoryItem], scores: list[float], frames_seen: int, relevant: int = 0
) -> MemoryView:
    return MemoryView(
        items=tuple(items),
        tokens=sum(it.n_tokens for it in items),
        frames_seen=frames_seen,
        relevant=relevant,
        scores=tuple(scores),
    )
