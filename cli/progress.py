"""A progress bar in stream seconds on stderr."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any


class StreamProgress:
    """tqdm bar over stream seconds; `poll` starts a thread that reads a clock function."""

    def __init__(self, total: float | None, enabled: bool = True, desc: str = "stream") -> None:
        self.enabled, self.total, self.desc = enabled, total, desc
        self.bar: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _open(self) -> None:
        from tqdm import tqdm

        total = round(self.total, 1) if self.total else None
        fmt = (
            "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} s [{elapsed}<{remaining}]"
            if total
            else "{desc}: {n:.1f} s [{elapsed}]"
        )
        self.bar = tqdm(
            total=total,
            unit="s",
            desc=self.desc,
            file=sys.stderr,
            dynamic_ncols=True,
            bar_format=fmt,
        )

    def update(self, t: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self._open()
        t = round(t, 1)
        if t > self.bar.n:
            self.bar.update(t - self.bar.n)

    def poll(self, now: Callable[[], float], every: float = 0.25) -> StreamProgress:
        def run() -> None:
            while not self._stop.wait(every):
                self.update(now())

        if self.enabled:
            self._thread = threading.Thread(target=run, name="progress", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        if self.bar is not None:
            self.bar.close()
