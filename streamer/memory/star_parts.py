"""The records the STAR memory holds: spatial frames, temporal slots, the abstract summary.

All are immutable; an update builds a new record, so items already handed to
a reader never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from streamer.memory.items import MemoryItem
from streamer.memory.kmeans import weighted_mean
from streamer.memory.pooling import frozen, unit
from streamer.memory.state import item_from_record

TEMPORAL, ABSTRACT = "temporal", "abstract"


@dataclass(frozen=True, eq=False)
class Recent:
    """A frame in the spatial part, with what it will need when it leaves."""

    item: MemoryItem  # the spatial item: tokens (g_s, g_s, D)
    full: MemoryItem  # the raw frame for retrieval: tokens (g_r, g_r, D), level "retrieved"
    pooled: np.ndarray  # (g_t, g_t, D) float32, its point for the temporal k-means


@dataclass(frozen=True, eq=False)
class Slot:
    """One temporal cluster and the member frame nearest its centroid."""

    centroid: np.ndarray  # (g_t, g_t, D) float32, weighted mean of the members' pooled tokens
    weight: int  # frames absorbed (cluster size)
    span: tuple[float, float]  # first and last moment of its members, seconds
    feature_sum: np.ndarray  # (D,) float64, sum of the members' unit features
    rep: MemoryItem  # the raw member frame nearest the centroid (level "retrieved")
    rep_pooled: np.ndarray  # (g_t, g_t, D) float32, the rep's point
    item: MemoryItem  # what a reader sees

    @classmethod
    def build(
        cls,
        centroid: np.ndarray,
        weight: int,
        span: tuple[float, float],
        feature_sum: np.ndarray,
        rep: MemoryItem,
        rep_pooled: np.ndarray,
    ) -> Slot:
        """A slot and its item (shown with its representative frame's time and thumbnail)."""
        item = MemoryItem(
            tokens=centroid,
            feature=frozen(unit(feature_sum)),
            t=rep.t,
            span=span,
            frames=weight,
            level=TEMPORAL,
            weight=float(weight),
            seq=rep.seq,
            thumbnail=rep.thumbnail,
            tags=rep.tags,
        )
        return cls(centroid, weight, span, feature_sum, rep, rep_pooled, item)


def new_slot(recent: Recent) -> Slot:
    """A one-frame cluster for a frame leaving the spatial part."""
    return Slot.build(
        centroid=recent.pooled,
        weight=1,
        span=recent.full.span,
        feature_sum=frozen(recent.full.feature.astype(np.float64)),
        rep=recent.full,
        rep_pooled=recent.pooled,
    )


def combine(members: list[Slot]) -> Slot | None:
    """One cluster of `members` (None if empty); the rep is the member rep nearest the centroid."""
    if not members:
        return None
    if len(members) == 1:
        return members[0]
    w = np.array([m.weight for m in members], dtype=np.float64)  # (m,)
    stacked = np.stack([m.centroid for m in members])  # (m, g, g, D)
    centroid = frozen(weighted_mean(stacked, w).astype(np.float32))  # (g, g, D)
    dists = [float(((m.rep_pooled - centroid) ** 2).sum()) for m in members]
    best = members[int(np.argmin(dists))]
    return Slot.build(
        centroid=centroid,
        weight=int(w.sum()),
        span=(min(m.span[0] for m in members), max(m.span[1] for m in members)),
        feature_sum=frozen(np.sum([m.feature_sum for m in members], axis=0)),
        rep=best.rep,
        rep_pooled=best.rep_pooled,
    )


@dataclass(frozen=True, eq=False)
class Abstract:
    """The running summary: every frame folded in with an exponential decay."""

    item: MemoryItem  # tokens (g_a, g_a, D); t, thumbnail: the latest frame
    feature: np.ndarray  # (D,) float64, the decayed sum of unit features
    sumsq: float  # sum of squared frame weights: 1 / sumsq is the effective frame count

    @classmethod
    def restore(cls, record: dict[str, Any], arrays: dict[str, np.ndarray]) -> Abstract:
        feature = frozen(np.array(arrays["abstract.feature"], dtype=np.float64))
        item = item_from_record(record["item"], arrays["abstract.tokens"], unit(feature))
        return cls(item, feature, float(record["sumsq"]))


def update_abstract(
    prev: Abstract | None, frame: MemoryItem, summary: np.ndarray, decay: float
) -> Abstract:
    """`a = decay * a + (1 - decay) * x` for the tokens and the feature.

    Args:
        prev: the summary so far, or None before the first frame (then a = x).
        frame: the new frame's item (its time, seq, thumbnail, unit feature).
        summary: (g_a, g_a, D) the new frame's tokens pooled to the abstract grid.
        decay: weight of the old summary.
    """
    if prev is None:
        tokens, feature, sumsq = summary, frame.feature.astype(np.float64), 1.0
        span, frames = frame.span, 1
    else:
        tokens = decay * prev.item.tokens + (1.0 - decay) * summary
        feature = decay * prev.feature + (1.0 - decay) * frame.feature
        sumsq = decay * decay * prev.sumsq + (1.0 - decay) ** 2
        span = (prev.item.span[0], max(prev.item.span[1], frame.span[1]))
        frames = prev.item.frames + 1
    feature = frozen(np.asarray(feature, dtype=np.float64))
    item = MemoryItem(
        tokens=frozen(np.asarray(tokens, dtype=np.float32)),
        feature=frozen(unit(feature)),
        t=frame.t,
        span=span,
        frames=frames,
        level=ABSTRACT,
        weight=1.0 / sumsq,
        seq=frame.seq,
        thumbnail=frame.thumbnail,
        tags=frame.tags,
    )
    return Abstract(item, feature, sumsq)
