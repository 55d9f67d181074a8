"""On-screen text with RapidOCR (PP-OCRv4 detection + recognition, ONNX).

RapidOCR takes numpy images as BGR (OpenCV order); it converts only images
it loads from files or PIL. Frames here are RGB, so they are flipped first.

PP-OCRv4's recogniser often runs English words together ("GATE7CLOSESATNOON").
For a line of 8 characters or more, or one where a letter meets a digit
("GATE55"), its crop is split at the ink-free
column runs wider than a word gap and the words are recognised again, in one
batch, and joined with spaces.

Example:
    >>> reader = RapidTextReader()
    >>> [line.text for line in reader.read(frame)]  # doctest: +SKIP
    ['GATE 7 CLOSES AT NOON']
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from models import weights
from models.loading import loads
from models.protocols import TextLine

__all__ = ["OcrConfig", "RapidTextReader", "TextLine"]

LETTER_DIGIT = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")  # a letter next to a digit: "GATE55", "4B"


@dataclass(frozen=True)
class OcrConfig:
    """How the reader runs."""

    min_confidence: float = 0.5  # lines recognised with a lower score are dropped
    threads: int = 2  # onnxruntime intra-op threads for each of det / cls / rec
    use_angle_cls: bool = False  # 180-degree text classifier; off: frames are upright, saves ~10%
    max_side: int = 2000  # px: larger images are scaled down before detection (RapidOCR default)
    word_gap: float = 0.25  # an ink-free run this many line heights wide separates two words
    split_min_chars: int = 8  # lines at least this long are checked for run-together words

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be in 0..1, not {self.min_confidence}")
        if self.threads < 1:
            raise ValueError("threads must be >= 1")


class RapidTextReader:
    """OCR behind the `TextReader` protocol; loads on first use, calls serialised by a lock."""

    def __init__(self, config: OcrConfig | None = None) -> None:
        self.config = config or OcrConfig()
        self._lock = threading.Lock()
        self._engine: Any = None

    def load(self) -> None:
        """Load now instead of on the first call."""
        with self._lock:
            self._load_locked()

    def read(self, image: np.ndarray) -> list[TextLine]:
        """Lines of text in an (H, W, 3) uint8 RGB image, top to bottom then left to right."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        bgr = np.ascontiguousarray(image[:, :, ::-1])  # (H, W, 3) BGR, as RapidOCR expects
        with self._lock:
            self._load_locked()
            result, _ = self._engine(bgr, use_cls=self.config.use_angle_cls)
            lines = [self._spaced(bgr, _to_line(item)) for item in result or ()]
        lines = [ln for ln in lines if ln.text and ln.confidence >= self.config.min_confidence]
        return sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))

    def _spaced(self, bgr: np.ndarray, line: TextLine) -> TextLine:
        """`line` with its words separated, when the recogniser ran them together.

        Long lines are checked, and short ones where a letter meets a digit: "GATE 55" on a
        card is read "GATE55", and only the gap between the glyphs can say it was two words.
        """
        if len(line.text) < self.config.split_min_chars and not LETTER_DIGIT.search(line.text):
            return line
        x0, y0, x1, y1 = (int(round(v)) for v in line.box)
        crop = bgr[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1]  # (h, w, 3)
        words = word_crops(crop, self.config.word_gap)
        if len(words) < 2:
            return line
        recognised, _ = self._engine.text_rec(words)
        texts = [str(r[0]).strip() for r in recognised]
        joined, whole = "".join(texts).replace(" ", ""), line.text.replace(" ", "")
        if abs(len(joined) - len(whole)) > max(2, len(whole) // 10):
            return line  # the words disagree with the line: keep what was read whole
        return TextLine(" ".join(t for t in texts if t), line.box, line.confidence)

    @loads("RapidOCR text reader")
    def _load_locked(self) -> None:
        if self._engine is not None:
            return
        from rapidocr_onnxruntime import RapidOCR

        self._engine = RapidOCR(
            det_model_path=str(weights.ensure(weights.OCR_DET)),
            rec_model_path=str(weights.ensure(weights.OCR_REC)),
            cls_model_path=str(weights.ensure(weights.OCR_CLS)),
            intra_op_num_threads=self.config.threads,
            inter_op_num_threads=1,
            text_score=self.config.min_confidence,
            max_side_len=self.config.max_side,
        )


def word_crops(crop: np.ndarray, word_gap: float) -> list[np.ndarray]:
    """Split a one-line (h, w, 3) crop at ink-free column runs wider than `word_gap` * h."""
    h, w = crop.shape[:2]
    if h < 4 or w < 4:
        return [crop]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([binary[0], binary[-1], binary[:, 0], binary[:, -1]])
    ink = binary if border.mean() < 0.5 else 1 - binary  # the box's border is background
    columns = ink.sum(axis=0) > 0  # (w,) True where a column holds ink
    min_gap = max(2, int(word_gap * h))
    cuts, run_start = [], None
    for x, has_ink in enumerate(columns):
        if not has_ink and run_start is None:
            run_start = x
        elif has_ink and run_start is not None:
            if x - run_start >= min_gap and run_start > 0:
                cuts.append((run_start + x) // 2)
            run_start = None
    bounds = [0, *cuts, w]
    pad = max(1, h // 8)
    return [crop[:, max(0, a - pad) : min(w, b + pad)] for a, b in zip(bounds, bounds[1:])]


def _to_line(item: Any) -> TextLine:
    """One RapidOCR result, [4 corner points, text, score], as an axis-aligned TextLine."""
    corners = np.asarray(item[0], np.float32)  # (4, 2) x, y
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    box = (float(x0), float(y0), float(x1), float(y1))
    return TextLine(str(item[1]).strip(), box, float(item[2]))
