"""The bundled demo clip replayed to its end, asked about as a user would (assets/demo.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from streamer.session import Session, SessionConfig
from tests.conftest import DEMO

FACTS = json.loads(DEMO.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def demo() -> Iterator[Session]:
    s = Session(SessionConfig(str(DEMO), pace="none")).start()
    try:
        s.run_until(None)
        yield s
    finally:
        s.stop()


def test_a_time_of_day_in_the_question_is_looked_for_on_screen(demo):
    a = demo.ask("Which train leaves at 16:45?").result(60)
    assert "TRAIN TO LYON 16:45" in a.text and "0:40" in a.text, a.text
    assert a.evidence and a.evidence[0].kind == "ocr" and a.evidence[0].start == 40.0


def test_every_card_is_read(demo):
    ocr = [e for e in demo.timeline_events() if e.kind == "ocr"]
    for card in FACTS["cards"]:
        text = card["text"].replace("\n", " / ")
        assert any(e.text == text and card["start"] <= e.start < card["end"] for e in ocr), text
