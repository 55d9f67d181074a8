"""RapidOCR on text cards drawn with OpenCV: every word on them is known."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from models.ocr import OcrConfig, RapidTextReader, word_crops
from models.protocols import TextReader

CARD_TEXT = "GATE 7 CLOSES AT NOON"


def text_card(lines: list[str], size: tuple[int, int] = (720, 1280)) -> np.ndarray:
    """Big white text on a dark blue background, as (H, W, 3) uint8 RGB; one line per 120 px."""
    image = np.zeros((*size, 3), np.uint8)
    image[:] = (20, 24, 60)  # RGB dark blue
    font, white = cv2.FONT_HERSHEY_SIMPLEX, (255, 255, 255)
    for i, line in enumerate(lines):
        cv2.putText(image, line, (60, 200 + 120 * i), font, 2.4, white, 5)
    return image


@pytest.fixture(scope="module")
def reader() -> RapidTextReader:
    r = RapidTextReader()
    r.load()
    return r


def test_reads_a_text_card(reader: RapidTextReader) -> None:
    assert isinstance(reader, TextReader)
    lines = reader.read(text_card([CARD_TEXT]))
    assert len(lines) == 1
    assert lines[0].text == CARD_TEXT  # words the recogniser runs together are split again
    x0, y0, x1, y1 = lines[0].box
    assert 40 <= x0 < 120 and 120 < y0 < 170 and 190 < y1 < 240 and x1 > 800  # around the text
    assert 0.8 < lines[0].confidence <= 1.0


def test_lines_come_top_to_bottom(reader: RapidTextReader) -> None:
    lines = reader.read(text_card(["PLATFORM 4", "DEPARTS 9:30"]))
    assert [ln.text for ln in lines] == ["PLATFORM 4", "DEPARTS 9:30"]


@pytest.mark.parametrize(
    "text", ["MEETING MOVED TO ROOM 214", "TRAIN TO LYON 16:45", "EXIT ON THE LEFT"]
)
def test_words_keep_their_spaces(reader: RapidTextReader, text: str) -> None:
    assert [ln.text for ln in reader.read(text_card([text]))] == [text]


def test_word_crops_split_at_word_gaps() -> None:
    card = text_card(["AB CD EF"], size=(200, 900))[:, :, ::-1]  # BGR, like RapidOCR
    line = np.ascontiguousarray(card[140:215, 40:600])
    assert len(word_crops(line, 0.25)) == 3


def test_blank_frame_has_no_text(reader: RapidTextReader) -> None:
    assert reader.read(np.full((360, 640, 3), 30, np.uint8)) == []


def test_min_confidence_filters_lines(reader: RapidTextReader) -> None:
    card = text_card([CARD_TEXT])
    (line,) = reader.read(card)  # read with confidence ~0.95
    assert RapidTextReader(OcrConfig(min_confidence=line.confidence + 0.01)).read(card) == []
    with pytest.raises(ValueError):
        OcrConfig(min_confidence=1.5)


@pytest.mark.parametrize(
    ("card", "lines"),
    [
        # the synthetic benchmark's cards (streamer/synth.py draws them): read "GATE55" whole
        ("GATE 55\nCLOSES AT 10 AM", ["GATE 55", "CLOSES AT 10 AM"]),
        ("GATE 49\nCLOSES AT 9 AM", ["GATE 49", "CLOSES AT 9 AM"]),
        ("A4 PAPER", ["A4 PAPER"]),  # no gap between A and 4: one token stays one
        ("B52", ["B52"]),
    ],
)
def test_a_letter_next_to_a_digit_is_split_only_at_a_glyph_gap(
    reader: RapidTextReader, card: str, lines: list[str]
) -> None:
    from streamer.synth import _draw_text

    image = np.zeros((360, 640, 3), np.uint8)
    image[:] = (20, 24, 60)
    _draw_text(image, card, (255, 255, 255))
    assert [ln.text for ln in reader.read(image)] == lines
