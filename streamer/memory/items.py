"""What a memory holds and hands out: items, queries, views, stats and snapshots.

Plain records shared by the strategies (`pyramid.py`, `star.py`, ...), the
reader (`retrieval.py`), saving (`state.py`) and the `Memory` base class.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from streamer.errors import StreamerError
from streamer.memory.pooling import area_pool, frozen, unit
from streamer.types import Observation

# The strategy a session, the app, the API and every command use when none is named.
DEFAULT_MEMORY = "pyramid"


class MemoryConfigError(StreamerError, ValueError):
    """An unknown memory strategy or an invalid setting of one."""


class Payload(Protocol):
    """Opaque data a strategy keeps with an item; the memory only counts its bytes."""

    @property
    def nbytes(self) -> int: ...


@dataclass(frozen=True, eq=False)
class MemoryItem:
    """One held piece of visual memory and the source frames it stands for."""

    tokens: np.ndarray  # (h, w, D) float32, read-only; pooled or merged as the strategy holds it
    feature: np.ndarray  # (D,) float32, L2-normalised; what a query vector is compared with
    t: float  # representative stream time, seconds (the frame the thumbnail shows)
    span: tuple[float, float]  # (t_start, t_end) of the source frames it stands for, seconds
    frames: int  # how many source frames it stands for
    level: str  # level or slot name: "level1", "temporal", "window", ...
    weight: float  # source frames averaged into `tokens` (1 for a single frame)
    seq: int  # source sequence number of the frame the thumbnail shows
    thumbnail: bytes  # JPEG
    tags: tuple[tuple[str, float], ...] = ()
    payload: Payload | None = None  # what a strategy attaches beyond tokens (e.g. KV blocks)

    @property
    def nbytes(self) -> int:
        """Bytes this item holds: tokens, feature, thumbnail and payload."""
        extra = self.payload.nbytes if self.payload is not None else 0
        return self.tokens.nbytes + self.feature.nbytes + len(self.thumbnail) + extra

    @property
    def grid(self) -> tuple[int, int]:
        return int(self.tokens.shape[0]), int(self.tokens.shape[1])

    @property
    def n_tokens(self) -> int:
        return int(self.tokens.shape[0] * self.tokens.shape[1])


@dataclass(frozen=True, eq=False)
class MemoryQuery:
    """What a reader wants first: items similar to a vector, inside a time window."""

    vector: np.ndarray | None = None  # (D,) in the memory's feature space (any scale), or None
    window: tuple[float, float] | None = None  # (start, end) stream seconds; only overlapping items
    now: float | None = None  # stream time of the question: items that start later are left out
    max_items: int | None = None  # at most this many items (the most similar, then the latest)
    top_k: int = 4  # how many of the most similar items lead the view
    text: str | None = None  # what `vector` was made from, for logs; never used to rank

    def __post_init__(self) -> None:
        if self.vector is not None and np.ndim(self.vector) != 1:
            raise ValueError(f"query vector must be (D,), not {np.shape(self.vector)}")
        if self.window is not None and self.window[1] < self.window[0]:
            raise ValueError(f"time window {self.window} ends before it starts")
        if self.max_items is not None and self.max_items < 1:
            raise ValueError(f"max_items must be at least 1, not {self.max_items}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, not {self.top_k}")


@dataclass(frozen=True, eq=False)
class MemoryView:
    """What a reader gets: the most relevant items first, then the rest in time order."""

    items: tuple[MemoryItem, ...]
    tokens: int  # total tokens of `items`
    frames_seen: int  # frames the memory had received when it was read
    relevant: int = 0  # the first `relevant` items were picked by similarity to the query
    scores: tuple[float, ...] = ()  # cosine with the query vector, per item (empty without one)


@dataclass(frozen=True)
class MemoryStats:
    """Counters for the UI and the benchmark."""

    strategy: str
    frames_seen: int  # observations written since the start (or restored)
    frames_held: int  # items held (a merged item counts once)
    tokens_by_level: dict[str, int]
    tokens: int  # all held tokens
    budget_tokens: int  # the most `tokens` can ever be
    bytes_held: int  # token maps, features, thumbnails and working buffers (RAM)
    disk_bytes: int = 0  # what the memory has offloaded to disk (the kv memory's blocks)
    frames_dropped: int = 0  # frames a live stream gave faster than the memory could take
    frames_failed: int = 0  # frames the memory could not take (the kv memory's failed prefills)
    last_error: str | None = None  # one sentence on the last of those failures


@dataclass(frozen=True)
class SnapshotItem:
    """One held item as the memory view of the UI draws it (no tensors)."""

    t: float
    span: tuple[float, float]
    frames: int
    weight: float
    seq: int
    thumbnail: bytes
    tokens: int
    grid: tuple[int, int]


@dataclass(frozen=True)
class LevelSnapshot:
    name: str
    capacity: int  # the most items this level holds
    grid: tuple[int, int]  # token grid of its items
    items: tuple[SnapshotItem, ...]  # time order


@dataclass(frozen=True)
class MemorySnapshot:
    """Which frames sit where, for the UI."""

    strategy: str
    description: str  # what the strategy keeps, in a line (the class's own `description`)
    frames_seen: int
    budget_tokens: int
    tokens: int
    levels: tuple[LevelSnapshot, ...]


@dataclass(frozen=True)
class LevelSpec:
    """A level or slot kind of a strategy: its name, most items, token grid side."""

    name: str
    capacity: int
    grid: int


def item_from_observation(obs: Observation, grid: int, level: str) -> MemoryItem:
    """A single-frame item: the observation's tokens pooled to `grid` x `grid`."""
    return MemoryItem(
        tokens=frozen(area_pool(obs.tokens, grid)),
        feature=frozen(unit(obs.feature)),
        t=float(obs.t),
        span=(float(obs.t), float(obs.t)),
        frames=1,
        level=level,
        weight=1.0,
        seq=int(obs.seq),
        thumbnail=bytes(obs.thumbnail),
        tags=tuple((str(k), float(p)) for k, p in obs.tags),
    )


def absorb(keep: MemoryItem, span: tuple[float, float], frames: int) -> MemoryItem:
    """`keep`, now also standing for `frames` source frames over `span`."""
    merged = (min(keep.span[0], span[0]), max(keep.span[1], span[1]))
    return dataclasses.replace(keep, span=merged, frames=keep.frames + frames)


def time_key(item: MemoryItem) -> tuple[float, int]:
    return item.t, item.seq


def snapshot_item(it: MemoryItem) -> SnapshotItem:
    return SnapshotItem(
        t=it.t,
        span=it.span,
        frames=it.frames,
        weight=it.weight,
        seq=it.seq,
        thumbnail=it.thumbnail,
        tokens=it.n_tokens,
        grid=it.grid,
    )
