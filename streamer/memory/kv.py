"""The `kv` memory (ReKV): frames held as blocks of the vlm's own KV cache, answered by retrieval.

Perception hands each observation to `write`, which returns at once: the
frame's visual tokens go to this memory's own worker thread ("kv-prefill"),
which prefills them into the language model as one block (`KvStream`: sinks +
a local window) while perception goes on. The queue between them is bounded
(`QUEUE_FRAMES`); when it is full a replay waits (`when_busy="wait"`) and a
live stream drops the frame and counts it (`"drop"`), as a live source drops
frames it cannot keep up with.

For stats, snapshot and the UI each encoded block is also a `MemoryItem`: its
frame's time, thumbnail and a 2x2 pooled token map (display only: the model
reads the block's keys and values, never these tokens). A question is answered
by `answer`: over the blocks encoded from frames at or before its time, the
retrieved ones as evidence.

    memory = KvMemory(KvConfig(), encoder=llava.info, model=llava)
    memory.write(obs)                               # perception thread
    used, pieces = memory.answer("What is on the card?", asked_at=8.0)
    text = "".join(pieces)
    memory.finish()                                 # worker ends; still answers

Saving a kv session is not built yet (the blocks on disk would make it cheap:
the item list, the store folder and the sinks).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.protocols import EncoderInfo
from models.vlm.kv import KvLanguageModel
from streamer.errors import StreamerError
from streamer.memory.base import Memory
from streamer.memory.items import (
    LevelSpec,
    MemoryConfigError,
    MemoryItem,
    MemoryStats,
    item_from_observation,
)
from streamer.memory.kv_stream import TOP_K, WINDOW, KvStream
from streamer.types import Observation

__all__ = ["KV_NEEDS_VLM", "NO_KV_SAVE", "KvConfig", "KvMemory"]

log = logging.getLogger("streamer")

KV_NEEDS_VLM = (
    "The kv memory works only with a vlm backend; choose --backend vlm:… or another memory."
)
NO_KV_SAVE = "Saving a kv session is not built yet; watch it without a save folder."
QUEUE_FRAMES = 8  # frames waiting for the prefill: 4 s of 2 fps video
DISPLAY_GRID = 2  # side of the token map an item shows; the model reads its KV block instead
RAM_MB = 512  # blocks in RAM before the oldest go to disk: ~550 frames at LLaVA-OV-0.5B
JOIN_TIMEOUT = 30.0  # s for the worker to finish the frames queued when it is told to stop


@dataclass(frozen=True)
class KvConfig:
    ram_mb: float = RAM_MB
    window: int = WINDOW  # blocks each new frame attends to, besides the sinks
    top_k: int = TOP_K  # blocks retrieved per layer for an answer
    when_busy: str = "wait"  # queue full: "wait" (replay) or "drop" (live)
    folder: str | None = None  # where blocks spill to disk; None: a temporary folder

    def __post_init__(self) -> None:
        if self.when_busy not in ("wait", "drop"):
            raise MemoryConfigError(f"when_busy is 'wait' or 'drop', not {self.when_busy!r}.")
        if self.ram_mb < 0 or self.window < 0 or self.top_k < 1:
            raise MemoryConfigError("The kv memory needs ram_mb >= 0, window >= 0, top_k >= 1.")


@dataclass(frozen=True)
class BlockBytes:
    """An item's payload: the byte size of its frame's KV block (RAM or disk)."""

    nbytes: int


class KvMemory(Memory):
    """Frames prefilled into a vlm's KV cache in a worker thread; answers from retrieved blocks."""

    name = "kv"
    config_class = KvConfig

    def __init__(
        self,
        config: KvConfig | None = None,
        encoder: EncoderInfo | None = None,
        model: KvLanguageModel | None = None,
    ) -> None:
        super().__init__(config, encoder)
        if model is None:
            raise MemoryConfigError(KV_NEEDS_VLM)
        if not isinstance(model, KvLanguageModel):
            raise MemoryConfigError(
                f"The kv memory needs a vlm it can run block by block (LLaVA-OneVision), "
                f"not {type(model).__name__}; choose another memory."
            )
        self.config: KvConfig
        folder = self.config.folder
        if folder is None:
            folder = tempfile.mkdtemp(prefix="streamer-kv-")
            weakref.finalize(self, shutil.rmtree, folder, True)
        self.stream = KvStream(
            model,
            Path(folder),
            int(self.config.ram_mb * 2**20),
            self.config.window,
            self.config.top_k,
        )
        self._blocks: list[MemoryItem] = []  # one per encoded block, block id = index
        self._jobs: queue.Queue[tuple[np.ndarray, MemoryItem] | None] = queue.Queue(QUEUE_FRAMES)
        self._handoff: tuple[np.ndarray, MemoryItem] | None = None
        self._worker: threading.Thread | None = None
        self._settled = threading.Condition(self._lock)  # a queued frame was encoded or failed
        self._queued = self._done = self._dropped = 0
        self.error: str | None = None  # the last prefill failure, for the log and the UI

    # -- writing (perception thread) -------------------------------------------------
    def write(self, obs: Observation) -> None:
        """Check and count `obs`, then queue it for the prefill (never under the lock)."""
        super().write(obs)
        job, self._handoff = self._handoff, None
        assert job is not None
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="kv-prefill", daemon=True)
            self._worker.start()
        if self.config.when_busy == "wait":
            self._jobs.put(job)
        else:
            try:
                self._jobs.put_nowait(job)
            except queue.Full:
                with self._lock:
                    self._dropped += 1
                    self._queued -= 1
                    self._settled.notify_all()
                return

    def _write(self, obs: Observation) -> None:
        item = item_from_observation(obs, DISPLAY_GRID, "ram")
        self._handoff = (obs.tokens, item)
        self._queued += 1

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            tokens, item = job
            try:
                block = self.stream.add_frame(tokens)
                kv = self.stream.store.get([block], 0)[0]
                size = (kv[0].nbytes + kv[1].nbytes) * self.stream.layout.n_layers
                done = dataclasses.replace(item, payload=BlockBytes(size))
            except Exception as e:  # a failed prefill loses one frame, not the stream
                log.exception("kv prefill of the frame at %.1f s failed", item.t)
                done = None
                self.error = f"The kv memory could not encode a frame: {type(e).__name__}: {e}"
            with self._lock:
                if done is not None:
                    self._blocks.append(done)
                self._done += 1
                self._settled.notify_all()

    def finish(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Encode what is queued, end the worker, flush the disk (the memory still answers)."""
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._jobs.put(None, timeout=timeout)
            worker.join(timeout)
        self.stream.store.flush()

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every frame written so far is encoded (or dropped). True when it is."""
        with self._lock:
            return self._settled.wait_for(lambda: self._done >= self._queued, timeout)

    # -- reading (reasoner thread) ---------------------------------------------------
    def blocks_until(self, asked_at: float) -> list[MemoryItem]:
        """The encoded blocks' items of frames at or before `asked_at`, in block order."""
        with self._lock:
            return [it for it in self._blocks if it.t <= asked_at]

    def answer(
        self,
        question: str,
        asked_at: float,
        max_tokens: int = 128,
        stop: Sequence[str] = (),
        wait: float | None = JOIN_TIMEOUT,
    ) -> tuple[list[MemoryItem], Iterator[str]]:
        """(blocks used, in time order; the answer's text pieces) for `question` at `asked_at`.

        Over sinks + the blocks retrieved among those encoded from frames at or before
        `asked_at` (blocks are in time order, so these are the first ones). A replay
        first waits (up to `wait` s) for the frames already written to be encoded.
        """
        if self.config.when_busy == "wait":
            self.settle(wait)
        upto = len(self.blocks_until(asked_at))
        chosen = self.stream.retrieve(question, upto=upto)
        used = sorted({b for layer in chosen for b in layer})
        with self._lock:
            items = [self._blocks[b] for b in used]
        pieces = self.stream.answer(question, max_tokens, stop, blocks=chosen, upto=upto)
        return items, pieces

    @property
    def frames_dropped(self) -> int:
        with self._lock:
            return self._dropped

    def stats(self) -> MemoryStats:
        base = super().stats()
        store = self.stream.store
        with self._lock:
            shown = sum(it.nbytes - (it.payload.nbytes if it.payload else 0) for it in self._blocks)
        sinks = sum(k.nbytes + v.nbytes for k, v in self.stream.sinks)
        return dataclasses.replace(
            base,
            bytes_held=shown + sinks + store.ram_bytes + store.representative_bytes,
            disk_bytes=store.disk_bytes,
            frames_dropped=self.frames_dropped,
        )

    # -- Memory's parts (lock held) --------------------------------------------------
    def _specs(self) -> list[LevelSpec]:
        # every block is held (RAM, then disk): the display grid's tokens per encoded frame
        n = max(len(self._blocks), 1)
        return [LevelSpec("ram", n, DISPLAY_GRID), LevelSpec("disk", n, DISPLAY_GRID)]

    def _items(self) -> list[MemoryItem]:
        store = self.stream.store
        return [
            dataclasses.replace(it, level="disk") if store.on_disk(b) else it
            for b, it in enumerate(self._blocks)
        ]

    def save(self, directory: Path | str) -> None:
        raise StreamerError(NO_KV_SAVE)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise StreamerError(NO_KV_SAVE)

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise StreamerError(NO_KV_SAVE)
