"""Memory strategies by name (`make_memory("pyramid", {"capacities": (2, 2, 12)})`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.protocols import EncoderInfo
from streamer.memory.base import Memory
from streamer.memory.items import MemoryConfigError
from streamer.memory.pyramid import PyramidMemory
from streamer.memory.star import StarMemory
from streamer.memory.state import read_state, restore
from streamer.memory.uniform import UniformMemory
from streamer.memory.window import WindowMemory
from streamer.store import StoreError

STRATEGIES: dict[str, type[Memory]] = {
    cls.name: cls for cls in (PyramidMemory, StarMemory, WindowMemory, UniformMemory)
}
MEMORY_NAMES: tuple[str, ...] = tuple(STRATEGIES)  # ("pyramid", "star", "window", "uniform")


def make_memory(
    name: str, config: Mapping[str, Any] | None = None, encoder: EncoderInfo | None = None
) -> Memory:
    """A new, empty memory of strategy `name`, its config built from `config`'s settings.

    `encoder` names the feature space the memory will hold (it refuses any other);
    a strategy that needs more of the model (the KV memory) gets it from here too.

    Raises:
        MemoryConfigError: unknown strategy, unknown setting or a value out of range.
    """
    cls = STRATEGIES.get(name)
    if cls is None:
        raise MemoryConfigError(
            f"Unknown memory {name!r}; choose one of {', '.join(MEMORY_NAMES)}."
        )
    try:
        settings = cls.config_class(**dict(config or {}))
    except TypeError as e:
        raise MemoryConfigError(f"Bad setting for the {name} memory: {e}.") from None
    return cls(settings, encoder)


def load_memory(directory: Path | str) -> Memory:
    """The memory saved in `directory`, whichever strategy it is.

    Raises:
        StoreError: the folder has no save, or a damaged one.
    """
    directory = Path(directory)
    state, arrays = read_state(directory)
    cls = STRATEGIES.get(str(state.get("strategy")))
    if cls is None:
        raise StoreError(
            f"Memory file {directory / 'state.json'} names an unknown strategy "
            f"{state.get('strategy')!r}; it cannot be loaded."
        )
    return restore(cls, directory, state, arrays)
