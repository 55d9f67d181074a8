"""How answers are compared word by word: by the reasoning (does a phrased answer keep
the fact?) and by the evaluation (does an answer hold the gold words?).

    >>> words("The Gate closes at NINE, twice.")
    ['gate', 'closes', 'at', '9', '2']
    >>> has_run(words("it closes at 9 pm"), words("9 PM"))
    True
"""

from __future__ import annotations

import re

ARTICLES = frozenset({"a", "an", "the"})
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"once": "1", "twice": "2", "thrice": "3"}


def words(text: str) -> list[str]:
    """Lower-case words, articles dropped, number words as digits."""
    found = re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))
    return [NUMBER_WORDS.get(w, w) for w in found if w not in ARTICLES]


def has_run(have: list[str], run: list[str]) -> bool:
    """Whether the non-empty `run` of words appears, in order and together, in `have`."""
    n = len(run)
    return bool(run) and any(have[i : i + n] == run for i in range(len(have) - n + 1))
