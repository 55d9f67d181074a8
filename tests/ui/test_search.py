"""The timeline search box on the demo clip: the answers' ranking, cut where matches turn to noise.

`Session.search` ranks the timeline as an answer ranks its evidence (meaning, word
forms and paraphrases, the numbered things named: reasoning/evidence.py); the box
shows the head of that ranking. The clip's cards and sentences are in assets/demo.json.
"""

from __future__ import annotations

import pytest

from streamer.reasoning.evidence import FOUND
from ui.search import SEARCH_HITS, search_timeline


@pytest.mark.parametrize(
    "query, found, word",
    [
        ("closing gates", "GATE 7 CLOSES AT NOON", "gate"),  # other forms of the card's words
        ("platform 3", "PLATFORM 3 / TRAIN TO LYON 16:45", "platform"),
        ("meetings", "MEETING MOVED TO ROOM 214", "meeting"),  # the card and the sentence
    ],
)
def test_the_search_box_shows_the_head_of_the_answers_ranking(demo, query, found, word):
    ranked = demo.search(query)
    hits = search_timeline(demo, query)
    texts = [h.text for h in hits]
    assert found in texts and all(word in t.lower() for t in texts), texts
    assert hits == [s.event for s in ranked[: len(hits)]]  # the one ranking, its head
    assert all(s.relevance >= FOUND for s in ranked[: len(hits)])  # about the words
    assert len(hits) <= 3 < len(demo.timeline_events()) // 4  # the matches, not everything


def test_a_numbered_thing_is_not_another_of_its_kind(demo):
    """'room 300' is no room the clip names: the room 214 card ranks below its words' share."""
    (room,) = [s for s in demo.search("meeting room 214") if "ROOM 214" in s.event.text]
    (other,) = [s for s in demo.search("meeting room 300") if "ROOM 214" in s.event.text]
    assert other.relevance < room.relevance * 0.75


def test_an_empty_search_finds_nothing(demo):
    assert demo.search("") == [] and search_timeline(demo, "   ") == []
    assert len(search_timeline(demo, "the", k=SEARCH_HITS)) <= SEARCH_HITS
