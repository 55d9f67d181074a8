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
import math
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.protocols import EncoderInfo
from streamer.errors import StreamerError
from streamer.memory.items import (
    LevelSnapshot,
    LevelSpec,
    MemoryConfigError,
    MemoryItem,
    MemoryQuery,
    MemorySnapshot,
    MemoryStats,
    MemoryView,
    snapshot_item,
    time_key,
)
from streamer.memory.pooling import level_shape
from streamer.memory.retrieval import select
from streamer.memory.state import FORMAT_VERSION, STATE_FILE, read_state, write_state
from streamer.store import StoreError, damaged
from streamer.types import Observation, Policy


class Memory(abc.ABC):
    """A bounded visual memory. Subclasses implement the `_`-methods under the lock."""

    name: ClassVar[str]
    description: ClassVar[str]  # what it keeps, in a line a user reads beside its frames
    # Holds a language model's own cache: built and reopened with that model (the kv memory).
    reads_model: ClassVar[bool] = False
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
        # (h, w) tokens of a whole frame: the encoder's grid, else the first observation's
        self._frame_grid: tuple[int, int] | None = encoder.grid if encoder is not None else None

    # -- public API ----------------------------------------------------------------
    @property
    def budget_tokens(self) -> int:
        """The most tokens this memory ever holds, whatever the stream length."""
        return sum(spec.capacity * math.prod(self._level_shape(spec)) for spec in self._specs())

    def _level_shape(self, spec: LevelSpec) -> tuple[int, int]:
        """(rows, cols) of `spec`'s items: its grid side on this memory's frames."""
        return level_shape(spec.grid, self._frame_grid or (spec.grid, spec.grid))

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
            self._frame_grid = self._frame_grid or (obs.tokens.shape[0], obs.tokens.shape[1])
            self.space = self.space or obs.space or None
            self._write(obs)
            self._frames_seen += 1

    def read(self, query: MemoryQuery | None = None) -> MemoryView:
        """The held items, the relevant ones first (see `streamer.memory.retrieval`)."""
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
            mine = tuple(snapshot_item(it) for it in items if it.level == spec.name)
            levels.append(LevelSnapshot(spec.name, spec.capacity, self._level_shape(spec), mine))
        return MemorySnapshot(
            strategy=self.name,
            description=self.description,
            frames_seen=seen,
            budget_tokens=self.budget_tokens,
            tokens=sum(it.n_tokens for it in items),
            levels=tuple(levels),
        )

    def save(self, directory: Path | str) -> None:
        """Write `state.json` and a tensors file into `directory`, atomically as a pair."""
        with self._save_lock:
            with self._lock:
                state, arrays = self._state()
                header = self._header()
            write_state(Path(directory), {**header, **state}, arrays)

    def _header(self) -> dict[str, Any]:
        """What every save states besides the strategy's own state (lock held)."""
        return {
            "format": FORMAT_VERSION,
            "strategy": self.name,
            "config": dataclasses.asdict(self.config),
            "frames_seen": self._frames_seen,
            "dim": self._dim,
            "space": self.space,
        }

    def finish(self) -> None:  # noqa: B027  (most strategies have nothing in flight)
        """Finish the writes in flight (a memory with its own worker ends it); still readable."""
        return None

    @classmethod
    def load(cls, directory: Path | str) -> Memory:
        """The memory saved in `directory` (StoreError if it is missing or damaged)."""
        state, arrays = read_state(Path(directory))
        return cls.restored(Path(directory), state, arrays)

    @classmethod
    def build(cls, config: Any, encoder: EncoderInfo | None, model: object | None) -> Memory:
        """A new memory; `model` is the vlm a `reads_model` strategy runs (others ignore it)."""
        return cls(config, encoder)

    @classmethod
    def reopen(
        cls, directory: Path, state: dict[str, Any], arrays: dict[str, np.ndarray], model: object
    ) -> Memory:
        """The memory whose save `read_state` read from `directory`; `model` as in `build`."""
        return cls.restored(directory, state, arrays)

    @classmethod
    def session_options(cls, policy: Policy, folder: Path | None) -> dict[str, Any]:
        """Settings a session gives this strategy: its queues' policy, the folder it saves in."""
        return {}

    @classmethod
    def restored(
        cls, directory: Path, state: dict[str, Any], arrays: dict[str, np.ndarray], **parts: Any
    ) -> Memory:
        """A memory of this class rebuilt from a save (StoreError if it does not fit).

        `parts`: what the class is built with besides its config (the kv memory's model).
        """
        path = directory / STATE_FILE
        if state.get("strategy") != cls.name:
            raise StoreError(
                f"Memory file {path} holds a {state.get('strategy')!r} memory, not {cls.name!r}."
            )
        try:
            memory = cls(cls.config_class(**state["config"]), **parts)
            memory._frames_seen = int(state["frames_seen"])
            memory._dim = None if state["dim"] is None else int(state["dim"])
            memory.space = state.get("space") or None  # saves before spaces were named have none
            memory._restore(state, arrays)
        except StreamerError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise damaged(path, f"{type(e).__name__}: {e}") from None
        return memory

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
