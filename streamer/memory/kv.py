"""The `kv` memory (ReKV): frames held as blocks of the vlm's own KV cache, answered by retrieval.

Perception hands each observation to `write`, which returns at once: the
frame's visual tokens go to this memory's own worker thread ("kv-prefill"),
which prefills them into the language model as one block (`KvStream`: sinks +
a local window) while perception goes on. The queue between them is bounded
(`QUEUE_FRAMES`, the house's `BoundedQueue`); when it is full a replay waits
(`when_busy=Policy.WAIT`) and a live stream drops its oldest waiting frame and
counts it (`"drop"`), as a live source drops frames it cannot keep up with.

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

A save writes the item list, block positions and representative keys beside
the layer files (`save`); a reopened memory reads blocks from those files and
prefills nothing but the sinks again.
"""

from __future__ import annotations

import dataclasses
import logging
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
from streamer.bounded import BoundedQueue, Lane
from streamer.memory.base import Memory
from streamer.memory.items import (
    LevelSpec,
    MemoryConfigError,
    MemoryItem,
    MemoryStats,
    item_from_observation,
)
from streamer.memory.kv_store import copy_layers
from streamer.memory.kv_stream import TOP_K, WINDOW, KvStream
from streamer.memory.state import pack_items, unpack_items, write_state
from streamer.store import StoreError
from streamer.types import EndOfStream, Observation, Policy

__all__ = ["KV_FOLDER", "KV_NEEDS_VLM", "KvConfig", "KvMemory"]

log = logging.getLogger("streamer")

KV_NEEDS_VLM = (
    "The kv memory works only with a vlm backend; choose --backend vlm:… or another memory."
)
KV_FOLDER = "kv"  # the layer files' folder inside a saved memory's folder
QUEUE_FRAMES = 8  # frames waiting for the prefill: 4 s of 2 fps video
Job = tuple[np.ndarray, MemoryItem]  # a frame's tokens and its display item


def _one(job: Job) -> float:
    return 1.0  # frames are bounded by count


DISPLAY_GRID = 2  # side of the token map an item shows; the model reads its KV block instead
RAM_MB = 512  # blocks in RAM before the oldest go to disk: ~550 frames at LLaVA-OV-0.5B
RETRIEVERS = ("internal", "embedding")
POSITIONS = ("compact", "stream")  # where an answer reads the retrieved blocks (KvStream.compact)
JOIN_TIMEOUT = 30.0  # s for the worker to finish the frames queued when it is told to stop


@dataclass(frozen=True)
class KvConfig:
    ram_mb: float = RAM_MB
    window: int = WINDOW  # blocks each new frame attends to, besides the sinks
    top_k: int = TOP_K  # blocks retrieved per layer for an answer
    when_busy: Policy = Policy.WAIT  # the prefill queue full: a replay waits, a live drops
    folder: str | None = None  # where blocks spill to disk; None: a temporary folder
    # "internal": the question's attention queries score each block's mean key, per layer
    # (ReKV); "embedding": the question's mean token embedding against each frame's mean
    # visual token (both in the LM's input space), one choice for every layer
    retrieve: str = "internal"
    # "compact": an answer reads the retrieved blocks re-indexed right after the sinks;
    # "stream": at their stream positions (past the LM's context on long streams: to compare)
    positions: str = "compact"

    def __post_init__(self) -> None:
        if self.when_busy not in tuple(Policy):  # a saved config holds the policy's text
            raise MemoryConfigError(f"when_busy is 'wait' or 'drop', not {self.when_busy!r}.")
        object.__setattr__(self, "when_busy", Policy(self.when_busy))
        if self.retrieve not in RETRIEVERS:
            raise MemoryConfigError(
                f"kv retrieval is {' or '.join(RETRIEVERS)}, not {self.retrieve!r}."
            )
        if self.positions not in POSITIONS:
            raise MemoryConfigError(
                f"kv positions are {' or '.join(POSITIONS)}, not {self.positions!r}."
            )
        if self.ram_mb < 0 or self.window < 0 or self.top_k < 1:
            raise MemoryConfigError("The kv memory needs ram_mb >= 0, window >= 0, top_k >= 1.")


@dataclass(frozen=True)
class BlockBytes:
    """An item's payload: the byte size of its frame's KV block (RAM or disk)."""

    nbytes: int


