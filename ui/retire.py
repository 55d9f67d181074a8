"""Replaced sessions stopped in the background, so the one that replaces them shows at once.

retired = Retired()
retired.add(old_session)        # its stop (and last autosave) runs in its own thread
retired.join(RETIRE_WAIT)       # the app's exit waits for each, bounded
"""

from __future__ import annotations

import threading

from streamer.errors import USER_ERRORS
from streamer.session import Session

RETIRE_WAIT = 30.0  # seconds the app's exit waits for each replaced session to finish stopping


class Retired:
    """The threads stopping replaced sessions (only those still running are kept)."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def add(self, session: Session | None) -> None:
        if session is None:
            return
        thread = threading.Thread(target=stop_quietly, args=(session,), name="retire", daemon=True)
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def join(self, timeout: float = RETIRE_WAIT) -> None:
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)


def stop_quietly(session: Session | None) -> None:
    """Stop `session`; a last autosave that fails must not block the session replacing it."""
    if session is not None:
        try:
            session.stop()
        except USER_ERRORS:
            pass
