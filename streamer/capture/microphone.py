"""A microphone through sounddevice (PortAudio).

The PortAudio callback only copies the block into the bounded queue (DROP_OLDEST:
it never blocks the audio thread). Stream time is counted in samples, so it
follows the device's own clock.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.capture.base import Source
from streamer.capture.queue import Policy, StreamQueue
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.types import AudioChunk

BLOCK_SECONDS = 0.1  # one callback every 100 ms: 1,600 samples at 16 kHz


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


class MicrophoneSource(Source):
    live = True

    def __init__(
        self,
        device: int | str | None = None,
        *,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        super().__init__(policy=Policy.DROP_OLDEST, clock=clock, queue=queue)
        self.device = None if device in (None, "", "default") else device
        if isinstance(self.device, str) and self.device.isdigit():
            self.device = int(self.device)
        self._stream: Any = None
        self._samples = 0  # samples received so far: the stream clock
        self.overflows = 0  # blocks the device reported as overflowed

    @property
    def name(self) -> str:
        return f"MicrophoneSource({self.device if self.device is not None else 'default'})"

    def _open(self) -> None:
        sd = import_sounddevice()
        try:
            sd.query_devices(self.device, kind="input")
        except (ValueError, sd.PortAudioError) as e:
            which = "default" if self.device is None else repr(self.device)
            raise SourceError(
                f"No microphone found ({which}); connect one or pick another "
                "device (mic:0, mic:NAME)."
            ) from e
        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="float32",
                device=self.device,
                blocksize=int(BLOCK_SECONDS * SAMPLE_RATE),
                callback=self._callback,
            )
        except (ValueError, sd.PortAudioError) as e:
            raise SourceError(f"Cannot open the microphone: {e}; pick another device.") from e

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        t = self._samples / SAMPLE_RATE
        self._samples += frames
        if self.paused:
            return
        self._emit(
            AudioChunk(
                t=t, sample_rate=SAMPLE_RATE, samples=indata[:, 0].astype(np.float32, copy=True)
            )
        )

    def _run(self) -> str:
        self._stream.start()
        while not self.stop_event.wait(0.1):
            if not self._stream.active:
                raise SourceError(
                    "The microphone stopped delivering audio; check it and start again."
                )
        return "stopped"

    def _close(self) -> None:
        if self._stream is not None:
            self._stream.abort()  # stop() can hang on some hosts; abort() returns
            self._stream.close()
