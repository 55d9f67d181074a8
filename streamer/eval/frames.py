"""A folder of frames as a video file a `Session` can stream.

Benchmarks such as OVBench's TAO part ship videos as folders of JPEGs. The
frames, in name order, are written once into an H.264 mp4 at the record's frame
rate (frame i at stream time i / fps) in a cache folder, and that file is
streamed like any other; a second run finds it there.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from models.atomic import atomic_file
from streamer.errors import SourceError
from streamer.eval.locate import frame_files

MAX_SIDE = 640  # px: frames are scaled down to this (perception looks at less anyway)


def frames_to_video(folder: Path, fps: float, cache: Path) -> Path:
    """The mp4 made of `folder`'s frames at `fps`, written into `cache` if not there yet."""
    files = frame_files(folder)
    if not files:
        raise SourceError(f"{folder} holds no image files to play as a video.")
    if fps <= 0:
        raise SourceError(f"{folder}: the frame rate must be positive, not {fps}.")
    digest = hashlib.sha1(f"{folder.resolve()}|{fps}|{len(files)}".encode()).hexdigest()[:10]
    out = cache / f"{folder.name}-{digest}.mp4"
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    with atomic_file(out) as tmp:
        _encode(files, fps, tmp)
    return out


def _encode(files: list[Path], fps: float, path: Path) -> None:
    first = _read(files[0], None)
    h, w = first.shape[:2]
    with av.open(str(path), "w", format="mp4") as out:
        rate = Fraction(fps).limit_denominator(1001)  # 29.97 -> 30000/1001
        vs = out.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "23"})
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        for i, f in enumerate(files):
            img = first if i == 0 else _read(f, (w, h))
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i  # in 1/fps s: frame i at i / fps seconds
            frame.time_base = 1 / rate
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))


def _read(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """(H, W, 3) uint8 RGB, scaled to `size` or to at most MAX_SIDE with even sides."""
    try:
        with Image.open(path) as f:
            im = f.convert("RGB")
    except OSError as e:
        raise SourceError(f"Cannot read the frame {path}: {e}.") from e
    if size is None:
        scale = min(1.0, MAX_SIDE / max(im.size))
        size = (max(2, int(im.width * scale) // 2 * 2), max(2, int(im.height * scale) // 2 * 2))
    if im.size != size:
        im = im.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(im, dtype=np.uint8)
