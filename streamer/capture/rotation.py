"""Video as it is meant to be seen: the container's display rotation applied.

A phone filming upright stores its frames sideways (say 640x360) and a display
matrix (the mp4 `tkhd` matrix, the old `rotate` tag) saying to turn them; players
turn them, and so must capture, or the frames reach perception, OCR and the saved
thumbnails lying on their side. Only quarter turns occur in practice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import av
import numpy as np


def first_frame_rotation(url: str, options: Mapping[str, str]) -> float:
    """The display rotation of a local file's first video frame (0.0 when none decodes).

    PyAV shows the display matrix on decoded frames only, so the size a file is seen at
    is known before capture starts by decoding one frame of a second opening.
    """
    try:
        with av.open(url, options=dict(options)) as container:
            for frame in container.decode(video=0):
                return float(frame.rotation)
    except (av.error.FFmpegError, OSError):
        pass
    return 0.0


def quarter_turned(degrees: float) -> bool:
    """Whether turning by `degrees` swaps width and height."""
    return round(degrees / 90) % 2 == 1


def upright_rgb(frame: Any) -> np.ndarray:
    """An av.VideoFrame as an (H, W, 3) uint8 RGB array, turned as its display matrix says."""
    image: np.ndarray = frame.to_ndarray(format="rgb24")
    return upright(image, frame.rotation)


def upright(image: np.ndarray, degrees: float) -> np.ndarray:
    """`image` (H, W, ...) turned `degrees` counter-clockwise (FFmpeg's display rotation)."""
    quarter_turns = round(degrees / 90) % 4  # np.rot90 turns counter-clockwise, as FFmpeg counts
    if not quarter_turns:
        return image
    return np.ascontiguousarray(np.rot90(image, quarter_turns))
