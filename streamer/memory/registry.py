"""Memory strategies by name (`make_memory("pyramid", {"capacities": (2, 2, 12)})`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.protocols import EncoderInfo
from streamer.memory.base import Memory
from streamer.memory.items import MemoryConfigError
from streamer.memory.kv import KvMemory
from streamer.memory.pyramid import PyramidMemory
from streamer.memory.star import StarMemory
from streamer.memory.state import read_state
from streamer.memory.uniform import UniformMemory
from streamer.memory.window import WindowMemory
from streamer.store import StoreError

STRATEGIES: dict[str, type[Memory]] = {
    cls.name: cls for cls in (PyramidMemory, StarMemory, WindowMemory, UniformMemory)
}
MEMORY_NAMES: tuple[str, ...] = tuple(STRATEGIES)  # ("pyramid", "star", "window", "uniform")
# and the strategy that holds the vlm's own KV cache (it needs that model to write or reopen)
ALL_STRATEGIES: dict[str, type[Memory]] = {**STRATEGIES, KvMemory.name: KvMemory}
ALL_MEMORY_NAMES: tuple[str, ...] = tuple(ALL_STRATEGIES)


def memory_class(name: str) -> type[Memory] | None:
    """The strategy called `name` (None for no such strategy)."""
    return ALL_STRATEGIES.get(name)


def reads_model(name: str) -> bool:
    """Whether strategy `name` holds a language model's own cache (`Memory.reads_model`): it
    is built and reopened with that model, and cannot be fed another's replay."""
    strategy = ALL_STRATEGIES.get(name)
    return strategy is not None and strategy.reads_model


def make_memory(
    name: str,
    config: Mapping[str, Any] | None = None,
    encoder: EncoderInfo | None = None,
    model: object | None = None,
) -> Memory:
    """A new, empty memory of strategy `name`, its config built from `config`'s settings.

    `encoder` names the feature space the memory will hold (it refuses any other);
    `model` is the vlm whose language model the kv memory prefills (a `KvLanguageModel`;
    the other strategies ignore it).

    Raises:
        MemoryConfigError: unknown strategy, unknown setting or a value out of range,
            or the kv memory without a KV-capable model.
    """
    cls = ALL_STRATEGIES.get(name)
    if cls is None:
        raise MemoryConfigError(
            f"Unknown memory {name!r}; choose one of {', '.join(ALL_MEMORY_NAMES)}."
        )
    given = dict(config or {})
    try:
        settings = cls.config_class(**{**scaled_grids(cls, given, encoder), **given})
    except TypeError as e:
        raise MemoryConfigError(f"Bad setting for the {name} memory: {e}.") from None
    return cls.build(settings, encoder, model)


BASE_GRID = 7  # every strategy's default grids are set for EfficientNet-Lite0's 7x7 map


def scaled_grids(
    cls: type[Memory], given: Mapping[str, Any], encoder: EncoderInfo | None
) -> dict[str, Any]:
    """The grid settings not given, for the encoder's frames.

    For a frame encoder's features, scaled from 7x7 to the encoder's grid side, so a
    level keeps the same share of a frame: pyramid's (7, 4, 2) = full, about 1/4 and
    1/16 of the tokens, is (14, 8, 4) on a 14x14 map. For a vision-language model's
    own tokens (`EncoderInfo.read_by_lm`), every level is the model's full frame: a
    pooled token is a blend the language model never saw (SmolVLM2's 8x8 -> 2x2 puts
    4 tokens in a 64-token image block), so the memory keeps whole frames and its
    budget is a count of frames (README, "token budget per family").
    """
    if encoder is None or (min(encoder.grid) == BASE_GRID and not encoder.read_by_lm):
        return {}
    side = min(encoder.grid)

    def scale(g: int) -> int:
        return side if encoder.read_by_lm else max(1, round(g * side / BASE_GRID))

    defaults = dataclasses.asdict(cls.config_class())
    out: dict[str, Any] = {}
    for name, value in defaults.items():
        if name in given:
            continue
        if name == "grid" or name.endswith("_grid"):
            out[name] = scale(int(value))
        elif name == "grids":
            out[name] = tuple(scale(int(g)) for g in value)
    return out


def load_memory(directory: Path | str, model: Any = None) -> Memory:
    """The memory saved in `directory`, whichever strategy it is.

    `model`: the vlm a kv memory was encoded with (its blocks are that model's cache).

    Raises:
        StoreError: the folder has no save, or a damaged one.
        MemoryConfigError: a kv memory without a model it can run.
    """
    directory = Path(directory)
    state, arrays = read_state(directory)
    name = str(state.get("strategy"))
    cls = ALL_STRATEGIES.get(name)
    if cls is None:
        raise StoreError(
            f"Memory file {directory / 'state.json'} names an unknown strategy "
            f"{state.get('strategy')!r}; it cannot be loaded."
        )
    return cls.reopen(directory, state, arrays, model)
