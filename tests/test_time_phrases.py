"""A generated table of time phrasings, each with the window it must name.

Templates x numbers (in digits and in words) x hedges, asked of a two-hour stream.
Each row's truth is computed here from the number it was built with, by the
rules the phrases follow (a moment to the second is 4 s wide, a hedged or
whole-minute one 30 s; "N minutes in" reaches 30 s before and 60 s after N:00),
never by the parser. Every phrase sits in a question whose topic must come out as
"secret word": no number of a time phrase is ever a topic word.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from streamer.reasoning.question import parse_question

NOW = 7200.0  # a two-hour stream
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
ONES += " fifteen sixteen seventeen eighteen nineteen"
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
NUMBERS = (1, 2, 5, 7, 12, 21, 30, 45, 59)
HEDGES = ("about", "around", "roughly", "approximately", "near")


def in_words(n: int, joiner: str = "-") -> str:
    """7 -> 'seven', 21 -> 'twenty-one' (or 'twenty one'), 30 -> 'thirty'."""
    if n < 20:
        return ONES.split()[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] + (joiner + ONES.split()[ones] if ones else "")


def spellings(n: int) -> list[str]:
    """The ways one number is written: digits, words, words with a space."""
    out = [str(n), in_words(n)]
    return out + ([in_words(n, " ")] if "-" in out[1] else [])


@dataclass(frozen=True)
class Row:
    phrase: str
    lo: float
    hi: float
    at: float | None = None


def _moments() -> Iterator[Row]:
    for n in NUMBERS:
        t = 60.0 * n
        for spelled in spellings(n):
            yield Row(f"{spelled} minutes in", t - 30, t + 60)
            yield Row(f"at minute {spelled}", t - 15, t + 15, t)
            yield Row(f"at the {spelled}-minute mark", t - 15, t + 15, t)
            yield Row(f"{spelled} minutes ago", NOW - t - 15, NOW - t + 15)
            yield Row(f"in the first {spelled} minutes", 0.0, t)
            yield Row(f"in the last {spelled} seconds", NOW - n, NOW)
            for hedge in HEDGES:
                yield Row(f"{hedge} {spelled} minutes in", t - 30, t + 60)
                yield Row(f"{hedge} minute {spelled}", t - 15, t + 15, t)
            bare = [h for h in HEDGES if h != "about"]  # "about 7" is the topic 7
            yield Row(f"{bare[len(spelled) % len(bare)]} {spelled}", t - 15, t + 15, t)


def _clocks() -> Iterator[Row]:
    for m, s in ((0, 40), (5, 37), (12, 5), (59, 59), (61, 2)):
        t = 60.0 * m + s
        clock = f"{m}:{s:02d}" if m < 60 else f"1:{m - 60:02d}:{s:02d}"
        yield Row(f"at {clock}", t - 2, t + 2, t)
        yield Row(f"before {clock}", 0.0, t)
        yield Row(f"after {clock}", t, NOW)
        for hedge in HEDGES:
            yield Row(f"{hedge} {clock}", t - 15, t + 15, t)
        compact = f"{m // 60}h{m % 60:02d}m{s:02d}s" if m >= 60 else f"{m}m{s:02d}s"
        yield Row(f"at {compact}", t - 2, t + 2, t)


def _spans() -> Iterator[Row]:
    for n in range(1, 13):
        word = ORDINALS.split()[n - 1]
        yield Row(f"in the {word} minute", 60.0 * (n - 1), 60.0 * n)
        yield Row(f"during minute {n}", 60.0 * (n - 1), 60.0 * n)
    for a, b in ((1, 2), (5, 9), (30, 45)):
        yield Row(f"between {a}:00 and {b}:00", 60.0 * a, 60.0 * b)
        yield Row(f"between {in_words(a)} and {in_words(b)} minutes in", 60.0 * a, 60.0 * b)
    yield Row("an hour and a half in", 5400.0 - 30, 5400.0 + 60)
    yield Row("half an hour ago", NOW - 1800 - 15, NOW - 1800 + 15)
    yield Row("a minute ago", NOW - 75, NOW - 45)
    yield Row("just now", NOW - 30, NOW)
    yield Row("a moment ago", NOW - 30, NOW)
    yield Row("earlier", 0.0, NOW - 10)
    yield Row("right now", NOW - 10, NOW)
    yield Row("at the start", 0.0, 30.0)
    yield Row("near the end", NOW - 720, NOW)


ROWS = [*_moments(), *_clocks(), *_spans()]


def test_the_table_is_large() -> None:
    assert len(ROWS) >= 200 and len({r.phrase for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r.phrase for r in ROWS])
def test_a_phrasing_names_its_window(row: Row) -> None:
    q = parse_question(f"Which secret word was said {row.phrase}?", NOW)
    assert q.time is not None, row.phrase
    assert (q.time.lo, q.time.hi, q.time.at) == pytest.approx((row.lo, row.hi, row.at))
    assert q.topic == "secret word", q.topic
