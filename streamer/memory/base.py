"""The visual memory interface: what a strategy holds, how it is read, saved and shown.

A strategy receives every `Observation` through `write` (perception thread)
and keeps a bounded set of `MemoryItem`s: token maps, possibly pooled to a
smaller grid or merged from several frames, each remembering the span of
stream time and the number of source frames it stands for. `read` (reasoner
thread) returns a `MemoryView`: the items a backend sees, in the order it sees
them.

Held arrays are read-only and never mutated in place (a write replaces them),
so a view is a consistent snapshot: a later write cannot change it.

    memory = make_memory("pyramid")
    memory.write(obs)
    view = memory.read(MemoryQuery(vector=example.feature, window=(60.0, 120.0)))
"""

from __future__ import annotations

import abc
import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from models.protocols import EncoderInfo
from streamer.errors import StreamerError
from streamer.memory.pooling import area_pool, frozen, unit
from streamer.types import Observation


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
    bytes_held: int  # token maps, features, thumbnails and working buffers


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


class Memory(abc.ABC):
    """A bounded visual memory. Subclasses implement the `_`-methods under the lock."""

    name: ClassVar[str]
    config_class: ClassVar[type[Any]]

    def __init__(self, config: Any = None, encoder: EncoderInfo | None = None) -> None:
        self.config = config if config is not None else self.config_class()
        if not isinstance(self.config, self.config_class):
            raise TypeError(f"{self.name} needs a {self.config_class.__name__}")
        # the feature space held: fixed by the encoder given, else by the first named observation
        self.space: str | None = encoder.space if encoder is not None else None
        self._lock = threading.RLock()  # guards all state below and in subclasses
        self._save_lock = threading.Lock()  # one save at a time
        self._frames_seen = 0
        self._dim: int | None = None  # feature size D, fixed by the first observation

    # -- public API ----------------------------------------------------------------
    @property
    def budget_tokens(self) -> int:
        """The most tokens this memory ever holds, whatever the stream length."""
        return sum(spec.capacity * spec.grid * spec.grid for spec in self._specs())

    @property
    def frames_seen(self) -> int:
        with self._lock:
            return self._frames_seen

    def write(self, obs: Observation) -> None:
        """Take one observation (called from the perception thread)."""
        if obs.tokens.ndim != 3 or obs.feature.ndim != 1:
            raise ValueError(
                f"tokens must be (h, w, D) and feature (D,), not {obs.tokens.shape}, "
                f"{obs.feature.shape}"
            )
        dim = int(obs.feature.shape[0])
        if obs.tokens.shape[2] != dim:
            raise ValueError(f"tokens {obs.tokens.shape} do not match feature ({dim},)")
        with self._lock:
            if obs.space and self.space and obs.space != self.space:
                raise MemoryConfigError(
                    f"This {self.name} memory holds {self.space} features; a frame encoded by "
                    f"{obs.space} cannot join it. Start a new session to change the encoder."
                )
            if self._dim is not None and dim != self._dim:
                raise ValueError(f"feature size changed from {self._dim} to {dim}")
            self._dim = dim
            self.space = self.space or obs.space or None
            self._write(obs)
            self._frames_seen += 1

    def read(self, query: MemoryQuery | None = None) -> MemoryView:
        """The held items, the relevant ones first (see `streamer.memory.retrieval`)."""
        from streamer.memory.retrieval import select

        with self._lock:
            items = self._items()
            seen = self._frames_seen
        return select(items, query, seen)

    def stats(self) -> MemoryStats:
        with self._lock:
            items = self._items()
            extra = self._extra_arrays()
            seen = self._frames_seen
        by_level: dict[str, int] = {spec.name: 0 for spec in self._specs()}
        for it in items:
            by_level[it.level] = by_level.get(it.level, 0) + it.n_tokens
        arrays = [a for it in items for a in (it.tokens, it.feature)] + extra
        unique = {id(a): a.nbytes for a in arrays}  # an array shared by two items counts once
        held = sum(unique.values()) + sum(
            len(it.thumbnail) + (it.payload.nbytes if it.payload is not None else 0) for it in items
        )
        return MemoryStats(
            strategy=self.name,
            frames_seen=seen,
            frames_held=len(items),
            tokens_by_level=by_level,
            tokens=sum(by_level.values()),
            budget_tokens=self.budget_tokens,
            bytes_held=held,
        )

    def snapshot(self) -> MemorySnapshot:
        """Which frames sit in which level, for the UI (no tensors)."""
        with self._lock:
            items = sorted(self._items(), key=time_key)
            seen = self._frames_seen
        levels = []
        for spec in self._specs():
            mine = tuple(_snapshot_item(it) for it in items if it.level == spec.name)
            levels.append(LevelSnapshot(spec.name, spec.capacity, (spec.grid, spec.grid), mine))
        return MemorySnapshot(
            strategy=self.name,
            frames_seen=seen,
            budget_tokens=self.budget_tokens,
            tokens=sum(it.n_tokens for it in items),
            levels=tuple(levels),
        )

    def save(self, directory: Path | str) -> None:
        """Write `state.json` and a tensors file into `directory`, atomically as a pair."""
        from streamer.memory.state import FORMAT_VERSION, write_state

        with self._save_lock:
            with self._lock:
                state, arrays = self._state()
                header = {
                    "format": FORMAT_VERSION,
                    "strategy": self.name,
                    "config": dataclasses.asdict(self.config),
                    "frames_seen": self._frames_seen,
                    "dim": self._dim,
                    "space": self.space,
                }
            write_state(Path(directory), {**header, **state}, arrays)

    @classmethod
    def load(cls, directory: Path | str) -> Memory:
        """The memory saved in `directory` (StoreError if it is missing or damaged)."""
        from streamer.memory.state import read_state, restore

        state, arrays = read_state(Path(directory))
        return restore(cls, Path(directory), state, arrays)

    # -- for subclasses (called with the lock held) --------------------------------
    @abc.abstractmethod
    def _specs(self) -> list[LevelSpec]:
        """The levels/slot kinds, in the order the UI shows them."""

    @abc.abstractmethod
    def _write(self, obs: Observation) -> None:
        """Fold one observation in; `self._frames_seen` is still its 0-based index."""

    @abc.abstractmethod
    def _items(self) -> list[MemoryItem]:
        """Every item a reader may see (held items are immutable: no copy needed)."""

    @abc.abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and named arrays that `_restore` turns back into this state."""

    @abc.abstractmethod
    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Rebuild the state `_state` described (KeyError/ValueError on damage)."""

    def _extra_arrays(self) -> list[np.ndarray]:
        """Working arrays held beyond the items' tokens and features (for `stats`)."""
        return []


def _snapshot_item(it: MemoryItem) -> SnapshotItem:
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
