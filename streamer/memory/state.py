"""Saving and loading a memory: one folder, `state.json` plus one tensors file.

    memory_dir/
      state.json                      format, strategy, config, counters, item metadata
                                      (thumbnails as base64), name of the tensors file
      tensors-<random>.safetensors    every array, named "<group>.<field>"

A save writes a new tensors file first, then replaces `state.json` (the
commit point), then deletes older tensors files. A crash at any moment leaves
a `state.json` that names a complete tensors file: the previous save, or this
one. Nothing is pickled.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamer.memory.items import MemoryItem
from streamer.memory.pooling import frozen
from streamer.store import (
    StoreError,
    damaged,
    load_arrays,
    read_json,
    remove_temp_files,
    save_arrays_atomic,
    write_json_atomic,
)

FORMAT_VERSION = 1
STATE_FILE = "state.json"
TENSORS_PREFIX = "tensors-"
TENSORS_SUFFIX = ".safetensors"


def write_state(directory: Path, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write one consistent save into `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{TENSORS_PREFIX}{secrets.token_hex(6)}{TENSORS_SUFFIX}"
    save_arrays_atomic(directory / name, arrays)
    write_json_atomic(directory / STATE_FILE, {**state, "tensors": name})
    for old in directory.glob(f"{TENSORS_PREFIX}*{TENSORS_SUFFIX}"):
        if old.name != name:
            old.unlink(missing_ok=True)
    remove_temp_files(directory)


def read_state(directory: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of the last completed save in `directory`."""
    path = directory / STATE_FILE
    state = read_json(path)
    if not isinstance(state, dict):
        raise damaged(path, "not a JSON object")
    if state.get("format") != FORMAT_VERSION:
        raise StoreError(
            f"Memory file {path} has format {state.get('format')!r}, this version reads "
            f"format {FORMAT_VERSION}; save it again with a matching version."
        )
    name = state.get("tensors")
    if not isinstance(name, str) or not _plain_file_name(name):
        raise damaged(path, "it names no tensors file")
    return state, load_arrays(directory / name)


def _plain_file_name(name: str) -> bool:
    """A name in the folder itself: no path, no NUL byte (which no file system allows)."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


# -- items <-> (records, arrays) -------------------------------------------------------
def pack_items(
    group: str, items: Sequence[MemoryItem], arrays: dict[str, np.ndarray]
) -> list[dict[str, Any]]:
    """Metadata records of `items`; their tokens/features go into `arrays` as one stack each.

    All items of a group share one token grid: `<group>.tokens` is (n, h, w, D),
    `<group>.features` is (n, D).
    """
    if items:
        arrays[f"{group}.tokens"] = np.stack([it.tokens for it in items])
        arrays[f"{group}.features"] = np.stack([it.feature for it in items])
    return [item_record(it) for it in items]


def unpack_items(
    group: str, records: Sequence[dict[str, Any]], arrays: dict[str, np.ndarray]
) -> list[MemoryItem]:
    """The items `pack_items` stored (KeyError/ValueError when they do not fit)."""
    if not records:
        return []
    tokens = arrays[f"{group}.tokens"]  # (n, h, w, D)
    features = arrays[f"{group}.features"]  # (n, D)
    if len(tokens) != len(records) or len(features) != len(records) or tokens.ndim != 4:
        raise ValueError(f"{group}: {len(records)} records but tokens {tokens.shape}")
    return [item_from_record(r, tokens[i], features[i]) for i, r in enumerate(records)]


def item_record(it: MemoryItem) -> dict[str, Any]:
    return {
        "t": it.t,
        "span": list(it.span),
        "frames": it.frames,
        "level": it.level,
        "weight": it.weight,
        "seq": it.seq,
        "tags": [[k, p] for k, p in it.tags],
        "thumbnail": base64.b64encode(it.thumbnail).decode("ascii"),
    }


def item_from_record(r: dict[str, Any], tokens: np.ndarray, feature: np.ndarray) -> MemoryItem:
    """Rebuild an item: `tokens` (h, w, D), `feature` (D,)."""
    return MemoryItem(
        tokens=frozen(np.array(tokens, dtype=np.float32)),
        feature=frozen(np.array(feature, dtype=np.float32)),
        t=float(r["t"]),
        span=(float(r["span"][0]), float(r["span"][1])),
        frames=int(r["frames"]),
        level=str(r["level"]),
        weight=float(r["weight"]),
        seq=int(r["seq"]),
        thumbnail=base64.b64decode(r["thumbnail"], validate=True),
        tags=tuple((str(k), float(p)) for k, p in r["tags"]),
    )
