"""Capture sources, opened by a spec string.

open_source("talk.mp4")            # a local file
open_source("http://host/a.mp4")   # http, https, rtsp, rtmp, hls playlists (see urls.py)
open_source("webcam:0")            # an OpenCV camera by index (or webcam:/dev/video2)
open_source("mic:default")         # a microphone by index or name
open_source("webcam:0+mic:default")  # a camera and a microphone on one clock
"""

from __future__ import annotations

from typing import Any

from streamer.capture.base import Source
from streamer.capture.file import FileSource
from streamer.capture.queue import StreamQueue
from streamer.errors import SourceError
from streamer.types import Policy

FILE_OPTIONS = {
    *("pace", "speed", "start", "fps", "loop", "video", "audio", "max_side", "clock"),
    *("max_attempts", "max_backoff", "rtsp_transport"),  # network streams
}
WEBCAM_OPTIONS = {"fps", "max_side", "clock", "max_attempts", "max_backoff"}
MIC_OPTIONS = {"clock"}


def open_source(spec: str, **options: Any) -> Source:
    """Make (not start) the source a spec names. Options a kind does not use are ignored."""
    spec = spec.strip()
    if not spec:
        raise SourceError(
            "No source given; pass a file path, a URL, webcam:N, mic:NAME or webcam:N+mic:NAME."
        )
    pair = camera_mic_pair(spec)
    if pair is not None:
        from streamer.capture.camera_mic import CameraMicSource

        return CameraMicSource(*pair, **_pick(options, WEBCAM_OPTIONS))
    kind, sep, rest = spec.partition(":")
    if sep and kind in ("webcam", "camera"):
        from streamer.capture.webcam import WebcamSource

        return WebcamSource(_device(rest), **_pick(options, WEBCAM_OPTIONS))
    if sep and kind in ("mic", "microphone"):
        from streamer.capture.microphone import MicrophoneSource

        return MicrophoneSource(rest or None, **_pick(options, MIC_OPTIONS))
    return FileSource(spec, **_pick(options, FILE_OPTIONS))  # refuses other schemes


def is_live(spec: str) -> bool:
    """A spec of a live device (a camera, a microphone or both): a stream with no end."""
    kind = spec.strip().partition(":")[0]
    return camera_mic_pair(spec) is not None or kind in ("webcam", "camera", "mic", "microphone")


def camera_mic_pair(spec: str) -> tuple[int | str, str | None] | None:
    """(camera, microphone) of a `webcam:N+mic:NAME` spec (either order), else None."""
    parts = [p.strip() for p in spec.split("+")]
    if len(parts) != 2:
        return None
    found: dict[str, str] = {}
    for part in parts:
        kind, sep, rest = part.partition(":")
        kind = {"camera": "webcam", "microphone": "mic"}.get(kind, kind)
        if not sep or kind not in ("webcam", "mic") or kind in found:
            return None
        found[kind] = rest
    return _device(found["webcam"]), found["mic"] or None


def _device(rest: str) -> int | str:
    from streamer.capture.devices import camera_device

    return camera_device(rest)


def _pick(options: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k in allowed and v is not None}


__all__ = ["Source", "FileSource", "Policy", "StreamQueue", "is_live", "open_source"]
