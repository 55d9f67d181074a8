"""The bundled demo clip replayed to its end, asked about as a user would (assets/demo.json)."""

from __future__ import annotations

import json
import re

import pytest

from streamer.reasoning.question import STOPWORDS
from streamer.timeref import format_clock
from tests.conftest import DEMO
from ui.search import search_timeline

FACTS = json.loads(DEMO.with_suffix(".json").read_text())


def test_a_time_of_day_in_the_question_is_looked_for_on_screen(demo):
    a = demo.ask("Which train leaves at 16:45?").result(60)
    assert "TRAIN TO LYON 16:45" in a.text and "0:40" in a.text, a.text
    assert a.evidence and a.evidence[0].kind == "ocr" and a.evidence[0].start == 40.0


def test_every_card_is_read(demo):
    ocr = [e for e in demo.timeline_events() if e.kind == "ocr"]
    for card in FACTS["cards"]:
        text = card["text"].replace("\n", " / ")
        assert any(e.text == text and card["start"] <= e.start < card["end"] for e in ocr), text


# Number words and digits are left out of the comparison ("forty thousand" is heard as "40,000").
NUMBER_WORDS = set("one two three four five ten fourteen forty thousand".split())


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.lower())
    return {w for w in words if w not in STOPWORDS and w not in NUMBER_WORDS}


def test_every_listed_fact_is_answered_by_the_default_backend(demo):
    for card in FACTS["cards"]:
        a = demo.ask(f"What did the screen say at {format_clock(card['start'] + 1)}?").result(60)
        assert card["text"].replace("\n", " / ") in a.text, (card, a.text)
    for shape in FACTS["shapes"]:
        at = format_clock(shape["start"] + 1)
        a = demo.ask(f"What colour was the {shape['kind']} at {at}?").result(60)
        assert shape["color_name"].upper() in a.text and shape["kind"].upper() in a.text, a.text
    for said in FACTS["speech"]:
        a = demo.ask(f"What was said at {format_clock(said['t'] + 1)}?").result(60)
        expected = content_words(said["text"])
        heard = expected & content_words(a.text)
        assert len(heard) >= 0.75 * len(expected), (said["text"], a.text)
        assert any(e.kind == "speech" and abs(e.start - said["t"]) < 1 for e in a.evidence)


@pytest.mark.parametrize(
    "query, found", [("budget", "BUDGET 2027"), ("exit", "EXIT ON THE LEFT"), ("room", "ROOM 214")]
)
def test_timeline_search_lists_the_matches_best_first_not_everything(demo, query, found):
    hits = search_timeline(demo, query)
    everything = demo.timeline_events()
    texts = [h.text for h in hits]
    assert any(found in t for t in texts), texts
    assert 1 <= len(hits) <= 3 < len(everything) // 4, texts  # the matches, not everything
    assert all(query in t.lower() for t in texts), texts
