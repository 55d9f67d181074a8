"""Counters and stage timings of one perception worker, shared by its threads."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

STAGES = ("wait", "encode", "detect", "ocr", "speech")


@dataclass
class StageTime:
    seconds: float = 0.0
    calls: int = 0
    items: int = 0

    def add(self, seconds: float, items: int = 1) -> None:
        self.seconds += seconds
        self.calls += 1
        self.items += items

    @property
    def per_item_ms(self) -> float:
        return 1000 * self.seconds / self.items if self.items else 0.0


@dataclass
class PerceptionStats:
    frames_in: int = 0  # frames taken from the source
    frames_sampled: int = 0  # frames chosen for encoding
    frames_dropped: int = 0  # live frames skipped because perception was behind
    observations: int = 0
    text_events: int = 0
    speech_drafts: int = 0  # sentences heard while still spoken (a watch waits for words)
    audio_seconds: float = 0.0  # audio accepted for speech recognition
    stream_time: float = 0.0  # stream time of the newest frame or audio processed
    lag: float = 0.0  # seconds the processed stream time trails the captured one
    wall_seconds: float = 0.0
    stages: dict[str, StageTime] = field(default_factory=dict)
    ended: bool = False
    error: str | None = None  # one sentence: why perception (or its source) failed

    @property
    def x_realtime(self) -> float:
        return self.stream_time / self.wall_seconds if self.wall_seconds > 0 else 0.0


class StatsBook:
    """`PerceptionStats` behind a lock: the vision and speech threads write, anyone reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats = PerceptionStats(stages={k: StageTime() for k in STAGES})
        self._t0 = time.perf_counter()

    def start_clock(self) -> None:
        self._t0 = time.perf_counter()

    def count(self, **increments: float) -> None:
        """Add to counters: `count(frames_in=1, audio_seconds=0.2)`."""
        with self._lock:
            for name, n in increments.items():
                setattr(self._stats, name, getattr(self._stats, name) + n)

    def set(self, **values: object) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self._stats, name, value)

    def advance(self, t: float) -> None:
        """Stream time `t` has been processed."""
        with self._lock:
            self._stats.stream_time = max(self._stats.stream_time, t)

    def time(self, stage: str, seconds: float, items: int = 1) -> None:
        with self._lock:
            self._stats.stages[stage].add(seconds, items)

    def fail(self, error: str) -> None:
        """Record an error; the first one is kept (later ones are its consequences)."""
        with self._lock:
            if self._stats.error is None:
                self._stats.error = error

    def end(self) -> None:
        with self._lock:
            self._stats.wall_seconds = time.perf_counter() - self._t0
            self._stats.ended = True

    def snapshot(self) -> PerceptionStats:
        with self._lock:
            s = self._stats
            out = replace(s, stages={k: replace(v) for k, v in s.stages.items()})
        if not out.ended:
            out.wall_seconds = time.perf_counter() - self._t0
        return out
