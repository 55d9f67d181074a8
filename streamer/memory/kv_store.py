"""Frame blocks of a language model's KV cache: RAM up to a byte budget, then disk.

One block is one frame's visual tokens as the LM's layers saw them: per layer,
keys and values of shape (kv_heads, n_tokens, head_dim). The newest blocks stay
in RAM; when the RAM blocks pass `ram_bytes`, the oldest move to disk, one
append-only raw file per layer (keys then values of each block, C order), so a
block's place on disk is fixed the moment it is written and a file only grows.
Files are fsynced every `sync_every` spilled blocks and on `flush`/`close`.

Per block and layer a representative key, the mean of its keys over the
block's tokens (kv_heads, head_dim), always stays in RAM: retrieval scores
these, and only the chosen blocks are read back (ReKV, Sec. 3.2).

    store = KvStore(n_layers=24, folder=Path("session/kv"), ram_bytes=512 << 20)
    block = store.add(keys, values)          # per layer (kv_heads, n, head_dim)
    k, v = store.get([block], layer=3)[0]    # bit-identical, from RAM or disk
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.atomic import atomic_file

__all__ = ["KvStore", "layer_file"]

SYNC_EVERY = 16  # spilled blocks between fsyncs: 16 x 196 tokens ~ 16 s of 1 fps video


@dataclass(frozen=True)
class _Place:
    """Where a spilled block lies in each layer's file, and its arrays' geometry."""

    offset: int  # bytes from the start of every layer file (all layers spill together)
    shape: tuple[int, int, int]  # (kv_heads, n_tokens, head_dim)
    dtype: np.dtype


class KvStore:
    """Blocks of per-layer (keys, values); `get` returns exactly what `add` was given."""

    def __init__(
        self, n_layers: int, folder: Path, ram_bytes: int, sync_every: int = SYNC_EVERY
    ) -> None:
        if n_layers < 1 or ram_bytes < 0 or sync_every < 1:
            raise ValueError("n_layers >= 1, ram_bytes >= 0 and sync_every >= 1")
        self.n_layers, self.ram_budget, self.sync_every = n_layers, ram_bytes, sync_every
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._ram: OrderedDict[int, list[tuple[np.ndarray, np.ndarray]]] = OrderedDict()
        self._ram_bytes = 0
        self._disk: dict[int, _Place] = {}
        self._disk_bytes = 0  # per layer file
        self._reps: list[list[np.ndarray]] = [[] for _ in range(n_layers)]  # (kv_heads, head_dim)
        self._files: list[int] = []  # os-level descriptors, opened on the first spill
        self._unsynced = 0

    # ---- writing ---------------------------------------------------------------------

    def add(self, keys: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> int:
        """Store one block (per layer (kv_heads, n, head_dim) keys and values); its id."""
        if len(keys) != self.n_layers or len(values) != self.n_layers:
            raise ValueError(f"a block has {self.n_layers} layers of keys and values")
        layers = []
        for k, v in zip(keys, values):
            if k.ndim != 3 or k.shape != v.shape or k.dtype != v.dtype:
                raise ValueError(f"keys {k.shape} and values {v.shape} must be equal 3-D arrays")
            if k.shape != keys[0].shape:  # one offset serves every layer file
                raise ValueError(f"every layer of a block has one shape, not {k.shape}")
            layers.append((_frozen(k), _frozen(v)))
        with self._lock:
            block = len(self._reps[0])
            for layer, (k, _) in enumerate(layers):
                self._reps[layer].append(k.mean(axis=1, dtype=np.float64).astype(k.dtype))
            self._ram[block] = layers
            self._ram_bytes += _nbytes(layers)
            while self._ram and self._ram_bytes > self.ram_budget:
                self._spill_oldest()
            return block

    def _spill_oldest(self) -> None:
        block, layers = self._ram.popitem(last=False)
        self._ram_bytes -= _nbytes(layers)
        if block in self._disk:  # a save already wrote it: nothing to write again
            return
        self._append(block, layers)
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self._sync()

    def _append(self, block: int, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Write `block` at the end of every layer file and note where (lock held)."""
        if not self._files:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            self._files = [os.open(self._path(i), flags, 0o644) for i in range(self.n_layers)]
        for fd, (k, v) in zip(self._files, layers):
            os.write(fd, k.tobytes() + v.tobytes())
        k0 = layers[0][0]
        self._disk[block] = _Place(self._disk_bytes, k0.shape, k0.dtype)
        self._disk_bytes += k0.nbytes * 2

    def persist(self, upto: int | None = None) -> dict[str, object]:
        """Make the first `upto` blocks (all: None) durable on disk; their index, for a save.

        Blocks still in RAM are appended to the layer files (and stay in RAM); blocks
        already on disk are never written again, so a save costs only what is new.
        The index lists each block's offset, shape and dtype; with the representative
        keys it is what `adopt` needs to read the blocks back.
        """
        with self._lock:
            n = len(self._reps[0]) if upto is None else min(upto, len(self._reps[0]))
            for block in range(n):
                if block not in self._disk:
                    self._append(block, self._ram[block])
            if self._files:
                self._sync()
            places = [self._disk[b] for b in range(n)]
        return {"blocks": [[p.offset, list(p.shape), p.dtype.str] for p in places]}

    def adopt(self, index: dict[str, object], representatives: Sequence[np.ndarray]) -> None:
        """Take the blocks a `persist` index names, in this store's folder, as on disk.

        `representatives`: per layer (n_blocks, kv_heads, head_dim). Raises ValueError
        when the index does not fit the files (a damaged or foreign save).
        """
        blocks = index["blocks"]
        if not isinstance(blocks, list) or len(representatives) != self.n_layers:
            raise ValueError("a kv index lists its blocks and one key stack per layer")
        places = [
            _Place(int(o), (int(a), int(b), int(c)), np.dtype(d)) for o, (a, b, c), d in blocks
        ]
        need = max((p.offset + 2 * _place_bytes(p) for p in places), default=0)
        for layer in range(self.n_layers):
            size = self._path(layer).stat().st_size if places else 0
            if size < need or len(representatives[layer]) != len(places):
                raise ValueError(f"layer {layer}: {size} bytes on disk, the index needs {need}")
        with self._lock:
            if len(self._reps[0]):
                raise ValueError("adopt needs an empty store")
            self._disk = dict(enumerate(places))
            self._disk_bytes = need
            self._reps = [[_frozen(r) for r in layer] for layer in representatives]

    def _sync(self) -> None:
        for fd in self._files:
            os.fsync(fd)
        self._unsynced = 0

    def flush(self) -> None:
        """Make every spilled block durable now."""
        with self._lock:
            if self._files:
                self._sync()

    def close(self) -> None:
        """Flush and close the layer files (blocks on disk stay readable until then)."""
        with self._lock:
            if self._files:
                self._sync()
            for fd in self._files:
                os.close(fd)
            self._files = []

    # ---- reading ---------------------------------------------------------------------

    def get(self, block_ids: Sequence[int], layer: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(keys, values) of each block at `layer`, (kv_heads, n, head_dim), in the order asked."""
        with self._lock:
            out = []
            for block in block_ids:
                held = self._ram.get(block)
                if held is not None:  # RAM first: a saved block may be in both
                    out.append(held[layer])
                elif block in self._disk:
                    out.append(self._read(self._disk[block], layer))
                else:
                    raise KeyError(f"no block {block} (the store holds {len(self)})")
            return out

    def _read(self, place: _Place, layer: int) -> tuple[np.ndarray, np.ndarray]:
        size = _place_bytes(place)
        with open(self._path(layer), "rb") as f:  # a reader of its own: writes only append
            raw = os.pread(f.fileno(), 2 * size, place.offset)
        k = np.frombuffer(raw, place.dtype, count=size // place.dtype.itemsize)
        v = np.frombuffer(raw, place.dtype, offset=size)
        return k.reshape(place.shape), v.reshape(place.shape)

    def representatives(self, layer: int) -> np.ndarray:
        """(n_blocks, kv_heads, head_dim): the mean key of every block at `layer`, in id order."""
        with self._lock:
            return np.stack(self._reps[layer]) if self._reps[layer] else np.zeros((0, 0, 0))

    def on_disk(self, block: int) -> bool:
        """Whether `block` is read from disk (not held in RAM)."""
        with self._lock:
            return block in self._disk and block not in self._ram

    # ---- accounting ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._reps[0])

    @property
    def ram_bytes(self) -> int:
        """Bytes of the blocks held in RAM (never above the budget after `add` returns)."""
        with self._lock:
            return self._ram_bytes

    @property
    def representative_bytes(self) -> int:
        """Bytes of the representative keys (always in RAM, outside the budget: ~1/n of a block)."""
        with self._lock:
            return sum(r.nbytes for layer in self._reps for r in layer)

    @property
    def disk_bytes(self) -> int:
        """Bytes written to the layer files, all layers together."""
        with self._lock:
            return self._disk_bytes * self.n_layers

    def _path(self, layer: int) -> Path:
        return layer_file(self.folder, layer)


def layer_file(folder: Path, layer: int) -> Path:
    """The append-only file of `layer`'s blocks in `folder`."""
    return folder / f"layer_{layer:03d}.kv"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def copy_layers(source: Path, target: Path, n_layers: int) -> None:
    """Copy the layer files into `target`, each atomically (nothing when it is `source`)."""
    if _same_folder(target, source):
        return
    target.mkdir(parents=True, exist_ok=True)
    for layer in range(n_layers):
        src, dst = layer_file(source, layer), layer_file(target, layer)
        if src.exists():
            with atomic_file(dst) as tmp:
                shutil.copyfile(src, tmp)


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only C-ordered copy, so a held block can never change under a reader."""
    out = np.array(a, order="C", copy=True)
    out.flags.writeable = False
    return out


def _place_bytes(place: _Place) -> int:
    """Bytes of the keys (or of the values) of one block at one layer."""
    return int(np.prod(place.shape)) * place.dtype.itemsize


def _nbytes(layers: list[tuple[np.ndarray, np.ndarray]]) -> int:
    return sum(k.nbytes + v.nbytes for k, v in layers)
