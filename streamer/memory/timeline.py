"""The text timeline: everything said, shown on screen or seen, with its time span.

Append-only, never compressed away (kilobytes a minute), searchable by meaning
(a faiss inner-product index over unit-length sentence embeddings), by time
window, or both. Consecutive identical on-screen text or tags merge into one
event whose span grows, so a static screen is one event, not a thousand. A
speech event that starts where the last one started is the same sentence heard
further (a replay's gate heard a draft of it before a question): it replaces it.

The faiss index is the only copy of the vectors; event i is faiss id i. A window
or kinds filter becomes a bitmap of ids (from `SpanColumns`, no vector math) that
faiss checks while it scans, so only the events inside are scored.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamer.memory.objects import OBJECTS_FILE, ObjectEvent, ObjectLog
from streamer.memory.spans import SpanColumns
from streamer.types import FrameObjects, TextEvent

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) float32, rows of unit length
MERGE_GAP = 3.0  # seconds: an identical ocr/tags event this close to the last one extends it
MERGE_KINDS = ("ocr", "tags", "objects")
SAME_START_S = 0.05  # seconds: a speech event starting this close to the last one revises it
EVENTS_FILE = "timeline.jsonl"
VECTORS_FILE = "timeline.safetensors"
# One query is scanned by one thread: on 2 busy cores a faiss thread team made an
# unfiltered search of 10k events 15 ms instead of 0.5 ms (`launch.py bench timeline`).
SEARCH_THREADS = 1
TIE_MARGIN = 1e-5  # cosine: a tie at the k-th place refetches all rows this close (float32 noise)
# Queries embedded lately, kept by text: the page's example questions asked by many
# viewers and standing questions re-checked on every new event are embedded once
# (MiniLM takes 30-300 ms a query on 2 busy cores, in the one reasoner thread).
QUERY_CACHE = 256  # queries (1.5 KB each at 384 dims)


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
        self._spans = SpanColumns()  # row i: event i's start, end and kind
        # (n, dim) float32 unit rows, row i = event i; zero rows without an embedder,
        # kept so that a timeline loaded without one saves its vectors unchanged
        self._index = _flat_index(dim)
        self._last_of_kind: dict[str, int] = {}
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> (1, dim)
        self.objects = ObjectLog()  # the structured side of the "objects" events

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    @property
    def embedder(self) -> Embed | None:
        """The text embedder it searches with (the word matcher shares it), or None."""
        return self._embed

    @property
    def events(self) -> list[TextEvent]:
        with self._lock:
            return list(self._events)

    def event(self, i: int) -> TextEvent:
        """Event `i` as it stands now (an `add` may have extended or revised it)."""
        with self._lock:
            return self._events[i]

    def last(self, kind: str) -> TextEvent | None:
        """The latest event of `kind` ("ocr", "speech", ...), or None."""
        with self._lock:
            i = self._last_of_kind.get(kind)
            return self._events[i] if i is not None else None

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
                    end = max(last.end, event.end)
                    confidence = max(last.confidence, event.confidence)
                    self._events[i] = TextEvent(last.kind, last.text, last.start, end, confidence)
                    self._spans.set_end(i, end)
                    return i
        vector = self._vectorise([event.text])  # outside the lock: embedding takes ms
        with self._lock:
            i = self._last_of_kind.get(event.kind)
            if i is not None and event.kind == "speech" and _revises(self._events[i], event):
                self._events[i] = event
                self._spans.set_end(i, event.end)
                _set_row(self._index, i, vector[0])
                return i
            self._events.append(event)
            self._spans.append(event.start, event.end, event.kind)
            self._index.add(vector)  # faiss id = len(self._events) - 1
            self._last_of_kind[event.kind] = len(self._events) - 1
            return len(self._events) - 1

    def add_objects(self, found: FrameObjects) -> ObjectEvent:
        """Log one frame's objects; a frame with any becomes (or extends) an "objects" event."""
        event = self.objects.add(found)
        if event.objects or event.shown:
            scores = [o.score for o in event.objects]
            score = sum(scores) / len(scores) if scores else 1.0  # a drawn shape is measured
            self.add(TextEvent("objects", event.text, found.t, found.end, round(score, 3)))
        return event

    def window(
        self, start: float, end: float, kinds: Sequence[str] | None = None
    ) -> list[TextEvent]:
        """Events whose span overlaps [start, end] (touching counts), in the order added."""
        with self._lock:
            return [self._events[i] for i in np.flatnonzero(self._spans.mask(start, end, kinds))]

    def search(
        self,
        query: str,
        k: int = 5,
        window: tuple[float, float] | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The `k` events most similar to `query`, optionally within a time window.

        Best first; equal scores (the same sentence said twice) in the order added.
        """
        if self._embed is None:
            raise RuntimeError("this timeline has no text embedder: search by window instead")
        q = self._query_vector(query)  # (1, dim)
        with self._lock:
            if not self._events or k <= 0:
                return []
            keep = None
            if window is not None or kinds is not None:
                lo, hi = window if window is not None else (-np.inf, np.inf)
                keep = self._spans.mask(lo, hi, kinds)  # (n,) bool
            pairs = _top_k(self._index, q, k, keep)
            return [Hit(self._events[i], s, i) for i, s in pairs]

    def forget_queries(self) -> None:
        """Empty the cache of query vectors: the next search of each text embeds it again.

        Strategies answering one question in turn (eval --compare) each pay for it.
        """
        with self._lock:
            self._queries.clear()

    def _query_vector(self, query: str) -> np.ndarray:
        """(1, dim) vector of a query, from the cache of recent ones when it is there."""
        with self._lock:
            cached = self._queries.get(query)
            if cached is not None:
                self._queries.move_to_end(query)
                return cached
        q = self._vectorise([query])  # outside the lock: embedding takes ms
        with self._lock:
            self._queries[query] = q
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return q

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
            vectors = _all_vectors(self._index)  # (n, dim) float32, a copy
        objects = self.objects.lines()
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(folder / EVENTS_FILE, lines.encode("utf-8"))
        write_bytes_atomic(folder / OBJECTS_FILE, objects.encode("utf-8"))
        save_arrays_atomic(folder / VECTORS_FILE, {"vectors": vectors})

    @classmethod
    def load(cls, folder: Path, embed: Embed | None = None, dim: int = 384) -> Timeline:
        from streamer.store import damaged, load_arrays, read_jsonl

        tl = cls(embed, dim)
        records = read_jsonl(folder / EVENTS_FILE) if (folder / EVENTS_FILE).exists() else []
        try:
            events = [_event(r) for r in records]
        except (TypeError, ValueError) as err:
            raise damaged(folder / EVENTS_FILE, f"a record does not fit: {err}") from None
        saved = load_arrays(folder / VECTORS_FILE) if (folder / VECTORS_FILE).exists() else {}
        vectors = saved.get("vectors", np.zeros((0, dim), np.float32))
        if vectors.shape != (len(events), dim):
            vectors = tl._vectorise([e.text for e in events])  # saved vectors stale: redo
        tl._events = events
        tl.objects = ObjectLog.load(folder / OBJECTS_FILE)
        tl._index.add(np.ascontiguousarray(vectors, dtype=np.float32))  # (n, dim)
        for i, e in enumerate(events):
            tl._spans.append(e.start, e.end, e.kind)
            tl._last_of_kind[e.kind] = i
        return tl


def _event(record: dict[str, Any]) -> TextEvent:
    """A saved event (TypeError/ValueError when its fields are not texts and numbers)."""
    event = TextEvent(**record)
    numbers = (event.start, event.end, event.confidence)
    if not isinstance(event.text, str) or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in numbers
    ):
        raise TypeError(f"a {event.kind} event has fields of the wrong type")
    return event


def _top_k(index: Any, q: np.ndarray, k: int, keep: np.ndarray | None) -> list[tuple[int, float]]:
    """(id, score) of the k rows of `index` most similar to q (1, dim), among `keep` (n,) bool.

    Sorted by score, then id. faiss's heap leaves equal scores in any order, so when
    the (k+1)-th score equals the k-th, every row that close is fetched and the
    lowest ids win, as a stable sort over all candidates would choose.
    """
    import faiss

    candidates, params = index.ntotal, None
    if keep is not None:
        candidates = int(np.count_nonzero(keep))
        if candidates == 0:
            return []
        bitmap = np.packbits(keep, bitorder="little")  # (ceil(n/8),) uint8, bit i = id i
        selector = faiss.IDSelectorBitmap(len(keep), faiss.swig_ptr(bitmap))  # reads it in place
        params = faiss.SearchParameters()
        params.sel = selector  # `bitmap` and `selector` stay referenced until return
    fetch = min(k + 1, candidates)  # one more than asked: is there a tie at the k-th place?
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(SEARCH_THREADS)  # for this thread only: an OpenMP ICV
    try:
        scores, ids = index.search(q, fetch, params=params)  # (1, fetch) each, best first
        scores, ids = scores[0], ids[0]
        if fetch > k and scores[k] == scores[k - 1]:
            floor = float(scores[k - 1]) - TIE_MARGIN  # range search keeps scores above floor
            _, scores, ids = index.range_search(q, floor, params=params)
    finally:
        faiss.omp_set_num_threads(threads)
    order = np.lexsort((ids, -scores))[:k]
    return list(zip(ids[order].tolist(), scores[order].tolist()))


def _revises(last: TextEvent, event: TextEvent) -> bool:
    """`event` is `last` heard further: the same start, an end no earlier."""
    return abs(event.start - last.start) <= SAME_START_S and event.end >= last.end - SAME_START_S


def _set_row(index: Any, i: int, vector: np.ndarray) -> None:
    """Overwrite row i of a flat index in place with `vector` (dim,)."""
    import faiss

    codes = faiss.rev_swig_ptr(index.codes.data(), index.ntotal * index.code_size)  # a view
    codes.view(np.float32).reshape(-1, index.d)[i] = vector


def _all_vectors(index: Any) -> np.ndarray:
    """(n, dim) float32: a copy of the rows a flat index holds."""
    import faiss

    return faiss.vector_to_array(index.codes).view(np.float32).reshape(-1, index.d)


def _flat_index(dim: int) -> Any:
    import faiss

    return faiss.IndexFlatIP(dim)


def _json_line(record: dict[str, object]) -> str:
    import json

    return json.dumps(record, ensure_ascii=False) + "\n"
