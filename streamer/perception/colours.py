"""Naming the dominant colour of an object or a frame from a small palette, in CIE Lab.

Each pixel of the (shrunk) region goes to its nearest palette colour by
Euclidean distance in Lab, where distance follows perceived difference; the
most frequent name wins. Grey, black and white are the names of low chroma;
a chromatic name wins only over a share of pixels (`CHROMA_SHARE`), so a red
car on grey asphalt is "red" while a grey crowd stays "grey".
"""

from __future__ import annotations

import cv2
import numpy as np

# sRGB anchors of the palette's names; their Lab values are computed once below.
PALETTE_RGB = {
    "black": (20, 20, 20),
    "grey": (128, 128, 128),
    "white": (235, 235, 235),
    "red": (200, 30, 30),
    "orange": (240, 130, 20),
    "yellow": (235, 215, 40),
    "green": (40, 150, 50),
    "blue": (30, 70, 190),
    "purple": (120, 50, 150),
    "pink": (240, 130, 170),
    "brown": (120, 75, 40),
}
NEUTRAL = ("black", "grey", "white")
CHROMA_SHARE = 0.25  # a colour covering this share of the region beats the neutral majority
SIDE = 32  # px: regions are shrunk to at most 32x32 before counting (~1000 pixels)
INNER = 0.6  # the middle 60% of a box's width and height: less background at its edges


def _to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB -> (..., 3) float32 Lab (L 0..100, a and b about -128..127)."""
    flat = np.ascontiguousarray(rgb.reshape(1, -1, 3), dtype=np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2LAB).reshape(rgb.shape).astype(np.float32)


NAMES = tuple(PALETTE_RGB)
PALETTE_LAB = _to_lab(np.array([PALETTE_RGB[n] for n in NAMES], np.uint8))  # (11, 3)


def dominant_colour(rgb: np.ndarray) -> str:
    """The palette name of an (H, W, 3) uint8 RGB region; "" when it is empty."""
    h, w = rgb.shape[:2]
    if h == 0 or w == 0:
        return ""
    scale = min(1.0, SIDE / max(h, w))
    if scale < 1.0:
        size = (max(1, int(w * scale)), max(1, int(h * scale)))
        rgb = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    lab = _to_lab(rgb).reshape(-1, 1, 3)  # (n, 1, 3)
    nearest = np.argmin(((lab - PALETTE_LAB[None]) ** 2).sum(-1), axis=1)  # (n,)
    counts = np.bincount(nearest, minlength=len(NAMES))  # (11,)
    chromatic = [i for i, n in enumerate(NAMES) if n not in NEUTRAL]
    best_colour = max(chromatic, key=lambda i: counts[i])
    if counts[best_colour] >= CHROMA_SHARE * counts.sum():
        return NAMES[best_colour]
    return NAMES[int(np.argmax(counts))]


def box_colour(image: np.ndarray, box: tuple[float, float, float, float]) -> str:
    """Dominant colour inside the middle of `box` (relative x0, y0, x1, y1) of an RGB image."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    cx, cy, bw, bh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * INNER, (y1 - y0) * INNER
    left, right = int((cx - bw / 2) * w), int(np.ceil((cx + bw / 2) * w))
    top, bottom = int((cy - bh / 2) * h), int(np.ceil((cy + bh / 2) * h))
    return dominant_colour(image[max(0, top) : bottom, max(0, left) : right])
