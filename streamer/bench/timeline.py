"""Timeline search: a question's time-window search at 1k and 100k events, before and after.

"Before" is the numpy scan the timeline used to run for every windowed search (a
Python filter over all events, then a matrix-vector product over the rows kept);
"after" is `Timeline.search`, faiss scoring only the ids a bitmap selector lets
through. Vectors are random unit rows (no model); event times follow a stream as
perception writes it, in arrival order: speech lands seconds after the text shown
beside it, and cards and tags are re-read until they change, so their spans grow.

    python launch.py bench timeline                       # 1k and 100k events
    python launch.py bench timeline --events 1000 --runs 5
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from streamer.bench.report import median, table, write
from streamer.memory.timeline import Hit, Timeline
from streamer.types import TextEvent

SIZES = (1_000, 100_000)  # events in the timeline
DIM = 384  # MiniLM sentence vectors
K = 64  # candidates per search, as the reasoner asks (evidence.SEARCH_K)
WINDOW_SHARE = 0.10  # each window covers this share of the stream
QUERIES = 50  # windows timed per size and run
SPEECH_DELAY = (1.0, 5.0)  # s from the end of a sentence to its transcript, [low, high)
READ_DELAY = 0.3  # s from a frame to its OCR / tags
METHODS = {  # query: (before, after)
    "search in a window": ("numpy scan", "faiss selector"),
    "search, no window": ("faiss, its threads", "faiss, 1 thread"),
    "window listing": ("Python filter", "numpy mask"),
}
TAGS = ("street sign", "scoreboard", "web site", "traffic light", "parking meter", "monitor")


@dataclass(frozen=True)
class Source:
    """One kind of event in the generated stream: things that follow each other."""

    kind: str
    shown: tuple[float, float]  # s each thing lasts, [low, high)
    gap: tuple[float, float]  # s until the next one, [low, high)
    every: float | None  # s between reads while shown; None: transcribed once, when it ends


SOURCES = (
    Source("speech", (1.5, 6.0), (0.5, 8.0), None),
    Source("ocr", (2.0, 20.0), (0.0, 30.0), 1.0),  # cards
    Source("tags", (5.0, 40.0), (0.0, 0.0), 2.0),  # scenes, back to back
)


def unit_vectors(texts: Sequence[str], dim: int = DIM) -> np.ndarray:
    """(n, dim) float32 rows of unit length, each a function of its text alone."""
    rows = np.empty((len(texts), dim), np.float32)
    for i, text in enumerate(texts):
        rows[i] = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(dim)
    unit_rows: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit_rows


def stream_events(n: int, seed: int = 0, vocab: int | None = None) -> list[TextEvent]:
    """What perception adds for a stream of `n` timeline events, in arrival order.

    Reads of one card or scene merge into one event, so a timeline fed these holds
    exactly `n` events. With `vocab`, sentences and cards repeat among that many
    texts (>= 2), which gives equal scores in a search.
    """
    rng = random.Random(seed)
    until = 5.0 * n  # s of stream; the three kinds together give ~0.2 events/s
    groups: list[list[tuple[float, TextEvent]]] = []  # per event: its (arrival s, read)s
    while len(groups) < n:
        groups = [g for source in SOURCES for g in _things(rng, until, source, vocab)]
        until *= 1.5
    groups = sorted(groups, key=lambda g: g[0][1].start)[:n]
    return [e for _, e in sorted((read for g in groups for read in g), key=lambda r: r[0])]


def numpy_scan(
    events: Sequence[TextEvent],
    vectors: np.ndarray,
    q: np.ndarray,
    k: int,
    window: tuple[float, float],
    kinds: Sequence[str] | None = None,
) -> list[Hit]:
    """`Timeline.search` in a window before faiss did it: vectors (n, dim), q (1, dim)."""
    lo, hi = window
    keep = [
        i
        for i, e in enumerate(events)
        if e.end >= lo and e.start <= hi and (kinds is None or e.kind in kinds)
    ]
    sims = vectors[keep] @ q[0] if keep else np.zeros(0, np.float32)
    order = np.argsort(-sims, kind="stable")[:k]
    return [Hit(events[keep[j]], float(sims[j]), keep[j]) for j in order]


def bench_timeline(
    sizes: Sequence[int] = SIZES,
    runs: int = 3,
    queries: int = QUERIES,
    out_dir: Path | str = "bench",
) -> dict[str, Any]:
    """Median ms per query for every size; writes `timeline.json` and `timeline.md`."""
    results = [_measure(n, runs, queries) for n in sizes]
    rows = [
        [
            r["events"],
            f"{name}: {how[0]} -> {how[1]}",
            m["before_ms"],
            m["after_ms"],
            m["before_ms"] / max(m["after_ms"], 1e-9),
            f"{m['same']:.0%}",
        ]
        for r in results
        for (name, m), how in zip(r["queries"].items(), METHODS.values())
    ]
    md = (
        f"Timeline queries, k={K}, windows of {WINDOW_SHARE:.0%} of the stream, dim {DIM}: "
        f"median ms per query over {runs} runs of {queries}\n\n"
        + table(["events", "query: before -> after", "before", "after", "speed-up", "same"], rows)
    )
    result = {"dim": DIM, "k": K, "window_share": WINDOW_SHARE, "runs": runs, "sizes": results}
    write(out_dir, "timeline", result, md)
    return result


def _measure(n: int, runs: int, queries: int) -> dict[str, Any]:
    import faiss

    timeline = Timeline(unit_vectors, DIM)
    start = time.perf_counter()
    for e in stream_events(n):
        timeline.add(e)
    build_s = time.perf_counter() - start
    events = timeline.events
    vectors = unit_vectors([e.text for e in events])  # (n, dim): the old numpy buffer
    flat = faiss.IndexFlatIP(DIM)  # the old index, for searches without a window
    flat.add(vectors)
    span = max(e.end for e in events)
    rng = random.Random(n)
    ms: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in METHODS}
    same = dict.fromkeys(METHODS, 0)
    for _ in range(runs):
        for j in range(queries):
            query = f"query {j}"
            lo = rng.uniform(0.0, span * (1 - WINDOW_SHARE))
            window = (lo, lo + span * WINDOW_SHARE)
            pairs: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
                "search in a window": (
                    partial(_scan, events, vectors, query, window),
                    partial(timeline.search, query, K, window),
                ),
                "search, no window": (
                    partial(_flat_search, flat, events, query),
                    partial(timeline.search, query, K),
                ),
                "window listing": (
                    partial(_list_scan, events, window),
                    partial(timeline.window, *window),
                ),
            }
            for name, (old, new) in pairs.items():
                before, after = _timed(ms[name][0], old), _timed(ms[name][1], new)
                same[name] += _same(before, after)
    return {
        "events": n,
        "stream_hours": span / 3600,
        "build_s": build_s,
        "queries": {
            name: {
                "before_ms": median(ms[name][0]),
                "after_ms": median(ms[name][1]),
                "same": same[name] / (runs * queries),
            }
            for name in METHODS
        },
    }


def _things(
    rng: random.Random, until: float, source: Source, vocab: int | None
) -> list[list[tuple[float, TextEvent]]]:
    """The things of one source up to `until` s, each as its (arrival s, read)s."""
    kind, every = source.kind, source.every
    groups, t, i = [], 0.0, 0
    while t < until:
        length = rng.uniform(*source.shown)
        j = i % vocab if vocab and kind != "tags" else i
        text = {"speech": f"sentence {j}", "ocr": f"CARD {j}"}.get(kind, TAGS[j % len(TAGS)])
        if every is None:  # transcribed once, seconds after the sentence ends
            arrival = t + length + rng.uniform(*SPEECH_DELAY)
            groups.append([(arrival, TextEvent(kind, text, t, t + length))])
        else:  # read from the frame every `every` s while shown
            reads = [t + r * every for r in range(max(1, int(length / every)))]
            groups.append(
                [(r + every + READ_DELAY, TextEvent(kind, text, r, r + every)) for r in reads]
            )
        t += length + rng.uniform(*source.gap)
        i += 1
    return groups


def _scan(
    events: Sequence[TextEvent], vectors: np.ndarray, query: str, window: tuple[float, float]
) -> list[Hit]:
    """The old windowed search, query embedding included as `Timeline.search` includes it."""
    return numpy_scan(events, vectors, unit_vectors([query]), K, window)


def _flat_search(index: Any, events: Sequence[TextEvent], query: str) -> list[Hit]:
    """`Timeline.search` without a window before: one flat faiss search, faiss's own threads."""
    scores, ids = index.search(unit_vectors([query]), min(K, len(events)))  # (1, K) each
    return [Hit(events[i], float(s), int(i)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def _same(before: list[Any], after: list[Any]) -> bool:
    """Same events (by text) and scores (1e-5) rank by rank. Equal texts may swap: the old
    scan's BLAS product could score two copies of one vector an ulp apart."""
    if not before or not isinstance(before[0], Hit):
        return before == after
    return len(before) == len(after) and all(
        b.event.text == a.event.text and abs(b.score - a.score) <= 1e-5
        for b, a in zip(before, after)
    )


def _list_scan(events: Sequence[TextEvent], window: tuple[float, float]) -> list[TextEvent]:
    """`Timeline.window` before: a Python filter over every event."""
    return [e for e in events if e.end >= window[0] and e.start <= window[1]]


def _timed(into: list[float], fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    into.append((time.perf_counter() - start) * 1000)
    return out
