"""Sliding-window memory: the last N frames at full resolution (a baseline).

Whatever left the window is forgotten; its budget is N x grid x grid tokens
(196 by default: 4 frames of 7x7, about the pyramid's 178).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.protocols import EncoderInfo
from streamer.memory.base import Memory
from streamer.memory.items import LevelSpec, MemoryConfigError, MemoryItem, item_from_observation
from streamer.memory.state import pack_items, unpack_items
from streamer.types import Observation

LEVEL = "window"


@dataclass(frozen=True)
class WindowConfig:
    frames: int = 4  # frames held
    grid: int = 7  # token grid side (7 = the encoder's full 7x7 map)

    def __post_init__(self) -> None:
        if int(self.frames) < 1 or int(self.grid) < 1:
            raise MemoryConfigError(f"window frames and grid must be at least 1: {self}")


class WindowMemory(Memory):
    """FIFO of the latest frames."""

    name = "window"
    description = "a sliding window of the latest frames"
    config_class = WindowConfig
    config: WindowConfig

    def __init__(
        self, config: WindowConfig | None = None, encoder: EncoderInfo | None = None
    ) -> None:
        super().__init__(config, encoder)
        self._held: deque[MemoryItem] = deque(maxlen=self.config.frames)

    def _specs(self) -> list[LevelSpec]:
        return [LevelSpec(LEVEL, self.config.frames, self.config.grid)]

    def _write(self, obs: Observation) -> None:
        self._held.append(item_from_observation(obs, self.config.grid, LEVEL))

    def _items(self) -> list[MemoryItem]:
        return list(self._held)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        return {"items": pack_items(LEVEL, list(self._held), arrays)}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        items = unpack_items(LEVEL, state["items"], arrays)
        if len(items) > self.config.frames:
            raise ValueError(f"{len(items)} saved frames, window holds {self.config.frames}")
        self._held.extend(items)
