"""Word forms: one stem per word, so the answers and the watches match a word in any form.

The English Snowball stemmer (snowballstemmer, the Porter2 algorithm) folds
inflections on both sides of every match, question and timeline alike:

    >>> stems("Watering the cities' boxes")
    ['water', 'citi', 'box']
    >>> holds(["budgets"], "BUDGET 2027")
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer

from streamer.reasoning.question import terms

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)  # a few MB at most: the words of a long stream repeat
def stem(word: str) -> str:
    """'watering' -> 'water', 'boxes' -> 'box', 'cities' -> 'citi' (lower-case input)."""
    return str(_STEMMER.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of the content words of `text` (see `terms`), in order."""
    return [stem(w) for w in terms(text)]


def share(wanted: Sequence[str], text: str) -> float:
    """Share of the `wanted` words (content words, any form) found in `text`, 0..1."""
    if not wanted:
        return 0.0
    have = set(stems(text))
    return sum(1 for w in wanted if stem(w) in have) / len(wanted)


def holds(wanted: Sequence[str], text: str) -> bool:
    """Whether `text` holds every one of the non-empty `wanted` words, in any form."""
    return bool(wanted) and share(wanted, text) == 1.0
