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
from collections.abc import Sequence
from dataclasses import dataclass
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
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


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
    """Median ms per search for every size; writes `timeline.json` and `timeline.md`."""
    rows = [_measure(n, runs, queries) for n in sizes]
    result = {"dim": DIM, "k": K, "window_share": WINDOW_SHARE, "runs": runs, "sizes": rows}
    md = (
        f"Timeline search, k={K}, {WINDOW_SHARE:.0%} windows, dim {DIM}: median ms per search "
        f"over {runs} runs of {queries} windows\n\n"
        + table(
            [
                "events",
                "window: numpy scan (before)",
                "window: faiss selector (after)",
                "speed-up",
                "no window (faiss)",
                "window() list before",
                "window() list after",
                "same hits",
            ],
            [
                [
                    r["events"],
                    r["scan_ms"],
                    r["selector_ms"],
                    r["scan_ms"] / max(r["selector_ms"], 1e-9),
                    r["unwindowed_ms"],
                    r["list_scan_ms"],
                    r["list_mask_ms"],
                    f"{r['same_hits']:.0%}",
                ]
                for r in rows
            ],
        )
    )
    write(out_dir, "timeline", result, md)
    return result


def _measure(n: int, runs: int, queries: int) -> dict[str, Any]:
    timeline = Timeline(unit_vectors, DIM)
    start = time.perf_counter()
    for e in stream_events(n):
        timeline.add(e)
    build_s = time.perf_counter() - start
    events = timeline.events
    vectors = unit_vectors([e.text for e in events])  # (n, dim): the old numpy buffer
    span = max(e.end for e in events)
    rng = random.Random(n)
    timings: dict[str, list[float]] = {key: [] for key in ("scan", "sel", "all", "ls", "lm")}
    same = 0
    for _ in range(runs):
        for j in range(queries):
            query = f"query {j}"
            lo = rng.uniform(0.0, span * (1 - WINDOW_SHARE))
            window = (lo, lo + span * WINDOW_SHARE)
            before = _timed(timings["scan"], _scan, events, vectors, query, window)
            after = _timed(timings["sel"], timeline.search, query, K, window)
            _timed(timings["all"], timeline.search, query, K)
            _timed(timings["ls"], _list_scan, events, window)
            _timed(timings["lm"], timeline.window, *window)
            same += _same_hits(before, after)
    return {
        "events": n,
        "stream_hours": span / 3600,
        "build_s": build_s,
        "scan_ms": median(timings["scan"]),
        "selector_ms": median(timings["sel"]),
        "unwindowed_ms": median(timings["all"]),
        "list_scan_ms": median(timings["ls"]),
        "list_mask_ms": median(timings["lm"]),
        "same_hits": same / (runs * queries),
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
    """The old search, query embedding included as `Timeline.search` includes it."""
    return numpy_scan(events, vectors, unit_vectors([query]), K, window)


def _same_hits(before: list[Hit], after: list[Hit]) -> bool:
    """Same texts and scores (1e-5) rank by rank. Equal texts may swap: the old scan's
    BLAS product could give two copies of one vector scores an ulp apart."""
    return len(before) == len(after) and all(
        b.event.text == a.event.text and abs(b.score - a.score) <= 1e-5
        for b, a in zip(before, after)
    )


def _list_scan(events: Sequence[TextEvent], window: tuple[float, float]) -> list[TextEvent]:
    """`Timeline.window` before: a Python filter over every event."""
    return [e for e in events if e.end >= window[0] and e.start <= window[1]]


def _timed(into: list[float], fn: Any, *args: Any) -> Any:
    start = time.perf_counter()
    out = fn(*args)
    into.append((time.perf_counter() - start) * 1000)
    return out
