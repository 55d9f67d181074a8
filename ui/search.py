"""The timeline search box: the best matches for a few words, not the whole timeline.

Similarity alone ranks every event (MiniLM gives short upper-case OCR lines a
cosine of 0.2-0.4 to almost any word), so an event that shares a word with the
query comes first, and the list stops where matches turn to noise.
"""

from __future__ import annotations

import re

from streamer.reasoning.question import STOPWORDS
from streamer.session import Session
from streamer.types import TextEvent

SEARCH_HITS = 10  # timeline search: the best matches shown
SEARCH_MIN_SCORE = 0.35  # cosine (MiniLM) under which a match without a shared word is noise
SEARCH_MARGIN = 0.1  # ... as is one this far below the best match
SEARCH_STRONG = 0.6  # a match this close in meaning is kept beside the word matches


def search_timeline(session: Session, text: str, k: int = SEARCH_HITS) -> list[TextEvent]:
    """The events that match `text`, best first, cut off where matches turn to noise.

    When some events share a word with the query, those are the matches (with
    any event very close in meaning); otherwise the events close in meaning to
    it, within SEARCH_MARGIN of the best one.
    """
    words = _words(text)
    hits = [(e, score, bool(words & _words(e.text))) for e, score in session.timeline_matches(text)]
    if any(shared for _, _, shared in hits):
        kept = [(e, s, sh) for e, s, sh in hits if sh or s >= SEARCH_STRONG]
    else:
        best = max((s for _, s, _ in hits), default=0.0)
        floor = max(SEARCH_MIN_SCORE, best - SEARCH_MARGIN)
        kept = [h for h in hits if h[1] >= floor]
    kept.sort(key=lambda h: (not h[2], -h[1]))
    return [e for e, _, _ in kept[:k]]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS}
