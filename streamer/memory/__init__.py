"""Bounded visual memory of a stream, behind one interface, chosen by name.

memory = make_memory("star")          # or "pyramid", "window", "uniform"; "kv" with a vlm
memory.write(observation)             # perception thread
view = memory.read(MemoryQuery(...))  # reasoner thread
memory.save(folder); load_memory(folder)
"""

from streamer.memory.base import Memory
from streamer.memory.items import (
    LevelSnapshot,
    MemoryConfigError,
    MemoryItem,
    MemoryQuery,
    MemorySnapshot,
    MemoryStats,
    MemoryView,
    SnapshotItem,
)
from streamer.memory.registry import ALL_MEMORY_NAMES, MEMORY_NAMES, load_memory, make_memory

__all__ = [
    "ALL_MEMORY_NAMES",
    "MEMORY_NAMES",
    "LevelSnapshot",
    "Memory",
    "MemoryConfigError",
    "MemoryItem",
    "MemoryQuery",
    "MemorySnapshot",
    "MemoryStats",
    "MemoryView",
    "SnapshotItem",
    "load_memory",
    "make_memory",
]
