"""The small JPEG of a frame that evidence and the UI show."""

from __future__ import annotations

import cv2
import numpy as np

JPEG_QUALITY = 80  # of 100: 0.9-3.3 KB (median 1.5 KB) a 160x90 px thumbnail of demo.mp4


def thumbnail(image: np.ndarray, side: int) -> bytes:
    """(H, W, 3) uint8 RGB -> JPEG bytes, longest side `side` px."""
    h, w = image.shape[:2]
    s = side / max(h, w)
    small = (
        cv2.resize(image, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        if s < 1
        else image
    )
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    assert ok
    return buf.tobytes()


BOX_BGR = (0, 215, 255)  # amber: stands out on grass, asphalt and sky alike


def draw_boxes(jpeg: bytes, boxes: list[tuple[float, float, float, float]]) -> bytes:
    """A thumbnail with `boxes` (relative x0, y0, x1, y1) drawn on it; `jpeg` if unreadable."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)  # (h, w, 3) BGR
    if image is None:
        return jpeg
    h, w = image.shape[:2]
    for x0, y0, x1, y1 in boxes:
        top_left = (int(x0 * (w - 1)), int(y0 * (h - 1)))
        cv2.rectangle(image, top_left, (int(x1 * (w - 1)), int(y1 * (h - 1))), BOX_BGR, 1)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return buf.tobytes() if ok else jpeg
