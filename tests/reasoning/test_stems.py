"""Word forms: the answers and the watches meet a word in any of its forms."""

from __future__ import annotations

import pytest

from streamer.reasoning.evidence import overlap
from streamer.reasoning.question import parse_question
from streamer.reasoning.stems import holds, stems


@pytest.mark.parametrize(
    ("asked", "text"),
    [
        ("watering", "Remember to water the plants on Friday."),
        ("boxes", "Put the box by the door."),
        ("cities", "The city council met."),
        ("budgets", "BUDGET 2027 40,000 EUROS"),
        ("closing", "GATE 7 CLOSES AT NOON"),
        ("arrived", "The van arrives at noon"),
    ],
)
def test_a_word_meets_its_other_forms(asked: str, text: str) -> None:
    assert holds([asked], text) and overlap([asked], text) == 1.0


def test_different_words_stay_apart() -> None:
    assert not holds(["water"], "We waited at the gate")
    assert overlap(["budget", "meeting"], "SALES MEETING IN ROOM 902") == 0.5
    assert stems("") == [] and not holds([], "anything")


def test_the_topic_keeps_the_words_as_asked() -> None:
    q = parse_question("What did she say about the cities?", 60.0)
    assert q.topic == "cities" and stems(q.topic) == stems("city")


@pytest.mark.parametrize(
    ("question", "nth"),
    [
        ("What did the first sign say?", 1),
        ("What was the last thing she said?", -1),
        ("What did the second sign say?", 2),
        ("What was said the second time the gate was shown?", 2),
        ("What did the latest sign say?", -1),
        ("What was said in the first minute?", None),
        ("What was shown in the last 30 seconds?", None),
        ("What happened in the second half?", None),
    ],
)
def test_which_one_a_question_asks_for(question: str, nth: int | None) -> None:
    assert parse_question(question, 600.0).nth == nth
