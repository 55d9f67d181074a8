"""The timeline search box: the best matches for a few words, not the whole timeline.

The events are ranked as an answer ranks its evidence (`Session.search`: meaning
and wording, paraphrases, the kinds and numbered things the words name), and the
list stops where matches turn to noise: the events about the words when some are,
else those close in meaning to them, within SEARCH_MARGIN of the best.
"""

from __future__ import annotations

from streamer.reasoning.evidence import FOUND, MEANING_WEIGHT
from streamer.session import Session
from streamer.types import TextEvent

SEARCH_HITS = 10  # timeline search: the best matches shown
# Relevance (0..1, reasoning/evidence.py) of an event that shares no word with the query is
# MEANING_WEIGHT x cosine: under a cosine of 0.35 (MiniLM gives short upper-case OCR lines
# 0.2-0.4 to almost any word) it is noise, as is one 0.1 of cosine below the best match.
SEARCH_MIN_RELEVANCE = MEANING_WEIGHT * 0.35
SEARCH_MARGIN = MEANING_WEIGHT * 0.1


def search_timeline(session: Session, text: str, k: int = SEARCH_HITS) -> list[TextEvent]:
    """The events that match `text`, best first, cut off where matches turn to noise.

    When some events are about the query (relevance FOUND or more, as an answer
    counts them), those are the matches; otherwise the events closest in meaning,
    within SEARCH_MARGIN of the best one.
    """
    hits = sorted(session.search(text), key=lambda h: -h.relevance)
    about = [h for h in hits if h.relevance >= FOUND]
    if not about:
        best = hits[0].relevance if hits else 0.0
        about = [h for h in hits if h.relevance >= max(SEARCH_MIN_RELEVANCE, best - SEARCH_MARGIN)]
    return [h.event for h in about[:k]]
