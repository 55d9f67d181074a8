"""The abstract capture source: start/stop, a context manager, one stop Event.

A source runs one capture thread that puts `Frame`s and `AudioChunk`s on its
bounded `StreamQueue` and always ends with an `EndOfStream` marker, sent from a
`finally`. Status events (started, dropped, reconnecting, error, end) go to a
bounded log that the UI and the command line read.
"""

from __future__ import annotations

import abc
import threading
import time
from collections import deque
from dataclasses import replace

from streamer.capture.queue import StreamQueue
from streamer.clock import DEFAULT_CLOCK, Clock
from streamer.errors import SourceError
from streamer.types import (
    AudioChunk,
    EndOfStream,
    Frame,
    Policy,
    SourceStats,
    StatusEvent,
    StatusKind,
)

JOIN_TIMEOUT = 5.0  # seconds: every join is bounded
MAX_STATUS_EVENTS = 256


class Source(abc.ABC):
    """A stream of frames and audio. Subclasses implement `_open` and `_run`."""

    live: bool = False  # a live device: the queue drops oldest when the consumer lags
    duration: float | None = None  # seconds, when the stream has a known end (a file)

    def __init__(
        self, *, policy: Policy, clock: Clock | None = None, queue: StreamQueue | None = None
    ) -> None:
        self.clock: Clock = clock or DEFAULT_CLOCK
        self.queue = queue or StreamQueue(policy, on_drop=self._on_drop)
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stats = SourceStats()
        self._events: deque[StatusEvent] = deque(maxlen=MAX_STATUS_EVENTS)
        self._latest: Frame | None = None
        self._frame_period = 0.0  # seconds one native frame lasts; subclasses set it
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._new_frame = threading.Event()

    # -- public API ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return type(self).__name__

    def start(self) -> Source:
        """Open the device or file (raising `SourceError`) and start the capture thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        self._open()
        self._set(state="running")
        self._event(StatusKind.STARTED, 0.0)
        self._thread = threading.Thread(target=self._main, name=f"capture-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Signal the capture thread to stop and wait (bounded) for it."""
        self.stop_event.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def pause(self) -> None:
        """Hold the stream: a file waits where it is; a live device's frames are discarded."""
        self._running.clear()
        self._set(state="paused")

    def resume(self) -> None:
        self._running.set()
        self._set(state="running")

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def _wait_while_paused(self) -> float:
        """Block while paused (until resumed or stopped). Returns the seconds waited."""
        if self._running.is_set():
            return 0.0
        t0 = self.clock.now()
        while not self._running.wait(0.05) and not self.stop_event.is_set():
            pass
        return self.clock.now() - t0

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the capture thread to end on its own. True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def frame_period(self) -> float:
        """Seconds one native frame lasts (0 when unknown)."""
        return self._frame_period

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stats(self) -> SourceStats:
        with self._lock:
            s = replace(self._stats)
        s.frames_dropped = self.queue.dropped_frames
        s.audio_dropped_seconds = self.queue.dropped_audio_seconds
        return s

    def events(self) -> list[StatusEvent]:
        """Take the status events logged since the last call."""
        with self._lock:
            out = list(self._events)
            self._events.clear()
        return out

    def latest_frame(self, timeout: float | None = None) -> Frame | None:
        """The newest frame captured (a latest-frame slot, never a backlog)."""
        if timeout is not None:
            self._new_frame.wait(timeout)
        with self._lock:
            self._new_frame.clear()
            return self._latest

    def __enter__(self) -> Source:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for subclasses ------------------------------------------------------------
    @abc.abstractmethod
    def _open(self) -> None:
        """Open the device/file and fill width/height/fps; raise `SourceError` if it fails."""

    @abc.abstractmethod
    def _run(self) -> str:
        """Capture until the end or `stop_event`; return the end reason."""

    def _close(self) -> None:  # noqa: B027 - optional hook
        """Release the device/file. Called once from the capture thread's `finally`."""

    def _emit(self, item: Frame | AudioChunk) -> bool:
        """Put one item on the queue; False if stopped while waiting for space."""
        if not self.queue.put(item, self.stop_event):
            return False
        with self._lock:
            if isinstance(item, Frame):
                self._stats.frames += 1
                end = item.t + self._frame_period
                self._stats.video_seconds = max(self._stats.video_seconds, end)
                self._latest = item
                self._new_frame.set()
            else:
                self._stats.audio_seconds += item.duration
        return True

    def _set(self, **fields: object) -> None:
        with self._lock:
            for k, v in fields.items():
                setattr(self._stats, k, v)

    def _event(self, kind: StatusKind, t: float, message: str = "") -> None:
        with self._lock:
            self._events.append(StatusEvent(kind, t, time.time(), message))

    def _warn(self, message: str, t: float) -> None:
        """Tell once what was lost, without ending the stream in error."""
        self._set(note=message)
        self._event(StatusKind.WARNING, t, message)

    def _on_drop(self, item: Frame | AudioChunk) -> None:
        kind = StatusKind.FRAME_DROPPED if isinstance(item, Frame) else StatusKind.AUDIO_DROPPED
        self._event(kind, item.t)

    def _main(self) -> None:
        marker = EndOfStream("error", "capture ended unexpectedly")
        try:
            reason = self._run()
            if self.stop_event.is_set() and reason == "end":
                reason = "stopped"
            marker = EndOfStream(reason, note=self._stats.note)
            self._set(state="stopped" if reason == "stopped" else "ended")
        except SourceError as e:
            marker = EndOfStream("error", str(e))
            self._set(state="error", error=str(e))
            self._event(StatusKind.ERROR, self._stats.video_seconds, str(e))
        except Exception as e:  # a programming error: report it, never hang the consumer
            msg = f"{self.name} failed: {type(e).__name__}: {e}"
            marker = EndOfStream("error", msg)
            self._set(state="error", error=msg)
            self._event(StatusKind.ERROR, self._stats.video_seconds, msg)
            raise
        finally:
            try:
                self._close()
            finally:
                # the note (a cut file, a stream that stopped) is the last word on the status line
                self._event(StatusKind.END_OF_STREAM, self._stats.video_seconds, marker.note or "")
                self.queue.close(marker)
