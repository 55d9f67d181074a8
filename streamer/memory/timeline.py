"""The text timeline: everything said, shown on screen or seen, with its time span.

Append-only, never compressed away (kilobytes a minute), searchable by meaning
(a faiss inner-product index over unit-length sentence embeddings), by time
window, or both. Consecutive identical on-screen text or tags merge into one
event whose span grows, so a static screen is one event, not a thousand.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from streamer.types import TextEvent

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) float32, rows of unit length
MERGE_GAP = 3.0  # seconds: an identical ocr/tags event this close to the last one extends it
MERGE_KINDS = ("ocr", "tags")
EVENTS_FILE = "timeline.jsonl"
VECTORS_FILE = "timeline.safetensors"


@dataclass(frozen=True)
class Hit:
    event: TextEvent
    score: float  # cosine similarity to the query (1.0 for pure time-window hits)
    index: int  # position in the timeline


def normalise(text: str) -> str:
    """Case- and space-insensitive form used to decide that two texts are the same."""
    return re.sub(r"\s+", " ", text).strip().lower()


class Timeline:
    """Thread-safe store of `TextEvent`s with similarity and time search."""

    def __init__(self, embed: Embed | None = None, dim: int = 384) -> None:
        self._embed = embed
        self.dim = dim
        self._events: list[TextEvent] = []
        self._buffer = np.zeros((64, dim), np.float32)  # (capacity, dim); rows [:n] are in use
        self._n_vectors = 0
        self._index = None if embed is None else _flat_index(dim)
        self._last_of_kind: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    @property
    def events(self) -> list[TextEvent]:
        with self._lock:
            return list(self._events)

    def add(self, event: TextEvent) -> int:
        """Append `event` (or extend the identical event just before it). Returns its index."""
        with self._lock:
            i = self._last_of_kind.get(event.kind)
            if i is not None and event.kind in MERGE_KINDS:
                last = self._events[i]
                if (
                    normalise(last.text) == normalise(event.text)
                    and event.start - last.end <= MERGE_GAP
                ):
                    self._events[i] = TextEvent(
                        last.kind,
                        last.text,
                        last.start,
                        max(last.end, event.end),
                        max(last.confidence, event.confidence),
                    )
                    return i
        vector = self._vectorise([event.text])  # outside the lock: embedding takes ms
        with self._lock:
            self._events.append(event)
            self._append_vector(vector)
            if self._index is not None:
                self._index.add(vector)
            self._last_of_kind[event.kind] = len(self._events) - 1
            return len(self._events) - 1

    def window(
        self, start: float, end: float, kinds: Sequence[str] | None = None
    ) -> list[TextEvent]:
        """Events whose span overlaps [start, end], in time order."""
        with self._lock:
            return [e for e in self._events if _overlaps(e, start, end, kinds)]

    def search(
        self,
        query: str,
        k: int = 5,
        window: tuple[float, float] | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The `k` events most similar to `query`, optionally within a time window."""
        if self._embed is None:
            raise RuntimeError("this timeline has no text embedder: search by window instead")
        q = self._vectorise([query])  # (1, dim)
        with self._lock:
            n = len(self._events)
            if n == 0:
                return []
            if window is None and kinds is None and self._index is not None:
                scores, ids = self._index.search(q, min(k, n))
                pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
            else:
                lo, hi = window if window is not None else (-np.inf, np.inf)
                keep = [i for i, e in enumerate(self._events) if _overlaps(e, lo, hi, kinds)]
                sims = self._vectors[keep] @ q[0] if keep else np.zeros(0, np.float32)
                order = np.argsort(-sims, kind="stable")[:k]
                pairs = [(keep[j], float(sims[j])) for j in order]
            return [Hit(self._events[i], s, i) for i, s in pairs]

    @property
    def _vectors(self) -> np.ndarray:
        """(n, dim) the rows in use (a view: read under the lock)."""
        return self._buffer[: self._n_vectors]

    def _append_vector(self, rows: np.ndarray) -> None:
        """Append (k, dim) rows, doubling the buffer when full: O(1) amortised per event."""
        n, k = self._n_vectors, len(rows)
        if n + k > len(self._buffer):
            grown = np.zeros((max(2 * len(self._buffer), n + k), self.dim), np.float32)
            grown[:n] = self._buffer[:n]
            self._buffer = grown
        self._buffer[n : n + k] = rows
        self._n_vectors = n + k

    def _vectorise(self, texts: list[str]) -> np.ndarray:
        if self._embed is None:
            return np.zeros((len(texts), self.dim), np.float32)
        v = np.asarray(self._embed(texts), dtype=np.float32)
        if v.shape != (len(texts), self.dim):
            raise ValueError(f"embedder returned {v.shape}, expected ({len(texts)}, {self.dim})")
        return np.ascontiguousarray(v)

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the events (JSONL) and their vectors (safetensors) atomically into `folder`."""
        from streamer.store import save_arrays_atomic, write_bytes_atomic

        with self._lock:
            lines = "".join(_json_line(asdict(e)) for e in self._events)
            vectors = self._vectors.copy()  # (n, dim)
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(folder / EVENTS_FILE, lines.encode("utf-8"))
        save_arrays_atomic(folder / VECTORS_FILE, {"vectors": vectors})

    @classmethod
    def load(cls, folder: Path, embed: Embed | None = None, dim: int = 384) -> Timeline:
        from streamer.store import damaged, load_arrays, read_jsonl

        tl = cls(embed, dim)
        records = read_jsonl(folder / EVENTS_FILE) if (folder / EVENTS_FILE).exists() else []
        try:
            events = [TextEvent(**r) for r in records]
        except (TypeError, ValueError) as err:
            raise damaged(folder / EVENTS_FILE, f"a record does not fit: {err}") from None
        vectors = (
            load_arrays(folder / VECTORS_FILE)["vectors"]
            if (folder / VECTORS_FILE).exists()
            else np.zeros((0, dim), np.float32)
        )
        if len(vectors) != len(events) or (len(vectors) and vectors.shape[1] != dim):
            vectors = tl._vectorise([e.text for e in events])  # saved vectors stale: redo
        tl._events = events
        tl._append_vector(np.ascontiguousarray(vectors, dtype=np.float32))
        if tl._index is not None and len(events):
            tl._index.add(tl._vectors)  # (n, dim)
        for i, e in enumerate(events):
            tl._last_of_kind[e.kind] = i
        return tl


def _overlaps(e: TextEvent, start: float, end: float, kinds: Sequence[str] | None) -> bool:
    return e.end >= start and e.start <= end and (kinds is None or e.kind in kinds)


def _flat_index(dim: int):  # type: ignore[no-untyped-def]
    import faiss

    return faiss.IndexFlatIP(dim)


def _json_line(record: dict[str, object]) -> str:
    import json

    return json.dumps(record, ensure_ascii=False) + "\n"
