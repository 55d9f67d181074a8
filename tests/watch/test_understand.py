"""What a "tell me when …" sentence is understood to watch for, and what is not a watch."""

from __future__ import annotations

import pytest

from streamer.watch import asks_for_watches, stop_target, understand

CASES = [
    # (sentence, kind, words, labels, extra)
    ("tell me when someone mentions the budget", "speech", ("budget",), (), {}),
    ("let me know if anyone talks about the budget", "speech", ("budget",), (), {}),
    ("Notify me when someone says 'workshop moved'", "speech", ("workshop", "moved"), (), {}),
    ("alert me if the word Friday is mentioned", "speech", ("friday",), (), {}),
    ("tell me when someone speaks", "speech", (), (), {}),
    ("tell me when the sign says gate 7", "screen", ("gate", "7"), (), {}),
    ("tell me when EXIT appears on screen", "screen", ("exit",), (), {}),
    ("tell me when the sign changes", "screen_change", (), (), {}),
    ("let me know when the screen turns red", "colour", (), (), {"colour": "red"}),
    ("tell me when the scene changes", "scene", (), (), {}),
    ("alert me when a person enters", "appear", (), ("person",), {}),
    ("tell me when the delivery van arrives", "appear", (), ("car", "truck"), {}),
    ("alert me when a red car appears", "appear", (), ("car",), {"colour": "red"}),
    ("tell me when the person leaves", "leave", (), ("person",), {}),
    ("let me know if there are more than 2 cars", "count", (), ("car",), {"at_least": 3}),
    ("tell me when there are at least three people", "count", (), ("person",), {"at_least": 3}),
    ("tell me if there are fewer than 2 people", "count", (), ("person",), {"at_most": 1}),
    ("watch for the door opening", "mention", ("door", "opening"), (), {}),
]


@pytest.mark.parametrize("text,kind,words,labels,extra", CASES, ids=[c[0] for c in CASES])
def test_a_watch_is_understood(text, kind, words, labels, extra):
    c = understand(text)
    assert c is not None
    assert (c.kind, c.words, tuple(sorted(c.labels))) == (kind, words, labels)
    for field, value in extra.items():
        assert getattr(c, field) == value
    assert c.describe() and "{" not in c.describe()


@pytest.mark.parametrize(
    "text",
    [
        "What did she say about the budget?",
        "When did the delivery van arrive?",
        "How many people are there?",
        "tell me about the budget",  # a question, not a standing one
        "",
    ],
)
def test_questions_are_not_watches(text):
    assert understand(text) is None


def test_with_a_vision_language_model_what_no_event_shows_is_looked_for():
    c = understand("tell me when the door opens", can_look=True)
    assert c is not None and c.kind == "look" and c.phrase == "the door opens"
    assert "vision-language model" in c.describe()


def test_descriptions_say_what_is_watched_in_words():
    assert understand("tell me when the delivery van arrives").describe() == (
        "a car or truck coming into view"
    )
    assert understand("tell me when someone mentions the budget").describe() == (
        'someone saying "budget"'
    )
    assert understand("let me know if there are more than 2 cars").describe() == (
        "3 or more cars in view at once"
    )


def test_stop_and_list_phrases():
    assert stop_target("stop watching for the budget") == "the budget"
    assert stop_target("Stop watching") == ""
    assert stop_target("what did she say?") is None
    assert asks_for_watches("What are you watching for?")
    assert asks_for_watches("list watches")
    assert not asks_for_watches("What are you doing?")
