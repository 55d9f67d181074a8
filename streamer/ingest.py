"""Run a source to its end (or a stream-time limit) and count what came out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from streamer.capture.base import Source
from streamer.errors import SourceError
from streamer.types import AudioChunk, EndOfStream, Frame


@dataclass
class IngestReport:
    source: str
    frames: int
    audio_seconds: float
    video_seconds: float
    dropped: int  # frames dropped by the queue policy
    audio_dropped_seconds: float
    wall_seconds: float
    width: int
    height: int
    fps: float
    decode_fps: float  # frames delivered per wall-clock second
    x_realtime: float  # stream seconds delivered per wall-clock second
    end: str  # end reason: end | stopped | limit | error
    note: str | None = None  # what was lost, in one sentence (a file cut short)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def run_ingest(
    source: Source,
    seconds: float | None = None,
    on_item: Callable[[Frame | AudioChunk], None] | None = None,
) -> IngestReport:
    """Start `source`, consume it until its end marker or `seconds` of stream time.

    Raises `SourceError` if the source fails, after it has been stopped cleanly.
    """
    t0 = time.perf_counter()
    source.start()
    reason, error, note = "end", None, None
    frames, audio_seconds, video_seconds = 0, 0.0, 0.0
    try:
        for item in source.queue:
            if isinstance(item, EndOfStream):
                reason, error, note = item.reason, item.error, item.note
                break
            if seconds is not None and item.t >= seconds:
                reason = "limit"
                break
            if isinstance(item, Frame):
                frames += 1
                video_seconds = max(video_seconds, item.t + source.frame_period)
            else:
                audio_seconds += item.duration
            if on_item is not None:
                on_item(item)
    finally:
        source.stop()
    wall = time.perf_counter() - t0
    if error is not None:
        raise SourceError(error)
    s = source.stats()
    stream_seconds = max(video_seconds, audio_seconds)
    return IngestReport(
        source=source.name,
        frames=frames,
        audio_seconds=round(audio_seconds, 4),
        video_seconds=round(video_seconds, 4),
        dropped=s.frames_dropped,
        audio_dropped_seconds=round(s.audio_dropped_seconds, 4),
        wall_seconds=round(wall, 4),
        width=s.width,
        height=s.height,
        fps=round(s.fps, 4),
        decode_fps=round(frames / wall, 2) if wall > 0 else 0.0,
        x_realtime=round(stream_seconds / wall, 2) if wall > 0 else 0.0,
        end=reason,
        note=note,
    )
