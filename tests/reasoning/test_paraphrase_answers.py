"""Answers found by paraphrase: the question's word is not in the timeline, its meaning is.

The hand-built timeline (tests/conftest.py) plus two sentences said later. The
answers' word matcher is the watches' one (reasoning/matcher.py); with word forms
alone the same questions find nothing, so the paraphrase is what answers them.
"""

from __future__ import annotations

import pytest

from streamer.reasoning import evidence
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.matcher import FORMS_ONLY
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS

NOT_SEEN = "I have not seen or heard anything about"
LATER = [
    TextEvent("speech", "The kids are playing in the garden.", 90.0, 92.5),
    TextEvent("speech", "The package is on the kitchen table.", 100.0, 102.4),
    TextEvent("speech", "Grandma fell asleep on the couch.", 110.0, 112.0),
]
NOW = 140.0
ASKED = [  # question, the start of the event the answer quotes (None: it finds nothing)
    ("Where are the children?", 90.0),
    ("Who fell asleep on the sofa?", 110.0),
    ("Where is the desk?", None),  # a kitchen table is not a desk
    ("When did someone mention a lorry?", None),  # nor is a delivery van a lorry
]


@pytest.fixture(scope="module")
def spoken(timeline_of):
    return timeline_of(*TIMELINE_EVENTS, *LATER)


@pytest.mark.parametrize(("question", "start"), ASKED)
def test_an_answer_found_by_paraphrase(reasoner, spoken, question, start) -> None:
    a = reasoner(ExtractiveBackend(), at=NOW, on=spoken).ask(question).result(30)
    assert a.error is None
    if start is None:
        assert a.text.startswith(NOT_SEEN), a.text
    else:
        (said,) = [e.text for e in LATER if e.start == start]
        assert said.rstrip(".") in a.text and a.evidence[0].start == start, a.text


def test_word_forms_alone_do_not_find_it(reasoner, spoken, monkeypatch) -> None:
    monkeypatch.setattr(evidence, "matcher", lambda embed: FORMS_ONLY)
    a = reasoner(ExtractiveBackend(), at=NOW, on=spoken).ask("Where are the children?").result(30)
    assert a.text.startswith(NOT_SEEN), a.text
