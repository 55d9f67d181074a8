"""Helpers for capture tests: drain a source, write odd media files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from streamer.capture.base import Source
from streamer.types import AudioChunk, EndOfStream, Frame


def drain(
    source: Source, timeout: float = 60.0
) -> tuple[list[Frame], list[AudioChunk], EndOfStream]:
    """Start `source` and collect everything until its end marker."""
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    source.start()
    try:
        while True:
            item = source.queue.get(timeout=timeout)
            assert item is not None, "source produced nothing for too long"
            if isinstance(item, EndOfStream):
                return frames, audio, item
            (frames if isinstance(item, Frame) else audio).append(item)
    finally:
        source.stop()


def audio_track(chunks: list[AudioChunk]) -> np.ndarray:
    return np.concatenate([c.samples for c in chunks]) if chunks else np.zeros(0, np.float32)


def write_audio_only(path: Path, seconds: float = 3.0, rate: int = 22050) -> np.ndarray:
    """An .m4a with one AAC track: a 440 Hz tone. Returns the samples written."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(path), "w", format="mp4") as out:
        s = out.add_stream("aac", rate=rate, layout="mono")
        pcm = (tone * 32767).astype(np.int16)[np.newaxis, :]
        f = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        f.sample_rate, f.pts = rate, 0
        out.mux(s.encode(f))
        out.mux(s.encode(None))
    return tone


def write_vfr(path: Path, times: list[float]) -> None:
    """An mp4 whose frames sit at irregular times (variable frame rate)."""
    with av.open(str(path), "w", format="mp4") as out:
        s = out.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        for i, t in enumerate(times):
            img = np.full((48, 64, 3), (i * 40) % 256, np.uint8)
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts, f.time_base = int(round(t * 1000)), Fraction(1, 1000)
            out.mux(s.encode(f))
        out.mux(s.encode(None))
