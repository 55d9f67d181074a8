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

from streamer.types import ShownShape

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
NAMED_PIXELS = 1024  # a larger region is named from every k-th pixel, this many
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
    return _name_pixels(_to_lab(rgb).reshape(-1, 3))


def box_colour(image: np.ndarray, box: tuple[float, float, float, float]) -> str:
    """Dominant colour inside the middle of `box` (relative x0, y0, x1, y1) of an RGB image."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    cx, cy, bw, bh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * INNER, (y1 - y0) * INNER
    left, right = int((cx - bw / 2) * w), int(np.ceil((cx + bw / 2) * w))
    top, bottom = int((cy - bh / 2) * h), int(np.ceil((cy + bh / 2) * h))
    return dominant_colour(image[max(0, top) : bottom, max(0, left) : right])


# -- what is shown: salient regions on a plain backdrop ------------------------------------
SHOWN_SIDE = 320  # px: frames are shrunk to at most this before regions are found
PLAIN_DE = 12.0  # Lab distance: a backdrop whose border pixels (90 %) stay this near is plain
# Lab distance from the backdrop from which a pixel stands out: this much, or 3x the border's
# own spread (video noise) if larger. A white shape on the synthetic clips' off-white is ~7 away.
SALIENT_DE = 5.0
MIN_SOLID = 0.85  # area / convex hull: a shape fills its hull, a block of letters does not
MIN_SHARE = 0.015  # a region smaller than this share of the frame is a letter or a speck
MAX_SHARE = 0.6  # ... larger, it is the backdrop itself (a card changing colour)
MAX_SHOWN = 3  # regions named per frame, largest first
ROUND = 0.8  # 4*pi*area/perimeter^2 from which an outline of many corners is a circle


def _name_pixels(lab: np.ndarray) -> str:
    """Palette name of (n, 3) Lab pixels: the chromatic rule of `dominant_colour`."""
    lab = lab[:: max(1, len(lab) // NAMED_PIXELS)]
    nearest = np.argmin(((lab[:, None] - PALETTE_LAB[None]) ** 2).sum(-1), axis=1)  # (n,)
    counts = np.bincount(nearest, minlength=len(NAMES))  # (11,)
    chromatic = [i for i, n in enumerate(NAMES) if n not in NEUTRAL]
    best_colour = max(chromatic, key=lambda i: counts[i])
    if counts[best_colour] >= CHROMA_SHARE * counts.sum():
        return NAMES[best_colour]
    return NAMES[int(np.argmax(counts))]


def _outline(mask: np.ndarray) -> str:
    """'triangle', 'square', 'rectangle', 'circle' or '' (another outline) for a (h, w)
    uint8 0/1 region mask; '-' when it is not one solid region."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours or (hierarchy[0, :, 3] >= 0).any():  # a hole: "40,000" in bold, a ring
        return "-"
    contour = max(contours, key=cv2.contourArea)
    perimeter = cv2.arcLength(contour, True)
    if perimeter <= 0:
        return ""
    hull = np.zeros_like(mask)
    cv2.fillPoly(hull, [cv2.convexHull(contour)], 1)
    if float(mask.sum()) / max(1, int(hull.sum())) < MIN_SOLID:  # in pixels: holes count
        return "-"  # not one solid shape: letters, a ragged blob
    corners = len(cv2.approxPolyDP(contour, 0.04 * perimeter, True))
    if corners == 3:
        return "triangle"
    if corners == 4:
        _, _, w, h = cv2.boundingRect(contour)
        return "square" if 0.8 <= w / max(h, 1) <= 1.25 else "rectangle"
    # on the hull: a pixel outline's staircase would add a tenth to a circle's perimeter
    round_edge = cv2.arcLength(cv2.convexHull(contour), True)
    roundness = 4 * np.pi * cv2.contourArea(contour) / max(round_edge, 1.0) ** 2
    return "circle" if corners > 4 and roundness >= ROUND else ""


def shown_shapes(rgb: np.ndarray) -> tuple[ShownShape, ...]:
    """The regions of an (H, W, 3) uint8 RGB frame that stand out from a plain backdrop,
    largest first, each with its colour and outline; () when the backdrop is not plain
    (a street, a room: there the detector's objects say what is shown)."""
    h, w = rgb.shape[:2]
    if h < 8 or w < 8:
        return ()
    edge = np.concatenate([rgb[1], rgb[-2], rgb[:, 1], rgb[:, -2]])  # (n, 3) the frame's rim
    border = _to_lab(edge)
    backdrop = np.median(border, axis=0)  # (3,)
    spread = float(np.percentile(np.linalg.norm(border - backdrop, axis=1), 90))
    if spread > PLAIN_DE:  # judged on the rim first: most real footage stops here, cheaply
        return ()
    scale = min(1.0, SHOWN_SIDE / max(h, w))
    size = (max(8, int(w * scale)), max(8, int(h * scale)))
    small = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    lab = _to_lab(small)  # (h, w, 3)
    far = max(SALIENT_DE, 3 * spread)
    mask = (np.linalg.norm(lab - backdrop, axis=2) > far).astype(np.uint8)  # (h, w)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sh, sw = mask.shape
    found = []
    for i in sorted(range(1, n), key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:MAX_SHOWN]:
        area = stats[i, cv2.CC_STAT_AREA]
        if not MIN_SHARE * sh * sw <= area <= MAX_SHARE * sh * sw:
            continue
        region = (labels == i).astype(np.uint8)  # (h, w)
        x, y = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        bw, bh = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]
        box = (x / sw, y / sh, (x + bw) / sw, (y + bh) / sh)
        outline = _outline(region)
        if outline != "-":
            found.append(ShownShape(_name_pixels(lab[region > 0]), outline, box))
    return tuple(found)
