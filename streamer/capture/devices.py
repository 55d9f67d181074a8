"""The cameras and microphones on this machine, and a device named by index or by name.

    list_devices()         # cameras (/dev/video*) and microphones (PortAudio inputs)
    camera_device("Integrated")  -> 0   (webcam:Integrated works like webcam:0)

`launch.py devices` prints this list; the app's Camera and Microphone dropdowns
show the same one. A microphone is opened by PortAudio, which takes an index or
any part of a device's name itself.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from streamer.errors import SourceError

VIDEO_DEVICE = re.compile(r"/dev/video(\d+)")
SYS_VIDEO = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class Device:
    kind: str  # "camera" | "microphone"
    index: int
    name: str
    rate: float  # default frames a second (camera) or samples a second (microphone); 0 unknown
    default: bool = False  # the system's default microphone

    @property
    def spec(self) -> str:
        """What a source spec names it by: webcam:N or mic:N."""
        return f"{'webcam' if self.kind == 'camera' else 'mic'}:{self.index}"

    @property
    def label(self) -> str:
        rate = f", {self.rate:g} {'fps' if self.kind == 'camera' else 'Hz'}" if self.rate else ""
        return f"{self.index}: {self.name}{rate}{' (default)' if self.default else ''}"


def list_cameras(probe: bool = False) -> list[Device]:
    """The video devices (/dev/videoN), named from sysfs; `probe` opens each for its rate."""
    found = []
    for path in sorted(glob.glob("/dev/video*"), key=_number):
        m = VIDEO_DEVICE.fullmatch(path)
        if m:
            i = int(m.group(1))
            name_file = SYS_VIDEO / f"video{i}" / "name"
            name = name_file.read_text().strip() if name_file.exists() else path
            found.append(Device("camera", i, name, _camera_rate(i) if probe else 0.0))
    return found


def list_microphones() -> tuple[list[Device], str | None]:
    """PortAudio's input devices, and why there are none when PortAudio cannot be used."""
    from streamer.capture.microphone import import_sounddevice

    try:
        sd = import_sounddevice()
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except SourceError as e:
        return [], str(e)
    except Exception as e:  # PortAudio itself failed to list: say so, list nothing
        return [], f"PortAudio could not list the microphones ({e})."
    mics = [
        Device("microphone", i, str(d["name"]), float(d["default_samplerate"]), i == default_in)
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
    return mics, None


def camera_choices() -> list[tuple[str, str]]:
    """(label, webcam:N) per camera, or camera 0 saying none was found."""
    found = [(f"camera {d.label}", d.spec) for d in list_cameras()]
    return found or [("camera 0 (no camera found on this machine)", "webcam:0")]


def microphone_choices() -> list[tuple[str, str]]:
    """(label, mic:N) per microphone, the system's default first."""
    mics, why = list_microphones()
    default = ("the default microphone", "mic:default")
    if not mics:
        return [(f"the default microphone ({why or 'none found on this machine'})", "mic:default")]
    return [default, *((f"microphone {d.label}", d.spec) for d in mics)]


def camera_device(text: str) -> int | str:
    """webcam:TEXT's device: an index, a /dev path, or the index of a camera named TEXT."""
    text = text.strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    if text.startswith("/dev/"):
        return text
    wanted = text.lower()
    matches = [d for d in list_cameras() if wanted in d.name.lower()]
    if len(matches) == 1:
        return matches[0].index
    return text  # no camera of that name: opening it says so in one sentence


def _number(path: str) -> int:
    m = VIDEO_DEVICE.fullmatch(path)
    return int(m.group(1)) if m else 1 << 30


def _camera_rate(index: int) -> float:
    import cv2

    cap = cv2.VideoCapture(index)
    try:
        return float(cap.get(cv2.CAP_PROP_FPS) or 0.0) if cap.isOpened() else 0.0
    finally:
        cap.release()
