"""The replay gate: an ask-at-time replay processes the stream only up to a set time.

The controller (a `Session`) calls `hold_at(t)` and `wait_reached()`; the
vision thread calls `blocks(t)` for each item and `park(t)` at the gate, and
`close()` when it ends, which lets every waiter go.
"""

from __future__ import annotations

import threading
import time

SLICE_S = 0.1  # seconds: waits re-check their exit conditions this often


class ReplayGate:
    """Nothing at or after `limit` is processed until the gate moves on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._limit: float | None = None  # None: no limit
        self._reached: float | None = None  # the limit reached with everything before it done
        self._closed = False  # perception ended or was stopped: nothing will reach anything

    @property
    def limit(self) -> float | None:
        """The stream time processing stops at; None when it runs freely."""
        return self._limit

    @property
    def reached(self) -> float | None:
        """The limit once everything before it is processed; None before that."""
        return self._reached

    @property
    def closed(self) -> bool:
        return self._closed

    def hold_at(self, t: float | None) -> None:
        """Process the stream only up to stream time `t` (None: no limit)."""
        with self._cond:
            self._limit, self._reached = t, None
            self._cond.notify_all()

    def wait_reached(self, timeout: float | None = None) -> bool:
        """Wait until everything before the limit is processed or the gate closed.

        Returns False when `timeout` (seconds) ran out first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._reached is None and not self._closed:
                left = SLICE_S if deadline is None else min(SLICE_S, deadline - time.monotonic())
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def blocks(self, t: float) -> bool:
        """An item at stream time `t` must wait."""
        limit = self._limit
        return limit is not None and t >= limit

    def park(self, t: float, stop: threading.Event) -> None:
        """Called with everything before `t` processed: report, then wait to be let on."""
        with self._cond:
            # report every limit that still holds this item (the same time may be asked twice)
            while self.blocks(t) and not stop.is_set() and not self._closed:
                if self._reached != self._limit:
                    self._reached = self._limit
                    self._cond.notify_all()
                self._cond.wait(SLICE_S)

    def close(self) -> None:
        """Perception has ended or is stopping: release every waiter for good."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
