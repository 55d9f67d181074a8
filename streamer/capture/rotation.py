"""Video as it is meant to be seen: the container's display rotation applied.

A phone filming upright stores its frames sideways (say 640x360) and a display
matrix (the mp4 `tkhd` matrix, the old `rotate` tag) saying to turn them; players
turn them, and so must capture, or the frames reach perception, OCR and the saved
thumbnails lying on their side. Only quarter turns occur in practice.
"""

from __future__ import annotations

from typing import Any

import numpy as np


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
