"""Uniform memory: every k-th frame of the whole stream in a fixed budget (a baseline).

It keeps frames 0, k, 2k, ... (k starts at 1). When a frame to keep arrives
and the budget is full, k doubles and every other held frame is discarded;
the frames between two held ones (skipped, or discarded) are counted in the
span of the held frame before them, so held items tile the stream.
The default budget is 12 frames pooled to 4x4: 192 tokens, about the
pyramid's 178, covering more moments than the window's 4 full frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.protocols import EncoderInfo
from streamer.memory.base import Memory
from streamer.memory.items import (
    LevelSpec,
    MemoryConfigError,
    MemoryItem,
    absorb,
    item_from_observation,
)
from streamer.memory.state import pack_items, unpack_items
from streamer.types import Observation

LEVEL = "uniform"


@dataclass(frozen=True)
class UniformConfig:
    frames: int = 12  # frames held (at least 2, so that halving keeps one)
    grid: int = 4  # token grid side: 16 tokens a frame

    def __post_init__(self) -> None:
        if int(self.frames) < 2 or int(self.grid) < 1:
            raise MemoryConfigError(f"uniform needs frames >= 2 and grid >= 1: {self}")


class UniformMemory(Memory):
    """Frames 0, k, 2k, ... of the stream, k doubling whenever the budget is full."""

    name = "uniform"
    description = "frames sampled evenly over the whole stream"
    config_class = UniformConfig
    config: UniformConfig

    def __init__(
        self, config: UniformConfig | None = None, encoder: EncoderInfo | None = None
    ) -> None:
        super().__init__(config, encoder)
        self._held: list[MemoryItem] = []
        self._index: list[int] = []  # stream index (0-based write count) of each held frame
        self._stride = 1  # k

    @property
    def stride(self) -> int:
        with self._lock:
            return self._stride

    def _specs(self) -> list[LevelSpec]:
        return [LevelSpec(LEVEL, self.config.frames, self.config.grid)]

    def _write(self, obs: Observation) -> None:
        i = self._frames_seen
        if i % self._stride == 0 and len(self._held) >= self.config.frames:
            self._halve()
        if i % self._stride == 0:
            self._held.append(item_from_observation(obs, self.config.grid, LEVEL))
            self._index.append(i)
        else:  # a frame between two kept ones: the last kept frame stands for it
            self._held[-1] = absorb(self._held[-1], (obs.t, obs.t), 1)

    def _halve(self) -> None:
        """Double k; each discarded frame's span goes to the kept frame before it."""
        self._stride *= 2
        held: list[MemoryItem] = []
        index: list[int] = []
        for i, it in zip(self._index, self._held):
            if i % self._stride == 0:
                held.append(it)
                index.append(i)
            else:
                held[-1] = absorb(held[-1], it.span, it.frames)
        self._held, self._index = held, index

    def _items(self) -> list[MemoryItem]:
        return list(self._held)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        records = pack_items(LEVEL, self._held, arrays)
        return {"items": records, "index": self._index, "stride": self._stride}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self._held = unpack_items(LEVEL, state["items"], arrays)
        self._index = [int(i) for i in state["index"]]
        self._stride = int(state["stride"])
        if len(self._index) != len(self._held) or len(self._held) > self.config.frames:
            raise ValueError(f"{len(self._held)} saved frames, {len(self._index)} indices")
        if self._stride < 1 or (self._index and self._index[0] != 0):
            raise ValueError(f"stride {self._stride}, first index {self._index[:1]}")
