"""Cut detection on a tiny grey thumbnail: a sharp change between two sampled frames."""

from __future__ import annotations

import cv2
import numpy as np

CUT_SIDE = (32, 18)  # px (width, height): grey thumbnail compared frame to frame to spot cuts


def grey_thumb(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (18, 32) float32 grey, 0-255."""
    small = cv2.resize(image, CUT_SIDE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


def grey_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference (0-255) of two (18, 32) grey thumbnails."""
    return float(np.abs(a - b).mean())


class CutDetector:
    """Compares each frame with the last one kept; a difference above `threshold` is a cut."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold  # mean abs grey difference, 0-255
        self._last: np.ndarray | None = None  # (18, 32) thumbnail of the last kept frame

    def is_cut(self, thumb: np.ndarray) -> bool:
        return self._last is not None and grey_change(thumb, self._last) > self.threshold

    def keep(self, thumb: np.ndarray) -> None:
        """`thumb` is the new reference (its frame was sampled)."""
        self._last = thumb
