"""A camera through OpenCV (`Camera`), and the source that streams it (`WebcamSource`).

Stream time comes from the capture clock (seconds since the camera opened). When
a read fails the camera is released and reopened with exponential backoff
(0.5 s doubling up to `max_backoff`) until it comes back, `max_attempts` runs out,
or the source is stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from streamer.capture.base import Source
from streamer.capture.config import CAMERA_BACKOFF, WebcamConfig
from streamer.capture.devices import camera_device
from streamer.capture.queue import StreamQueue
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.types import Frame, Policy, StatusKind

FIRST_BACKOFF = 0.5  # seconds before the first reconnect attempt


class Camera:
    """One OpenCV camera: open, read, and reopen with backoff after a disconnect.

    `report(kind, message)` is told of each reconnect attempt's start and success;
    the source that owns the camera turns it into a status event.
    """

    def __init__(
        self,
        device: int | str,
        clock: Clock,
        stop: threading.Event,
        report: Callable[[StatusKind, str], None],
        *,
        max_backoff: float = CAMERA_BACKOFF,
        max_attempts: int | None = None,
    ) -> None:
        self.device = camera_device(device) if isinstance(device, str) else device  # name: index
        self.clock, self.stop, self.report = clock, stop, report
        self.max_backoff, self.max_attempts = max_backoff, max_attempts
        self.reconnects = 0
        self._cap: Any = None

    def open(self) -> tuple[int, int, float]:
        """Open the camera: (width, height, frame rate or 0), or SourceError in one sentence."""
        self._cap = cv2.VideoCapture(self.device)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(
                f"No camera found at {self.device!r}; connect a camera or pick "
                "another device (webcam:0, webcam:1, ...)."
            )
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return w, h, float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)

    def read(self) -> np.ndarray | None:
        """The next BGR image (blocks until the camera sends one), or None if it failed."""
        ok, bgr = self._cap.read()
        return bgr if ok and bgr is not None else None

    def reconnect(self) -> bool:
        """Reopen with backoff. False if stopped; SourceError when attempts run out."""
        self.report(StatusKind.RECONNECTING, f"camera {self.device!r} stopped sending frames")
        self._cap.release()
        backoff, attempts = FIRST_BACKOFF, 0
        while not self.stop.is_set():
            if self.max_attempts is not None and attempts >= self.max_attempts:
                raise SourceError(
                    f"Camera {self.device!r} was disconnected and did not come "
                    "back; reconnect it and start again."
                )
            if self.clock.sleep(backoff, self.stop):
                return False
            attempts += 1
            self._cap = cv2.VideoCapture(self.device)
            if self._cap.isOpened():
                self.reconnects += 1
                self.report(StatusKind.RECONNECTED, f"camera {self.device!r} is back")
                return True
            self._cap.release()
            backoff = min(backoff * 2, self.max_backoff)
        return False

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()


def to_rgb(bgr: np.ndarray, max_side: int | None) -> np.ndarray:
    """OpenCV's BGR image as RGB, its longest side at most `max_side` pixels."""
    h, w = bgr.shape[:2]
    if max_side and max(h, w) > max_side:
        s = max_side / max(h, w)
        bgr = cv2.resize(bgr, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class WebcamSource(Source):
    """Frames from one camera (`WebcamConfig`), stamped by the capture clock."""

    live = True

    def __init__(
        self,
        config: WebcamConfig,
        *,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        super().__init__(policy=Policy.DROP_OLDEST, clock=clock, queue=queue)
        self.config = config
        self.fps, self.max_side = config.fps, config.max_side
        self.camera = Camera(
            config.device,
            self.clock,
            self.stop_event,
            self._report,
            max_backoff=config.max_backoff,
            max_attempts=config.max_attempts,
        )
        self.device = self.camera.device
        self._t0 = 0.0
        self._lost_at = 0.0  # stream time the camera was lost (for the gap it leaves)
        self._next_sample = 0.0
        self._seq = 0

    @property
    def name(self) -> str:
        return f"WebcamSource({self.device})"

    def _open(self) -> None:
        w, h, rate = self.camera.open()
        self._set(width=w, height=h, fps=float(self.fps or rate))
        self._frame_period = 1.0 / rate if rate > 0 else 0.0
        self._t0 = self.clock.now()

    def _close(self) -> None:
        self.camera.close()

    def _run(self) -> str:
        while not self.stop_event.is_set():
            bgr = self.camera.read()
            if bgr is None:
                if not self.camera.reconnect():
                    break
                continue
            t = self.clock.now() - self._t0
            if self.paused:
                continue  # keep reading so the device stays live; frames are not wanted
            if self.fps is not None:
                if t < self._next_sample:
                    continue
                self._next_sample = t + 1.0 / self.fps
            frame = Frame(t=t, wall=time.time(), seq=self._seq, image=to_rgb(bgr, self.max_side))
            self._seq += 1
            self._emit(frame)
        return "stopped"

    def _report(self, kind: StatusKind, message: str) -> None:
        t = self.clock.now() - self._t0
        if kind is StatusKind.RECONNECTING:
            self._lost_at = t
            self._set(state="reconnecting")
            self._event(kind, t, message)
        else:
            with self._lock:
                self._stats.reconnects += 1
                self._stats.gap_seconds += t - self._lost_at
                self._stats.state = "running"
            self._event(kind, t)
