"""The source picker's choices turned into a source spec the Session opens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from streamer.capture.urls import is_url
from streamer.errors import StreamerError
from ui.controller import DEMO_CLIP, DEMO_LABEL
from ui.uploads import UploadStore

DEMO, FILE, URL, WEBCAM = "Demo clip", "Video file", "URL", "Webcam"
MODES = (DEMO, FILE, URL, WEBCAM)


@dataclass(frozen=True)
class ResolvedSource:
    source: str  # what Session opens
    label: str  # what the page calls it
    hide_path: bool = False  # an upload: its generated path means nothing to the user


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

    `mic` (a `mic:N` spec, or None for none) goes with the camera: one source, one clock.
    """
    if mode == DEMO:
        return ResolvedSource(str(DEMO_CLIP), DEMO_LABEL)
    if mode == FILE:
        if upload:
            name = Path(upload).name
            return ResolvedSource(str(uploads.add(upload)), f"upload “{name}”", hide_path=True)
        if path and path.strip():
            if not allow_paths:
                raise StreamerError(
                    "Paths on the server open only when the app listens on this "
                    "machine alone; upload the file instead."
                )
            p = Path(path.strip()).expanduser()
            return ResolvedSource(str(p), p.name or str(p))
        raise StreamerError("Upload a video file (or type its path on this machine) first.")
    if mode == URL:
        u = (url or "").strip()
        if not is_url(u):
            raise StreamerError(
                "Type a stream URL starting with http://, https://, rtsp:// or rtmp:// first."
            )
        return ResolvedSource(u, u)
    if mode == WEBCAM:
        spec = device or "webcam:0"
        label = spec.replace("webcam:", "camera ")
        if mic:
            return ResolvedSource(f"{spec}+{mic}", f"{label} + microphone {mic[4:]}")
        return ResolvedSource(spec, label)
    raise StreamerError(f"Pick a source: {', '.join(MODES)}.")
