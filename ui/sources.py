"""The source picker's choices turned into the source config a Session opens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from streamer.capture.config import (
    CameraMicConfig,
    FileConfig,
    MicrophoneConfig,
    SourceConfig,
    WebcamConfig,
    source_config,
)
from streamer.capture.urls import is_url
from streamer.errors import StreamerError
from ui.controller import DEMO_CLIP, DEMO_LABEL
from ui.uploads import UploadStore

C = TypeVar("C", bound=SourceConfig)

DEMO, FILE, URL, WEBCAM = "Demo clip", "Video file", "URL", "Webcam"
MODES = (DEMO, FILE, URL, WEBCAM)


@dataclass(frozen=True)
class ResolvedSource:
    config: SourceConfig  # what was picked
    label: str  # what the page calls it
    hide_path: bool = False  # an upload: its generated path means nothing to the user

    @property
    def source(self) -> str:
        """The config in a spec's words (what a save names)."""
        return self.config.spec


@dataclass(frozen=True)
class InitialSource:
    """What the source picker shows at launch: the `--source` the app was started with."""

    mode: str = DEMO
    path: str = ""
    url: str = ""
    device: str | None = None  # webcam:N


def initial_source(source: str | None) -> InitialSource:
    """The picker's choice for `--source` (None, "none" or the demo clip: the demo)."""
    spec = (source or "").strip()
    if not spec or spec.lower() == "none" or Path(spec) == DEMO_CLIP:
        return InitialSource()
    if spec.startswith("webcam:"):
        return InitialSource(WEBCAM, device=spec)
    if is_url(spec) or "://" in spec:
        return InitialSource(URL, url=spec)
    return InitialSource(FILE, path=spec)


def resolve_source(
    mode: str,
    upload: str | None,
    path: str | None,
    url: str | None,
    device: str | None,
    *,
    allow_paths: bool,
    uploads: UploadStore,
    mic: str | None = None,
) -> ResolvedSource:
    """The picked source, or StreamerError saying what is missing.

    `mic` (a `mic:N` choice, or None for none) goes with the camera: one source, one clock.
    """
    if mode == DEMO:
        return ResolvedSource(FileConfig(str(DEMO_CLIP)), DEMO_LABEL)
    if mode == FILE:
        if upload:
            name = Path(upload).name
            added = FileConfig(str(uploads.add(upload)))
            return ResolvedSource(added, f"upload “{name}”", hide_path=True)
        if path and path.strip():
            if not allow_paths:
                raise StreamerError(
                    "Paths on the server open only when the app listens on this "
                    "machine alone; upload the file instead."
                )
            p = Path(path.strip()).expanduser()
            return ResolvedSource(FileConfig(str(p)), p.name or str(p))
        raise StreamerError("Upload a video file (or type its path on this machine) first.")
    if mode == URL:
        u = (url or "").strip()
        if not is_url(u):
            raise StreamerError(
                "Type a stream URL starting with http://, https://, rtsp:// or rtmp:// first."
            )
        return ResolvedSource(FileConfig(u), u)
    if mode == WEBCAM:
        return _camera(device or "webcam:0", mic)
    raise StreamerError(f"Pick a source: {', '.join(MODES)}.")


def _camera(device: str, mic: str | None) -> ResolvedSource:
    """The picked camera (a `webcam:N` choice), with the picked microphone if any.

    The launch's `--source webcam:N+mic:NAME` is offered as a camera choice of its own.
    """
    picked = source_config(device)
    sound: MicrophoneConfig | None = None
    if isinstance(picked, CameraMicConfig):
        camera, sound = WebcamConfig(picked.camera), MicrophoneConfig(picked.mic)
    elif isinstance(picked, WebcamConfig):
        camera = picked
    else:
        raise StreamerError(f"Pick a webcam from the list, not {device!r}.")
    if mic is not None:
        sound = _picked(mic, MicrophoneConfig)
    label = f"camera {camera.device}"
    if sound is None:
        return ResolvedSource(camera, label)
    both = CameraMicConfig(camera=camera.device, mic=sound.device)
    return ResolvedSource(both, f"{label} + microphone {sound.spec[4:]}")


def _picked(choice: str, kind: type[C]) -> C:
    """A device dropdown's choice (webcam:N, mic:N) as its config, StreamerError if not one."""
    config = source_config(choice)
    if not isinstance(config, kind):
        raise StreamerError(f"Pick a {kind.kind} from the list, not {choice!r}.")
    return config
