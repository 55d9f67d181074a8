"""The one clock every source paces and stamps with.

`MonotonicClock` is the real one. `ManualClock` is for tests: `sleep` advances
time instantly, so pacing and drop behaviour can be checked without waiting.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Wait `seconds` (or until `stop` is set). Returns True if stopped."""


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        if seconds <= 0:
            return stop.is_set()
        return stop.wait(seconds)


class ManualClock:
    """A clock that only moves when slept on or advanced: deterministic tests."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []  # every requested sleep, seconds

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        if seconds > 0:
            self.slept.append(seconds)
            self.advance(seconds)
        return stop.is_set()


DEFAULT_CLOCK = MonotonicClock()
