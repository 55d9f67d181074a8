"""What the timeline clearly decides (streamer/reasoning/found.py), on the hand-built
timeline with the real MiniLM embedder: the value an open answer must hold, and a reply
kept or replaced by it. The replies are token streams written here; the reference model
itself is in tests/models/vlm/test_reference.py and the synthetic stream's scores."""

from __future__ import annotations

import pytest

from streamer.memory.items import MemoryView
from streamer.reasoning.backend import Context, Grounds, Reply, TokenStream
from streamer.reasoning.found import found_value, held_to
from streamer.reasoning.question import parse_question
from streamer.types import Evidence
from tests.reasoning.conftest import NOW


def context(timeline) -> Context:  # type: ignore[no-untyped-def]
    return Context(timeline, MemoryView(items=(), tokens=0, frames_seen=0))


@pytest.mark.parametrize(
    ("question", "value", "moment"),
    [
        ("Where did the delivery van arrive?", "north entrance", 8.0),
        ("Which gate closes at noon?", "7", 3.0),
    ],
)
def test_a_value_heard_or_shown_is_found(timeline, question, value, moment) -> None:  # type: ignore[no-untyped-def]
    found = found_value(parse_question(question, NOW), context(timeline))
    assert found is not None
    assert found.value.lower() == value
    assert found.grounds.evidence[0].start == moment
    assert value in found.text.lower()


@pytest.mark.parametrize(
    "question",
    [
        "What did she say about the budget?",  # asks for the words: the model may quote them
        "What happened in the first minute?",  # a summary
        "Where is the giraffe?",  # nothing about it
    ],
)
def test_no_value_is_found_where_the_model_answers_alone(timeline, question) -> None:  # type: ignore[no-untyped-def]
    assert found_value(parse_question(question, NOW), context(timeline)) is None


def said(text: str) -> TokenStream:
    """A model's reply, a few characters a piece, with the frame it read as its grounds."""
    for i in range(0, len(text), 4):
        yield text[i : i + 4]
    return Grounds([Evidence(6.0, 6.0, "frame", "frame at 0:06", 1.0)])


def van(timeline):  # type: ignore[no-untyped-def]
    q = parse_question("Where did the delivery van arrive?", NOW)
    found = found_value(q, context(timeline))
    assert found is not None
    return found


def test_a_reply_that_holds_the_value_is_the_answer(timeline) -> None:  # type: ignore[no-untyped-def]
    found = van(timeline)
    reply = Reply(held_to(found, said("The van arrived at the North Entrance at 0:08.")))
    assert "".join(reply).strip() == "The van arrived at the North Entrance at 0:08."
    assert [e.kind for e in reply.grounds.evidence] == ["frame"]


def test_a_reply_that_misses_it_gives_way_to_the_found_answer(timeline) -> None:  # type: ignore[no-untyped-def]
    found = van(timeline)
    reply = Reply(held_to(found, said("The van arrived at the south gate.")))
    text = "".join(reply).strip()
    assert text == found.text and "north entrance" in text.lower()
    assert reply.grounds.evidence[0].kind == "speech"
