"""A microphone through sounddevice (PortAudio): the device (`Microphone`) and a source.

The PortAudio callback only copies the block into the bounded queue (DROP_OLDEST:
it never blocks the audio thread). Stream time is counted in samples, so it
follows the device's own clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.capture.base import Source
from streamer.capture.config import MicrophoneConfig
from streamer.capture.queue import StreamQueue
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.types import AudioChunk, Policy

BLOCK_SECONDS = 0.1  # one callback every 100 ms
BLOCK_SAMPLES = int(BLOCK_SECONDS * SAMPLE_RATE)  # 1,600 samples at 16 kHz
STALL_SECONDS = 1.0  # no block for this long (ten blocks): the device has stopped
START_SECONDS = 6.0  # a stream's first block may take this long (1-3.4 s seen through pulse)


def import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as e:  # the Python package is there, the PortAudio library is not
        raise SourceError(
            "The PortAudio library is missing; install it "
            "(apt-get install libportaudio2) to use a microphone."
        ) from e
    except ImportError as e:
        raise SourceError(
            "Microphone support is not installed; run pip install 'streamer[audio]'."
        ) from e
    return sounddevice


def _find_input(sd: Any, device: int | str | None) -> None:
    """Raise unless PortAudio has this input; a device plugged in (or a sound server
    started) after PortAudio listed the devices is found by listing them again."""
    try:
        sd.query_devices(device, kind="input")
    except (ValueError, sd.PortAudioError):
        stop, start = getattr(sd, "_terminate", None), getattr(sd, "_initialize", None)
        if stop is None or start is None:
            raise
        stop()  # sounddevice lists devices once, when PortAudio starts
        start()
        sd.query_devices(device, kind="input")


class Microphone:
    """One PortAudio input stream, 16 kHz mono float32, in blocks of `BLOCK_SECONDS`.

    `on_block(samples, arrival)` runs on PortAudio's thread for every block, with
    the clock's time when the block came; it must only copy and queue.
    """

    def __init__(
        self,
        device: int | str | None,
        on_block: Callable[[np.ndarray, float], None],
        clock: Clock,
    ) -> None:
        self.device = None if device in (None, "", "default") else device
        if isinstance(self.device, str) and self.device.isdigit():
            self.device = int(self.device)
        self.on_block, self.clock = on_block, clock
        self.overflows = 0  # blocks the device reported as overflowed
        self.last_block = 0.0  # clock time of the latest block (or of the start)
        self._started_blocks = False  # a block came since the latest start
        self._stream: Any = None

    @property
    def label(self) -> str:
        return "default" if self.device is None else str(self.device)

    def open(self) -> None:
        """Open (not start) the stream, or SourceError in one sentence."""
        sd = import_sounddevice()
        try:
            _find_input(sd, self.device)
        except (ValueError, sd.PortAudioError) as e:
            which = "default" if self.device is None else repr(self.device)
            raise SourceError(
                f"No microphone found ({which}); connect one or pick another "
                "device (mic:0, mic:NAME; launch.py devices lists them)."
            ) from e
        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="float32",
                device=self.device,
                blocksize=BLOCK_SAMPLES,
                callback=self._callback,
            )
        except (ValueError, sd.PortAudioError) as e:
            raise SourceError(
                f"The microphone {self.label!r} is busy or cannot record ({e}); close the "
                "program using it or pick another device."
            ) from e

    def start(self) -> None:
        self.last_block = self.clock.now()
        self._started_blocks = False
        self._stream.start()

    @property
    def active(self) -> bool:
        """The stream is open and running (PortAudio's view)."""
        return self._stream is not None and bool(self._stream.active)

    def alive(self) -> bool:
        """Still delivering: the stream runs and a block came within `STALL_SECONDS`
        (`START_SECONDS` for the first block after a start)."""
        wait = STALL_SECONDS if self._started_blocks else START_SECONDS
        return self.active and self.clock.now() - self.last_block < wait

    def close(self) -> None:
        if self._stream is not None:
            self._stream.abort()  # stop() can hang on some hosts; abort() returns
            self._stream.close()
            self._stream = None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        self.last_block = now = self.clock.now()
        self._started_blocks = True
        self.on_block(indata[:, 0].astype(np.float32, copy=True), now)


class MicrophoneSource(Source):
    """A microphone alone: its own sample count is the stream clock."""

    live = True

    def __init__(
        self,
        config: MicrophoneConfig,
        *,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        super().__init__(policy=Policy.DROP_OLDEST, clock=clock, queue=queue)
        self.config = config
        self.mic = Microphone(config.device, self._block, self.clock)
        self.device = self.mic.device
        self._samples = 0  # samples received so far: the stream clock

    @property
    def name(self) -> str:
        return f"MicrophoneSource({self.mic.label})"

    @property
    def overflows(self) -> int:
        return self.mic.overflows

    def _open(self) -> None:
        self.mic.open()

    def _block(self, samples: np.ndarray, arrival: float) -> None:
        t = self._samples / SAMPLE_RATE
        self._samples += len(samples)
        if not self.paused:
            self._emit(AudioChunk(t=t, sample_rate=SAMPLE_RATE, samples=samples))

    def _run(self) -> str:
        self.mic.start()
        while not self.stop_event.wait(0.1):
            if not self.mic.active:
                raise SourceError(
                    "The microphone stopped delivering audio; check it and start again."
                )
        return "stopped"

    def _close(self) -> None:
        self.mic.close()
