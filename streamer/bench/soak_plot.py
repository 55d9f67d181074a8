"""The soak benchmark's plot: four small line charts over wall minutes, as one PNG.

Drawn with Pillow (already a dependency), so the benchmark needs no plotting
library.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

PANEL = (560, 220)  # px (W, H) of one chart
MARGIN = (64, 28, 16, 36)  # px: left, top, right, bottom inside a panel
SERIES = (  # (field of a sample, title)
    ("rss_mb", "RSS (MiB)"),
    ("threads", "threads"),
    ("open_files", "open files"),
    ("temp_mb", "temp + autosave (MiB)"),
)
LINE = (67, 56, 202)
GRID = (225, 225, 232)
TEXT = (40, 40, 48)


def plot(samples: Sequence[Any], path: Path) -> Path:
    """Write a 2x2 grid of charts (RSS, threads, open files, folder sizes) to `path`."""
    w, h = PANEL
    image = Image.new("RGB", (2 * w, 2 * h), "white")
    draw = ImageDraw.Draw(image)
    xs = [float(s.minutes) for s in samples]
    for i, (name, title) in enumerate(SERIES):
        if name == "temp_mb":
            ys = [float(s.temp_mb) + float(s.autosave_mb) for s in samples]
        else:
            ys = [float(getattr(s, name)) for s in samples]
        _panel(draw, (i % 2) * w, (i // 2) * h, xs, ys, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path


def _panel(
    draw: ImageDraw.ImageDraw, x0: int, y0: int, xs: list[float], ys: list[float], title: str
) -> None:
    w, h = PANEL
    left, top, right, bottom = MARGIN
    px0, py0, px1, py1 = x0 + left, y0 + top, x0 + w - right, y0 + h - bottom
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1  # a flat line sits in the middle
    x_hi = max(xs[-1], 1e-9) if xs else 1.0
    draw.text((x0 + left, y0 + 6), title, fill=TEXT)
    for k in range(5):  # horizontal grid lines with their values
        y = py1 - (py1 - py0) * k / 4
        draw.line([(px0, y), (px1, y)], fill=GRID)
        draw.text((x0 + 4, y - 6), f"{lo + (hi - lo) * k / 4:.4g}", fill=TEXT)
    draw.rectangle([px0, py0, px1, py1], outline=TEXT)
    draw.text((px0, py1 + 6), "0", fill=TEXT)
    draw.text((px1 - 60, py1 + 6), f"{x_hi:.3g} min", fill=TEXT)
    points = [
        (px0 + (px1 - px0) * x / x_hi, py1 - (py1 - py0) * (y - lo) / (hi - lo))
        for x, y in zip(xs, ys)
    ]
    if len(points) > 1:
        draw.line(points, fill=LINE, width=2)
    for p in points:
        draw.ellipse([p[0] - 2, p[1] - 2, p[0] + 2, p[1] + 2], fill=LINE)
