"""Capture sources, made from typed configs (streamer/capture/config.py).

open_source(FileConfig("talk.mp4", start=30.0))         # a local file
open_source(FileConfig("http://host/a.mp4"))            # http, https, rtsp, rtmp, hls (urls.py)
open_source(WebcamConfig(0))                            # an OpenCV camera (or "/dev/video2")
open_source(MicrophoneConfig("default"))                # a microphone by index or name
open_source(CameraMicConfig(camera=0, mic="pulse"))     # a camera and a microphone, one clock
open_source(source_config("webcam:0+mic:default"))      # a user's spec, read in one place
"""

from __future__ import annotations

from dataclasses import replace

from streamer.capture.base import Source
from streamer.capture.config import (
    CameraMicConfig,
    FileConfig,
    MicrophoneConfig,
    SourceConfig,
    WebcamConfig,
    is_live,
    replayed,
    source_config,
)
from streamer.capture.file import FileSource
from streamer.capture.queue import StreamQueue
from streamer.clock import Clock
from streamer.types import Frame, Policy

PROBE_TIMEOUT = 10.0  # seconds to wait for a file's first frame


def open_source(
    config: SourceConfig, *, clock: Clock | None = None, queue: StreamQueue | None = None
) -> Source:
    """Make (not start) the source of `config`'s kind; `clock` and `queue` are shared ones.

    A device's module is imported only when one is opened (OpenCV, PortAudio).
    """
    if isinstance(config, FileConfig):
        return FileSource(config, clock=clock, queue=queue)
    if isinstance(config, WebcamConfig):
        from streamer.capture.webcam import WebcamSource

        return WebcamSource(config, clock=clock, queue=queue)
    if isinstance(config, MicrophoneConfig):
        from streamer.capture.microphone import MicrophoneSource

        return MicrophoneSource(config, clock=clock, queue=queue)
    if isinstance(config, CameraMicConfig):
        from streamer.capture.camera_mic import CameraMicSource

        return CameraMicSource(config, clock=clock, queue=queue)
    raise TypeError(f"No source is registered for {type(config).__name__} ({config.kind!r})")


def first_frame(config: FileConfig) -> Frame | None:
    """The first frame from `config`'s start, decoded alone (no sound, no pacing, no loop)."""
    probe = FileSource(replace(config, pace="none", loop=False, audio=False))
    try:
        probe.start()
        item = probe.queue.get(timeout=PROBE_TIMEOUT)
        return item if isinstance(item, Frame) else None
    finally:
        probe.stop()


__all__ = [
    "CameraMicConfig",
    "FileConfig",
    "FileSource",
    "MicrophoneConfig",
    "Policy",
    "Source",
    "SourceConfig",
    "StreamQueue",
    "WebcamConfig",
    "first_frame",
    "is_live",
    "open_source",
    "replayed",
    "source_config",
]
