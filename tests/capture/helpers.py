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


def write_clip(path: Path, seconds: float = 2.0, fps: int = 10, rate: int = 22050) -> None:
    """An mp4 with an h264 video track (grey ramp) and an AAC track (a 440 Hz tone)."""
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=rate, layout="mono")
        step = rate // fps  # audio samples per video frame, interleaved with it
        for i in range(int(seconds * fps)):
            img = np.full((48, 64, 3), (i * 20) % 256, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
            t = (i * step + np.arange(step)) / rate
            pcm = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[np.newaxis, :]
            f = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            f.sample_rate, f.pts = rate, i * step
            out.mux(audio.encode(f))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def zero_mdat(path: Path) -> int:
    """Zero the payload of every top-level `mdat` box, headers (and `moov`) intact.

    Returns the number of bytes zeroed. The file still opens and lists its
    streams; every packet then fails to decode.
    """
    data = bytearray(path.read_bytes())
    pos, zeroed = 0, 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        header = 8
        if size == 1:  # 64-bit size after the box type
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:  # the box runs to the end of the file
            size = len(data) - pos
        if data[pos + 4 : pos + 8] == b"mdat":
            data[pos + header : pos + size] = bytes(size - header)
            zeroed += size - header
        pos += size
    path.write_bytes(bytes(data))
    return zeroed


def write_hls(source: Path, playlist: Path, segment_seconds: int = 4) -> None:
    """`source`'s packets remuxed into an HLS VOD playlist with MPEG-TS segments beside it."""
    options = {
        "hls_time": str(segment_seconds),
        "hls_playlist_type": "vod",
        "hls_segment_filename": str(playlist.with_name(playlist.stem + "%03d.ts")),
    }
    with av.open(str(playlist), "w", format="hls", options=options) as out:
        _remux(source, out)


def write_ts(source: Path, path: Path) -> None:
    """`source`'s video and audio packets remuxed into one MPEG-TS file (a live feed's format)."""
    with av.open(str(path), "w", format="mpegts") as out:
        _remux(source, out)


def _remux(source: Path, out: av.container.OutputContainer) -> None:
    with av.open(str(source)) as src:
        kept = [s for s in src.streams if s.type in ("video", "audio")]
        pairs = {s.index: out.add_stream_from_template(s) for s in kept}
        for packet in src.demux(*kept):
            if packet.dts is None:  # the demuxer's empty packet at the end
                continue
            packet.stream = pairs[packet.stream.index]
            out.mux(packet)


def write_phone_clip(upright: Path, path: Path) -> None:
    """`upright` (a portrait clip) stored as a phone stores it: each frame on its side
    (turned a quarter counter-clockwise: landscape pixels) and a display matrix saying to
    turn it a quarter clockwise (ffprobe: "rotation of -90.00 degrees", the old `rotate=90`
    tag). The moov goes first (faststart), as a phone's upload or a web server has it."""
    with (
        av.open(str(upright)) as src,
        av.open(str(path), "w", options={"movflags": "faststart"}) as out,
    ):
        vin = src.streams.video[0]
        video = out.add_stream("libx264", rate=vin.average_rate, options={"preset": "ultrafast"})
        video.width, video.height = vin.codec_context.height, vin.codec_context.width
        video.pix_fmt = "yuv420p"
        video.set_display_rotation(-90)  # FFmpeg counts counter-clockwise
        for frame in src.decode(vin):
            sideways = np.ascontiguousarray(np.rot90(frame.to_ndarray(format="rgb24"), k=1))
            turned = av.VideoFrame.from_ndarray(sideways, format="rgb24")
            turned.pts, turned.time_base = frame.pts, frame.time_base
            out.mux(video.encode(turned))
        out.mux(video.encode(None))
