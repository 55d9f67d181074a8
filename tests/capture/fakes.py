"""Stand-ins for hardware that is not here, fed from real recorded media.

`FakeVideoCapture` replaces `cv2.VideoCapture`: it plays a real video file frame by
frame at 10 fps (advancing a ManualClock by one frame period per read, or, with no
ManualClock, blocking in `read` until the frame is due, as a real camera does) and
can be "unplugged". `FakeSoundDevice` replaces the sounddevice module: its InputStream
calls the callback from its own thread with blocks of a real recording.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import cv2
import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.clock import ManualClock

FRAME_SECONDS = 0.1  # a 10 fps camera
RealVideoCapture = cv2.VideoCapture  # kept before tests patch cv2.VideoCapture


class Camera:
    """The state of one fake camera, shared by every FakeVideoCapture opened on it."""

    def __init__(
        self,
        path: str,
        clock: ManualClock | None = None,
        unplug_after: int | None = None,
        replug_after_opens: int = 2,
    ) -> None:
        self.path, self.clock = path, clock
        self.unplug_after = unplug_after  # frames delivered before the cable is pulled
        self.replug_after_opens = replug_after_opens  # failed opens before it comes back
        self.plugged = True
        self.delivered = 0
        self.failed_opens = 0
        self.opens = 0
        self.unplugged_at: float | None = None  # time.monotonic() of the pull (real time)
        self.replugged_at: float | None = None
        self._due = 0.0  # time.monotonic() of the next frame (real time)


class FakeVideoCapture:
    camera: Camera  # set by the test

    def __init__(self, index: int | str) -> None:
        cam = type(self).camera
        cam.opens += 1
        if not cam.plugged:
            cam.failed_opens += 1
            if cam.failed_opens >= cam.replug_after_opens:
                cam.plugged = True
                cam.replugged_at = time.monotonic()
            self._cap = None
            return
        self._cap = RealVideoCapture(cam.path)

    def isOpened(self) -> bool:  # noqa: N802 - cv2's name
        return self._cap is not None and self._cap.isOpened()

    def get(self, prop: int) -> float:
        return self._cap.get(prop) if self._cap is not None else 0.0

    def read(self) -> tuple[bool, np.ndarray | None]:
        cam = type(self).camera
        if self._cap is None or not cam.plugged:
            return False, None
        if cam.unplug_after is not None and cam.delivered >= cam.unplug_after:
            cam.plugged, cam.unplug_after = False, None
            cam.failed_opens, cam.unplugged_at = 0, time.monotonic()
            return False, None
        ok, img = self._cap.read()
        if not ok:  # loop the file like an endless camera
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, img = self._cap.read()
        cam.delivered += 1
        if cam.clock is not None:
            cam.clock.advance(FRAME_SECONDS)
        else:  # a real camera's read blocks until its next frame
            now = time.monotonic()
            cam._due = max(cam._due + FRAME_SECONDS, now)
            time.sleep(max(0.0, cam._due - now))
        return ok, img

    def release(self) -> None:
        if self._cap is not None:
            self._cap.release()


class PortAudioError(Exception):
    pass


class FakeInputStream:
    recording: np.ndarray  # (n,) float32 at 16 kHz, set by the test

    def __init__(
        self,
        *,
        samplerate: int,
        channels: int,
        dtype: str,
        device: Any,
        blocksize: int,
        callback: Any,
    ) -> None:
        assert samplerate == SAMPLE_RATE and channels == 1 and dtype == "float32"
        self.blocksize, self.callback = blocksize, callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._play, daemon=True)
        self.active = False

    def _play(self) -> None:
        rec = type(self).recording
        for i in range(0, len(rec), self.blocksize):
            if self._stop.wait(0.001):
                break
            block = rec[i : i + self.blocksize]
            block = np.pad(block, (0, self.blocksize - len(block)))[:, np.newaxis]
            self.callback(block.astype(np.float32), self.blocksize, None, None)
        self._stop.wait()  # a microphone keeps going (silence) until stopped

    def start(self) -> None:
        self.active = True
        self._thread.start()

    def abort(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.active = False

    def close(self) -> None:
        pass


class FakeSoundDevice:
    PortAudioError = PortAudioError
    InputStream = FakeInputStream

    def __init__(self, devices: list[str]) -> None:
        self.devices = devices

    def query_devices(self, device: Any = None, kind: str | None = None) -> dict[str, Any]:
        if not self.devices:
            raise PortAudioError("no input device")
        if device is None:
            return {"name": self.devices[0]}
        if isinstance(device, int) and device < len(self.devices):
            return {"name": self.devices[device]}
        if device in self.devices:
            return {"name": device}
        raise ValueError(f"No input device matching {device!r}")
