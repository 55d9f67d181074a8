"""STAR memory (Flash-VStream): spatial, temporal, abstract and retrieved parts.

- spatial: the latest `spatial_frames` frames, pooled to `spatial_grid`;
- temporal: frames leaving the spatial part, pooled to `temporal_grid`, folded
  into `temporal_slots` clusters by weighted k-means (`streamer.memory.kmeans`);
  a slot's weight is its cluster size, and its tokens are the centroid;
- abstract: one summary map, `a = decay * a + (1 - decay) * x` for every frame;
- retrieved: the raw frames (full `retrieved_grid` tokens) nearest the
  centroids of the `retrieved_frames` heaviest slots.

The CPU feature buffer that retrieval searches is bounded: each slot keeps
the full token map of one member frame, the one nearest its centroid among
the frames it has seen merged (checked whenever the cluster changes), and the
spatial frames keep theirs until they leave. At D = 1280 that is at most
(25 + 2) x 49 x 1280 x 4 bytes = 6.8 MB.

The token budget is fixed whatever the stream length: Flash-VStream's setting
holds 681 tokens; ours, on a 7x7 map, holds
2 x 4x4 + 25 x 2x2 + 2x2 + 2 x 7x7 = 32 + 100 + 4 + 98 = 234 tokens.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.protocols import EncoderInfo
from streamer.memory.base import Memory
from streamer.memory.items import LevelSpec, MemoryConfigError, MemoryItem, item_from_observation
from streamer.memory.kmeans import absorb_point, bordered, carried_over, pairwise_sq
from streamer.memory.pooling import area_pool, frozen
from streamer.memory.star_parts import (
    ABSTRACT,
    TEMPORAL,
    Abstract,
    Recent,
    Slot,
    combine,
    new_slot,
    update_abstract,
)
from streamer.memory.state import item_record, pack_items, unpack_items
from streamer.types import Observation

SPATIAL, RETRIEVED = "spatial", "retrieved"


@dataclass(frozen=True)
class StarConfig:
    spatial_frames: int = 2  # latest frames in the spatial part
    spatial_grid: int = 4  # 16 tokens a spatial frame
    temporal_slots: int = 25  # k-means clusters (Flash-VStream: 25)
    temporal_grid: int = 2  # 4 tokens a slot
    abstract_grid: int = 2  # 4 tokens of running summary
    abstract_decay: float = 0.9  # weight of the old summary at each frame
    retrieved_frames: int = 2  # raw frames nearest the heaviest slots
    retrieved_grid: int = 7  # their tokens: the encoder's full 7x7 map
    kmeans_iters: int = 3  # Lloyd iterations after each merge

    def __post_init__(self) -> None:
        sizes = {k: v for k, v in dataclasses.asdict(self).items() if k != "abstract_decay"}
        low = {k: v for k, v in sizes.items() if int(v) < (0 if k == "kmeans_iters" else 1)}
        if low:
            raise MemoryConfigError(f"star settings must be at least 1: {low}")
        if not 0.0 <= self.abstract_decay < 1.0:
            raise MemoryConfigError(f"abstract_decay must be in [0, 1), not {self.abstract_decay}")
        if self.retrieved_frames > self.temporal_slots:
            raise MemoryConfigError("star cannot retrieve more frames than it has temporal slots")


class StarMemory(Memory):
    """Flash-VStream's Spatial-Temporal-Abstract-Retrieved memory."""

    name = "star"
    description = (
        "spatial (latest), temporal (clusters; weight = frames merged), abstract, retrieved"
    )
    config_class = StarConfig
    config: StarConfig

    def __init__(
        self, config: StarConfig | None = None, encoder: EncoderInfo | None = None
    ) -> None:
        super().__init__(config, encoder)
        self._recent: deque[Recent] = deque()
        self._slots: list[Slot | None] = [None] * self.config.temporal_slots
        self._abstract: Abstract | None = None
        self._d2: np.ndarray | None = None  # (K, K) squared distances among full slots' centroids

    def _specs(self) -> list[LevelSpec]:
        c = self.config
        return [
            LevelSpec(SPATIAL, c.spatial_frames, c.spatial_grid),
            LevelSpec(TEMPORAL, c.temporal_slots, c.temporal_grid),
            LevelSpec(ABSTRACT, 1, c.abstract_grid),
            LevelSpec(RETRIEVED, c.retrieved_frames, c.retrieved_grid),
        ]

    # -- writing --------------------------------------------------------------------
    def _write(self, obs: Observation) -> None:
        c = self.config
        full = item_from_observation(obs, c.retrieved_grid, RETRIEVED)
        spatial = dataclasses.replace(
            full, tokens=frozen(area_pool(obs.tokens, c.spatial_grid)), level=SPATIAL
        )
        pooled = frozen(area_pool(obs.tokens, c.temporal_grid))  # (g_t, g_t, D)
        summary = area_pool(obs.tokens, c.abstract_grid)  # (g_a, g_a, D)
        self._abstract = update_abstract(self._abstract, full, summary, c.abstract_decay)
        self._recent.append(Recent(spatial, full, pooled))
        if len(self._recent) > c.spatial_frames:
            self._absorb(self._recent.popleft())

    def _absorb(self, recent: Recent) -> None:
        """Fold a frame leaving the spatial part into the temporal slots."""
        point = new_slot(recent)
        free = next((i for i, s in enumerate(self._slots) if s is None), None)
        if free is not None:
            self._slots[free] = point
            self._d2 = None
            return
        everyone = self._occupied() + [point]
        points = np.stack([s.centroid.reshape(-1) for s in everyone])  # (K + 1, g*g*D)
        weights = np.array([s.weight for s in everyone], dtype=np.float64)  # (K + 1,)
        if self._d2 is None:
            self._d2 = pairwise_sq(points[:-1])
        d2 = bordered(self._d2, points[:-1], points[-1])  # (K + 1, K + 1)
        labels = absorb_point(points, weights, d2, self.config.kmeans_iters)  # (K + 1,)
        groups: list[list[int]] = [[] for _ in self._slots]
        for i, label in enumerate(labels.tolist()):
            groups[label].append(i)
        self._slots = [combine([everyone[i] for i in group]) for group in groups]
        if all(groups):
            centroids = np.stack([s.centroid.reshape(-1) for s in self._occupied()])
            sources = [group[0] if len(group) == 1 else None for group in groups]
            self._d2 = carried_over(d2, sources, centroids)  # (K, K)
        else:  # Lloyd emptied a slot: the next frame takes it
            self._d2 = None

    def _occupied(self) -> list[Slot]:
        return [s for s in self._slots if s is not None]

    # -- reading --------------------------------------------------------------------
    def _items(self) -> list[MemoryItem]:
        items = [r.item for r in self._recent]
        items += [s.item for s in self._slots if s is not None]
        if self._abstract is not None:
            items.append(self._abstract.item)
        return items + self._retrieved()

    def _retrieved(self) -> list[MemoryItem]:
        """The frames nearest the centroids of the heaviest slots (ties: lower slot first)."""
        held = [(i, s) for i, s in enumerate(self._slots) if s is not None]
        heaviest = sorted(held, key=lambda p: (-p[1].weight, p[0]))
        return [s.rep for _, s in heaviest[: self.config.retrieved_frames]]

    def slot_weights(self) -> list[int]:
        """Cluster size of each temporal slot (0 for a free slot), by slot index."""
        with self._lock:
            return [0 if s is None else s.weight for s in self._slots]

    def slot_items(self) -> list[MemoryItem | None]:
        """The item of each temporal slot (None for a free slot), by slot index."""
        with self._lock:
            return [None if s is None else s.item for s in self._slots]

    def _extra_arrays(self) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for r in self._recent:
            out += [r.full.tokens, r.pooled]
        for s in self._slots:
            if s is not None:
                out += [s.rep.tokens, s.rep_pooled, s.feature_sum]
        if self._abstract is not None:
            out.append(self._abstract.feature)
        return out  # the (K, K) distance cache is derived (5 KB) and left out

    # -- persistence ----------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        state: dict[str, Any] = {
            "recent": pack_items("recent", [r.item for r in self._recent], arrays),
            "recent_full": pack_items("recent_full", [r.full for r in self._recent], arrays),
        }
        if self._recent:
            arrays["recent.pooled"] = np.stack([r.pooled for r in self._recent])
        held = [(i, s) for i, s in enumerate(self._slots) if s is not None]
        state["slots"] = [{"index": i, "weight": s.weight, "span": list(s.span)} for i, s in held]
        state["slot_reps"] = pack_items("slot_reps", [s.rep for _, s in held], arrays)
        if held:
            arrays["slots.centroid"] = np.stack([s.centroid for _, s in held])
            arrays["slots.feature_sum"] = np.stack([s.feature_sum for _, s in held])
            arrays["slots.rep_pooled"] = np.stack([s.rep_pooled for _, s in held])
        state["abstract"] = None
        if self._abstract is not None:
            a = self._abstract
            state["abstract"] = {"item": item_record(a.item), "sumsq": a.sumsq}
            arrays["abstract.tokens"] = a.item.tokens
            arrays["abstract.feature"] = a.feature
        return state, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        items = unpack_items("recent", state["recent"], arrays)
        fulls = unpack_items("recent_full", state["recent_full"], arrays)
        pooled = [frozen(p) for p in arrays["recent.pooled"]] if items else []
        if not len(items) == len(fulls) == len(pooled) <= self.config.spatial_frames:
            raise ValueError(f"{len(items)} spatial frames do not fit the config")
        self._recent = deque(Recent(*r) for r in zip(items, fulls, pooled))
        reps = unpack_items("slot_reps", state["slot_reps"], arrays)
        for n, (record, rep) in enumerate(zip(state["slots"], reps)):
            self._slots[int(record["index"])] = Slot.build(
                centroid=frozen(arrays["slots.centroid"][n]),
                weight=int(record["weight"]),
                span=(float(record["span"][0]), float(record["span"][1])),
                feature_sum=frozen(arrays["slots.feature_sum"][n]),
                rep=rep,
                rep_pooled=frozen(arrays["slots.rep_pooled"][n]),
            )
        if len(reps) != len(state["slots"]):
            raise ValueError(f"{len(state['slots'])} slots but {len(reps)} representatives")
        if state["abstract"] is not None:
            self._abstract = Abstract.restore(state["abstract"], arrays)
