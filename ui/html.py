"""Small helpers shared by the HTML views: escaping, inline JPEGs, labels."""

from __future__ import annotations

import base64
import html

import cv2
import numpy as np

LIVE_MAX_SIDE = 960  # px: the live view never sends a bigger frame to the browser
LIVE_JPEG_QUALITY = 80
KIND_LABELS = {
    "speech": "heard",
    "ocr": "on screen",
    "tags": "seen",
    "objects": "objects",
    "frame": "frame",
}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def jpeg_uri(jpeg: bytes) -> str:
    """A data: URI of JPEG bytes (thumbnails are already JPEG)."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def encode_jpeg(image: np.ndarray, max_side: int = LIVE_MAX_SIDE) -> bytes:
    """(H, W, 3) uint8 RGB -> JPEG bytes, scaled down so its longest side <= max_side."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        image = cv2.resize(
            image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, LIVE_JPEG_QUALITY])
    if not ok:
        raise ValueError(f"could not encode a {image.shape} image as JPEG")
    return buf.tobytes()


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def notice_html(text: str | None, level: str = "error") -> str:
    """The banner under the title: an error (what to do) or a plain note; empty hides it."""
    if not text:
        return ""
    icon = {"error": "⚠", "info": "ℹ", "ok": "✓"}.get(level, "")
    return f'<div class="sv-notice sv-{esc(level)}" role="status">{icon} {esc(text)}</div>'
