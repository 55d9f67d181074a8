"""Pyramid memory: levels of falling spatial resolution (VideoChat-Online's Pyramid Memory Bank).

A new frame enters level 1 at full resolution. When a level holds more frames
than its capacity, the adjacent pair (time order within the level) whose
mean-pooled tokens are most similar (cosine) gives up its later frame: it is
area-pooled to the next level's grid and pushed down. The last level drops
that frame instead, and its span and frame count are merged into the earlier
frame of the pair (its neighbour in time in that level, and the frame it most
resembles), so evidence still covers those moments. Read-out is in time order
across levels.

VideoChat-Online's inference setting holds 2 frames at 16x16, 2 at 8x8 and 12
at 4x4: 832 tokens (2x256 + 2x64 + 12x16). Our encoder's token map is 7x7, so
the default is 2 frames at 7x7, 2 at 4x4 (~1/4) and 12 at 2x2 (~1/16):
178 tokens (2x49 + 2x16 + 12x4).
"""

from __future__ import annotations

import bisect
import dataclasses
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
    time_key,
)
from streamer.memory.pooling import adjacent_cosines, area_pool, frozen
from streamer.memory.state import pack_items, unpack_items
from streamer.types import Observation


@dataclass(frozen=True)
class PyramidConfig:
    """Levels, top (newest, finest) first."""

    capacities: tuple[int, ...] = (2, 2, 12)  # frames each level holds
    grids: tuple[int, ...] = (7, 4, 2)  # token grid side of each level: 49, 16, 4 tokens a frame

    def __post_init__(self) -> None:
        object.__setattr__(self, "capacities", tuple(int(c) for c in self.capacities))
        object.__setattr__(self, "grids", tuple(int(g) for g in self.grids))
        if not self.capacities or len(self.capacities) != len(self.grids):
            raise MemoryConfigError(
                f"pyramid needs one capacity per grid, got {self.capacities} and {self.grids}"
            )
        if min(self.capacities) < 1 or min(self.grids) < 1:
            raise MemoryConfigError("pyramid capacities and grids must be at least 1")
        if list(self.grids) != sorted(self.grids, reverse=True):
            raise MemoryConfigError(f"pyramid grids must not grow level to level: {self.grids}")


class PyramidMemory(Memory):
    """VideoChat-Online's Pyramid Memory Bank over our (h, w, D) token maps."""

    name = "pyramid"
    description = (
        "levels of decreasing resolution: full tokens for the newest, "
        "pooled tokens for older frames"
    )
    config_class = PyramidConfig
    config: PyramidConfig

    def __init__(
        self, config: PyramidConfig | None = None, encoder: EncoderInfo | None = None
    ) -> None:
        super().__init__(config, encoder)
        self._levels: list[list[MemoryItem]] = [[] for _ in self.config.capacities]

    def _specs(self) -> list[LevelSpec]:
        cfg = self.config
        return [
            LevelSpec(level_name(i), c, g)
            for i, (c, g) in enumerate(zip(cfg.capacities, cfg.grids))
        ]

    def _write(self, obs: Observation) -> None:
        self._insert(0, item_from_observation(obs, self.config.grids[0], level_name(0)))

    def _insert(self, level: int, item: MemoryItem) -> None:
        """Put `item` into `level` (time order); push or drop one frame if it overflows."""
        held = self._levels[level]
        bisect.insort(held, item, key=time_key)
        if len(held) <= self.config.capacities[level]:
            return
        pair = most_similar_pair(held)
        out = held.pop(pair + 1)
        if level + 1 < len(self._levels):
            self._insert(level + 1, push_down(out, self.config.grids[level + 1], level + 1))
        else:
            held[pair] = absorb(held[pair], out.span, out.frames)

    def _items(self) -> list[MemoryItem]:
        return [it for level in self._levels for it in level]

    def level_items(self, level: int) -> list[MemoryItem]:
        """The items of one level (0 = top), in time order."""
        with self._lock:
            return list(self._levels[level])

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        levels = [pack_items(f"level{i}", held, arrays) for i, held in enumerate(self._levels)]
        return {"levels": levels}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        levels = state["levels"]
        if len(levels) != len(self._levels):
            raise ValueError(f"{len(levels)} saved levels, config has {len(self._levels)}")
        self._levels = [
            unpack_items(f"level{i}", records, arrays) for i, records in enumerate(levels)
        ]


def level_name(index: int) -> str:
    """ "level1" for the top level (index 0), and so on."""
    return f"level{index + 1}"


def most_similar_pair(held: list[MemoryItem]) -> int:
    """Index i of the adjacent pair (i, i + 1) with the most similar mean-pooled tokens."""
    return int(np.argmax(adjacent_cosines([it.tokens for it in held])))


def push_down(item: MemoryItem, grid: int, level: int) -> MemoryItem:
    """`item` area-pooled to `grid` x `grid`, as a member of `level` (0-based)."""
    tokens = frozen(area_pool(item.tokens, grid))  # (grid, grid, D)
    return dataclasses.replace(item, tokens=tokens, level=level_name(level))