class KvMemory(Memory):
    """Frames prefilled into a vlm's KV cache in a worker thread; answers from retrieved blocks."""

    name = "kv"
    description = (
        "the language model's own KV cache per frame: recent blocks in RAM, the rest on disk"
    )
    config_class = KvConfig
    reads_model = True

    @classmethod
    def build(cls, config: Any, encoder: EncoderInfo | None, model: object | None) -> Memory:
        return cls(config, encoder, model)  # type: ignore[arg-type]  # __init__ checks it

    @classmethod
    def reopen(
        cls, directory: Path, state: dict[str, Any], arrays: dict[str, np.ndarray], model: object
    ) -> Memory:
        if not isinstance(model, KvLanguageModel):
            raise MemoryConfigError(KV_NEEDS_VLM)
        state["config"] = {**state["config"], "folder": str(directory / KV_FOLDER)}  # its blocks
        info = getattr(model, "info", None)  # the vlm's EncoderInfo: the space its tokens are in
        return cls.restored(directory, state, arrays, encoder=info, model=model)

    @classmethod
    def session_options(cls, policy: Policy, folder: Path | None) -> dict[str, Any]:
        """A replay waits for the prefill, live drops; blocks spill where the saves keep them."""
        return {"when_busy": policy, **({"folder": str(folder / KV_FOLDER)} if folder else {})}

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
            from models.vlm.registry import labels

            raise MemoryConfigError(
                f"The kv memory needs a vlm it can run block by block ({labels()}), "
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
            reindex=self.config.positions == "compact",
        )
        self._blocks: list[MemoryItem] = []  # one per encoded block, block id = index
        # the house's one bounded queue: a replay waits for room, a live stream drops its
        # oldest waiting frame (counted in _dropped), as the capture queue does
        self._jobs: BoundedQueue[Job] = BoundedQueue(
            self.config.when_busy, (Lane(QUEUE_FRAMES, _one),), self._dropped_one
        )
        self._worker: threading.Thread | None = None
        self._settled = threading.Condition(self._lock)  # a queued frame was encoded or failed
        self._queued = self._done = self._dropped = self._failed = 0
        self.error: str | None = None  # the last prefill failure, for the log and the UI

    # -- writing (perception thread) -------------------------------------------------
    def write(self, obs: Observation) -> None:
        """Check and count `obs` (the base template: `_write` counts it as queued), then
        queue its tokens and its display item for the prefill (never under the lock)."""
        super().write(obs)
        job = (obs.tokens, item_from_observation(obs, DISPLAY_GRID, "ram"))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="kv-prefill", daemon=True)
            self._worker.start()
        self._jobs.put(job)

    def _dropped_one(self, job: Job) -> None:
        """A live stream's oldest waiting frame, dropped for a newer one: never prefilled."""
        with self._lock:
            self._dropped += 1
            self._queued -= 1
            self._settled.notify_all()

    def _write(self, obs: Observation) -> None:
        self._queued += 1  # under the lock: settle() waits for the prefill to catch up

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None or isinstance(job, EndOfStream):
                return
            tokens, item = job
            try:
                block = self.stream.add_frame(tokens, item.t)
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
                else:
                    self._failed += 1
                self._done += 1
                self._settled.notify_all()

    def finish(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Encode what is queued, end the worker, sync and close the disk files.

        The memory still answers: blocks on disk are read through files of their own.
        """
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._jobs.close(EndOfStream("stopped"))
            worker.join(timeout)
        self.stream.close()

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
        """(blocks used, in time order; the answer's text pieces) for `question` at `asked_at`:
        over sinks + the blocks retrieved among those of frames at or before `asked_at` (the
        first ones). A replay first waits (up to `wait` s) for its written frames' encoding."""
        items, chosen, upto = self._read(question, asked_at, wait)
        pieces = self.stream.answer(question, max_tokens, stop, blocks=chosen, upto=upto)
        return items, pieces

    def option_scores(
        self, question: str, options: Sequence[str], asked_at: float
    ) -> tuple[list[MemoryItem], list[float]]:
        """(blocks used, as `answer` gives them; each option's log-likelihood as the answer)."""
        items, chosen, upto = self._read(question, asked_at, JOIN_TIMEOUT)
        return items, self.stream.option_logprobs(question, options, chosen, upto)

    def _read(
        self, question: str, asked_at: float, wait: float | None
    ) -> tuple[list[MemoryItem], list[list[int]], int]:
        """(the blocks' items, the blocks retrieved per layer, how many first blocks may be
        read) for `question` at `asked_at`; a replay first waits for its written frames."""
        if self.config.when_busy is Policy.WAIT:
            self.settle(wait)
        upto = len(self.blocks_until(asked_at))
        chosen = self.retrieve(question, upto)
        used = sorted({b for layer in chosen for b in layer})
        with self._lock:
            items = [self._blocks[b] for b in used]
        return items, chosen, upto

    def retrieve(self, question: str, upto: int) -> list[list[int]]:
        """Per layer, the blocks (ids, time order) an answer to `question` reads, of the first
        `upto`: by the configured retriever (`KvConfig.retrieve`)."""
        if self.config.retrieve == "internal":
            return self.stream.retrieve(question, upto=upto)
        with self._lock:
            features = [it.feature for it in self._blocks[:upto]]
        n_layers = self.stream.layout.n_layers
        if len(features) <= self.config.top_k:
            return [list(range(len(features)))] * n_layers
        _, rows = self.stream.model.kv_text(question)
        q = rows.mean(axis=0)
        scores = np.stack(features) @ (q / max(float(np.linalg.norm(q)), 1e-12))
        best = sorted(int(b) for b in np.argsort(-scores, kind="stable")[: self.config.top_k])
        return [best] * n_layers

    @property
    def frames_dropped(self) -> int:
        with self._lock:
            return self._dropped

    def stats(self) -> MemoryStats:
        base = super().stats()
        store = self.stream.store
        with self._lock:
            shown = sum(it.nbytes - (it.payload.nbytes if it.payload else 0) for it in self._blocks)
            failed = self._failed
        sinks = sum(k.nbytes + v.nbytes for k, v in self.stream.sinks)
        return dataclasses.replace(
            base,
            bytes_held=shown + sinks + store.ram_bytes + store.representative_bytes,
            disk_bytes=store.disk_bytes,
            frames_dropped=self.frames_dropped,
            frames_failed=failed,
            last_error=self.error,
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
        """The item list, block positions and representative keys into `directory`.

        The blocks themselves are the layer files in `directory/kv`: when the store
        already lives there (a session's save folder), only blocks still in RAM are
        appended, never an old block rewritten; elsewhere the files are copied first.
        """
        directory = Path(directory)
        with self._save_lock:
            with self._lock:
                n = len(self._blocks)
            store = self.stream.store
            index = store.persist(n)
            target = directory / KV_FOLDER
            copy_layers(store.folder, target, store.n_layers)
            places = self.stream.layout_of(n)
            reps = {f"reps.{i}": store.representatives(i)[:n] for i in range(store.n_layers)}
            with self._lock:
                arrays: dict[str, np.ndarray] = dict(reps) if n else {}
                records = pack_items("blocks", self._blocks[:n], arrays)
                state = {
                    **self._header(),
                    "blocks": records,
                    "kv": index,
                    "places": places,
                    "failed": self._failed,
                    "dropped": self._dropped,
                }
            write_state(directory, state, arrays)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise NotImplementedError("KvMemory.save writes its own state")  # pragma: no cover

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        saved, ours = state.get("space"), self.stream.model
        info = getattr(ours, "info", None)
        if saved and info is not None and saved != info.space:
            raise StoreError(
                f"This kv memory was encoded by {saved}; reopen it with that model "
                f"(--backend vlm:…), not {info.space}."
            )
        blocks = unpack_items("blocks", state["blocks"], arrays)
        n_layers = self.stream.store.n_layers
        reps = [arrays[f"reps.{i}"] if blocks else np.zeros((0,)) for i in range(n_layers)]
        self.stream.store.adopt(state["kv"], reps)
        self.stream.adopt(state["places"])
        per_block = [_block_bytes(s, np.dtype(d), n_layers) for _, s, d in state["kv"]["blocks"]]
        self._blocks = [
            dataclasses.replace(it, payload=BlockBytes(size)) for it, size in zip(blocks, per_block)
        ]
        self._failed, self._dropped = int(state["failed"]), int(state["dropped"])
        self._queued = self._done = self._frames_seen - self._dropped


def _block_bytes(shape: Sequence[int], dtype: np.dtype, n_layers: int) -> int:
    """Bytes of one block's keys and values over every layer."""
    return 2 * int(np.prod(shape)) * dtype.itemsize * n_layers
