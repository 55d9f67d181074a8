"""A camera and a microphone as one live source, on one stream clock.

    open_source(CameraMicConfig(camera=0, mic="default"))  # "webcam:0+mic:default"

Two device threads feed one bounded queue (DROP_OLDEST, like every live source):
the capture thread reads the camera and stamps each frame with the session clock
when it is read; PortAudio's thread hands over each microphone block, which
`AudioClock` places on the same clock (its drift measured and corrected). A third,
small thread watches the microphone.

Either device can fail alone and the other goes on:
- the camera stops sending: it is reopened with backoff (0.5 s doubling up to
  `max_backoff`) while the sound keeps coming;
- the microphone stops (unplugged, its server gone, no block for 1 s): it is
  reopened the same way while the frames keep coming, and its audio is anchored
  afresh on the clock, the hole counted;
- a microphone that is missing or busy at start: one sentence in the status and
  the note ("No sound: ..."), and the camera starts anyway.
A device whose attempts run out (`max_attempts`) is given up with a warning; the
stream ends in error only when neither is left.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.capture.avclock import AudioClock
from streamer.capture.base import JOIN_TIMEOUT, Source
from streamer.capture.config import CameraMicConfig
from streamer.capture.microphone import Microphone
from streamer.capture.queue import StreamQueue
from streamer.capture.webcam import FIRST_BACKOFF, Camera, to_rgb
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.types import AudioChunk, AvSync, Frame, Policy, SourceStats, StatusKind

WATCH_SECONDS = 0.1  # how often the microphone is checked


class CameraMicSource(Source):
    """Frames from a camera and sound from a microphone, stamped on one clock."""

    live = True

    def __init__(
        self,
        config: CameraMicConfig,
        *,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        super().__init__(policy=Policy.DROP_OLDEST, clock=clock, queue=queue)
        self.config = config
        self.fps, self.max_side = config.fps, config.max_side
        self.max_backoff, self.max_attempts = config.max_backoff, config.max_attempts
        self.camera = Camera(
            config.camera,
            self.clock,
            self.stop_event,
            self._camera_report,
            max_backoff=config.max_backoff,
            max_attempts=config.max_attempts,
        )
        self.mic = Microphone(config.mic, self._block, self.clock)
        self.audio_clock = AudioClock(SAMPLE_RATE)
        self.mic_reconnects = 0
        self._t0 = 0.0
        self._seq = 0
        self._next_sample = 0.0
        self._sound = False  # the microphone is open or being reopened
        self._picture = True  # the camera is open or being reopened
        self._watcher: threading.Thread | None = None

    @property
    def name(self) -> str:
        return f"CameraMicSource({self.camera.device}+{self.mic.label})"

    def now(self) -> float:
        """The stream clock now: seconds since the devices were opened."""
        return self.clock.now() - self._t0

    # -- open and close ------------------------------------------------------------
    def _open(self) -> None:
        self._t0 = self.clock.now()
        w, h, rate = self.camera.open()
        self._set(width=w, height=h, fps=float(self.fps or rate))
        self._frame_period = 1.0 / rate if rate > 0 else 0.0
        try:
            self.mic.open()
        except SourceError as e:
            self._warn(no_sound(e), 0.0)
            return
        self._sound = True

    def _close(self) -> None:
        self.stop_event.set()  # the stream is over: the microphone's watcher ends too
        self.camera.close()
        if self._watcher is not None:
            self._watcher.join(JOIN_TIMEOUT)
        self.mic.close()

    # -- the camera, on the capture thread ------------------------------------------
    def _run(self) -> str:
        if self._sound:
            self.mic.start()
            self._watcher = threading.Thread(target=self._watch_mic, name="mic-watch", daemon=True)
            self._watcher.start()
        while not self.stop_event.is_set():
            bgr = self.camera.read()
            if bgr is None:
                if not self._camera_back():
                    break
                continue
            t = self.now()
            if self.paused:
                continue  # keep reading so the device stays live; frames are not wanted
            if self.fps is not None:
                if t < self._next_sample:
                    continue
                self._next_sample = t + 1.0 / self.fps
            image = to_rgb(bgr, self.max_side)
            self._emit(Frame(t=t, wall=time.time(), seq=self._seq, image=image))
            self._seq += 1
        return "stopped"

    def _camera_back(self) -> bool:
        """Reopen the camera; when it is given up, go on with sound alone. False: stopped."""
        try:
            return self.camera.reconnect()
        except SourceError as e:
            self._picture = False
            if not self._sound:
                raise
            self._warn(f"{e} The sound goes on.", self.now())
        while not self.stop_event.wait(WATCH_SECONDS):  # sound only, until stopped
            if not self._sound:
                raise SourceError(
                    "Both the camera and the microphone were lost; reconnect them and start again."
                )
        return False

    def _camera_report(self, kind: StatusKind, message: str) -> None:
        if kind is StatusKind.RECONNECTING:
            message += "; the sound goes on" if self._sound else ""
        self._event(kind, self.now(), message)

    # -- the microphone ---------------------------------------------------------------
    def _block(self, samples: np.ndarray, arrival: float) -> None:
        """One microphone block, on PortAudio's thread: place it on the clock and queue it."""
        placed = self.audio_clock.place(samples, arrival - self._t0)
        if not self.paused:
            self._emit(AudioChunk(t=placed.t, sample_rate=SAMPLE_RATE, samples=placed.samples))

    def _watch_mic(self) -> None:
        while not self.stop_event.wait(WATCH_SECONDS):
            if not self.mic.alive() and not self._mic_back():
                return

    def _mic_back(self) -> bool:
        """Reopen the microphone with backoff. False if stopped or given up."""
        what = f"microphone {self.mic.label!r}"
        lost = f"{what} stopped sending sound; the picture goes on"
        self._event(StatusKind.RECONNECTING, self.now(), lost)
        self.mic.close()
        backoff, attempts = FIRST_BACKOFF, 0
        while not self.clock.sleep(backoff, self.stop_event):
            attempts += 1
            try:
                self.mic.open()
                self.audio_clock.restart()
                self.mic.start()
            except SourceError:
                self.mic.close()
                if self.max_attempts is not None and attempts >= self.max_attempts:
                    self._sound = False
                    if self._picture:
                        self._warn(f"No sound: the {what} did not come back.", self.now())
                    return False
                backoff = min(backoff * 2, self.max_backoff)
                continue
            self.mic_reconnects += 1
            self._event(StatusKind.RECONNECTED, self.now(), f"{what} is back")
            return True
        return False

    # -- what the UI shows ------------------------------------------------------------
    def stats(self) -> SourceStats:
        """The source's counters, with the live A/V checks in `av`."""
        s = super().stats()
        c = self.audio_clock
        s.reconnects = self.camera.reconnects + self.mic_reconnects
        s.av = AvSync(
            sound=self._sound,
            picture=self._picture,
            audio_drift_ms=round(1000 * c.drift, 1),
            av_offset_ms=round(1000 * c.offset, 1),
            audio_corrected_ms=round(1000 * c.corrected, 1),
            audio_gap_seconds=round(c.gaps, 3),
            camera_reconnects=self.camera.reconnects,
            mic_reconnects=self.mic_reconnects,
            mic_overflows=self.mic.overflows,
        )
        return s


def no_sound(error: SourceError) -> str:
    """The note of a camera watched without its microphone: one sentence."""
    text = str(error)
    return f"No sound: {text[:1].lower()}{text[1:]}"
