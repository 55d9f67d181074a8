"""The text timeline with the real MiniLM embedder."""

from __future__ import annotations

import pytest

from streamer.memory.timeline import Timeline
from streamer.modelset import load_models
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS as EVENTS


@pytest.fixture(scope="module")
def embedder():
    return load_models(ocr=False, speech=False).embedder


@pytest.fixture
def timeline(embedder):
    tl = Timeline(embedder.embed, embedder.dim)
    for e in EVENTS:
        tl.add(e)
    return tl


@pytest.mark.parametrize(
    "window, expected",
    [
        ((0.0, 60.0), [0, 1, 2, 3]),  # "the first minute"
        ((104.0, 134.0), [5]),  # "the last 30 s" at 2:14
        ((60.0, 120.0), [4]),  # "between 1:00 and 2:00"
        ((6.0, 8.0), [0, 1]),  # touching spans count
        ((24.0, 69.0), []),
    ],
)
def test_window_returns_exactly_the_events_inside(timeline, window, expected):
    assert timeline.window(*window) == [EVENTS[i] for i in expected]


def test_similarity_finds_a_paraphrase(timeline):
    hits = timeline.search("a truck showed up at the gate on the north side", k=2)
    assert hits[0].event == EVENTS[1]
    hits = timeline.search("how much money is planned for next year", k=1)
    assert hits[0].event in (EVENTS[2], EVENTS[3])


def test_similarity_within_a_window(timeline):
    hits = timeline.search("money for next year", k=3, window=(0.0, 16.0))
    assert [h.event for h in hits][0] == EVENTS[2]
    assert all(h.event.start <= 16.0 for h in hits)
    speech = timeline.search("money", k=5, kinds=["speech"])
    assert {h.event.kind for h in speech} == {"speech"}


def test_identical_screens_merge_into_one_event(embedder):
    tl = Timeline(embedder.embed, embedder.dim)
    for t in range(10):  # the same card read once a second for 10 s
        tl.add(
            TextEvent(
                "ocr",
                "GATE 7  closes at noon" if t % 2 else "GATE 7 CLOSES AT NOON",
                float(t),
                t + 1.0,
            )
        )
    tl.add(TextEvent("speech", "hello", 10.0, 11.0))
    tl.add(TextEvent("ocr", "GATE 7 CLOSES AT NOON", 11.0, 12.0))  # after a gap of 1 s: same
    tl.add(TextEvent("ocr", "GATE 7 CLOSES AT NOON", 30.0, 31.0))  # much later: a new event
    ocr = [e for e in tl.events if e.kind == "ocr"]
    assert [(e.start, e.end) for e in ocr] == [(0.0, 12.0), (30.0, 31.0)]


def test_save_load_round_trip(timeline, embedder, tmp_path):
    timeline.save(tmp_path)
    back = Timeline.load(tmp_path, embedder.embed, embedder.dim)
    assert back.events == timeline.events
    q = "what did she say about the budget"
    assert [h.event for h in back.search(q, k=3)] == [h.event for h in timeline.search(q, k=3)]
