"""Reopening a network stream that stopped: backoff, attempts, and when to give up.

The waits are the webcam's (0.5 s doubling up to `max_backoff`). An attempt
counts as failed until data flows again, so a server that accepts the
connection and then sends nothing uses up attempts as surely as one that is
down; `max_attempts` failures in a row end the stream (None: try for ever).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from streamer.clock import Clock
from streamer.errors import SourceError

FIRST_BACKOFF = 0.5  # seconds before the first attempt, doubled after each failure
MAX_BACKOFF = 5.0  # seconds: the longest wait between attempts
NETWORK_ATTEMPTS = 8  # failures in a row before a stream is taken as gone (~27 s of waits)


class Redial:
    """Reopens with backoff until it works, attempts run out, or the source is stopped."""

    def __init__(
        self,
        clock: Clock,
        stop: threading.Event,
        *,
        max_attempts: int | None = NETWORK_ATTEMPTS,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (None: try for ever)")
        self.clock, self.stop = clock, stop
        self.max_attempts, self.max_backoff = max_attempts, max_backoff
        self.failures = 0  # attempts since data last flowed
        self._backoff = FIRST_BACKOFF

    def flowing(self) -> None:
        """Data came through: the next outage starts counting afresh."""
        self.failures, self._backoff = 0, FIRST_BACKOFF

    def reopen(self, open_: Callable[[], object]) -> bool:
        """Wait and call `open_` until it returns: True; False when stopped or out of attempts.

        `open_` raises SourceError for an attempt that failed.
        """
        while not self.stop.is_set():
            if self.max_attempts is not None and self.failures >= self.max_attempts:
                return False
            if self.clock.sleep(self._backoff, self.stop):
                return False
            self.failures += 1
            self._backoff = min(self._backoff * 2, self.max_backoff)
            try:
                open_()
            except SourceError:
                continue
            return True
        return False
