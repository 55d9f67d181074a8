"""The grammar of time phrases: each form reads one kind of phrase from timewords' tokens.

_at on "around 5:37"            -> TimeRef(322.0, 352.0, at=337.0)
_minutes_in on "about 5 minutes in" -> TimeRef(270.0, 360.0)
_edge on "in the last 30 seconds"   -> TimeRef(now - 30, now)

A phrase is an optional lead ("at", "around", "about", "roughly", "near" ...) and
one of the forms in `FORMS`, over numbers in digits or words, durations ("5 minutes",
"1h02m", "an hour and a half") and clock times ("5:37"). timeref.py finds the phrases
of a question and reads its time reference from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from streamer.timewords import Token, clock, duration, number, ordinal, unit, word

NOW_SPAN = 10.0  # seconds that "now" / "right now" / "currently" cover
JUST_NOW_SPAN = 30.0  # seconds that "just now" / "a moment ago" cover
START_SPAN = 30.0  # seconds that "at the start" / "at the beginning" cover
ABOUT_SPAN = 30.0  # seconds a hedged or whole-minute moment covers ("around 5:37", "minute 3")
MINUTE_SPAN = 60.0  # seconds after "about 3 minutes in" it covers (ABOUT_SPAN before it)
MOMENT_HALF = 2.0  # seconds either side of a moment named to the second: "at 0:40" is 0:38-0:42
PART_SHARE = 0.1  # share of the stream so far that "near the start" / "towards the end" cover
MIDDLE_SHARE = 0.2  # share of the stream so far, centred, that "in the middle" covers

HEDGES: tuple[str, ...] = ("around", "about", "roughly", "approximately", "approx", "near")
HEDGES += ("nearly", "almost", "circa", "some", "somewhere")
LENGTH_WORDS = ("for", "lasted", "lasting", "took", "long", "longer", "stayed")
MEDIA = ("video", "stream", "clip", "recording", "footage", "film")

Window = tuple[float, float]


@dataclass(frozen=True)
class TimeRef:
    """The stream time a question refers to: the window [lo, hi], and the one moment `at`
    when it names one ("at 0:40": 40.0, within the window); seconds of stream time."""

    lo: float
    hi: float
    at: float | None = None

    @property
    def window(self) -> Window:
        return (self.lo, self.hi)


def moment(t: float, precision: float = 1.0, hedged: bool = False) -> TimeRef:
    """The one definition of how wide a named moment is: "at 0:40" is 0:38-0:42; a hedged one
    ("around 0:40") or one named to the minute ("at minute 3") is ABOUT_SPAN wide."""
    half = ABOUT_SPAN / 2 if hedged or precision >= 60.0 else MOMENT_HALF
    return TimeRef(t - half, t + half, t)


# The grammar. Each form reads tokens from position i and returns the time it names
# (before clipping to [0, now]) and the position after it, or None.
Form = Callable[[list[Token], int, float], "tuple[TimeRef, int] | None"]


def _hedge(toks: list[Token], i: int) -> int | None:
    """'around', 'about', 'close to', 'somewhere around' ... -> the position after it."""
    j = word(toks, i, *HEDGES)
    if j is not None:
        return word(toks, j, "around", "about") or j  # "somewhere around"
    j = word(toks, i, "close", "closer")
    return word(toks, j, "to") if j is not None else None


def _lead(toks: list[Token], i: int) -> tuple[int, bool]:
    """An optional 'at' / hedge before a moment: the position after it, whether hedged."""
    j = _hedge(toks, i)
    if j is not None:
        return j, True
    return word(toks, i, "at") or i, False


def _media(toks: list[Token], i: int) -> int:
    """After an optional 'the video' / 'of the clip' / 'into the recording' at i."""
    j = word(toks, i, "of", "in", "into") or i
    k = word(toks, j, "the", "this") or j
    return word(toks, k, *MEDIA) or i


def _point(toks: list[Token], i: int) -> tuple[float, float, int] | None:
    """A moment as (seconds, precision in seconds, position after): '5:37', 'minute 3',
    '90 seconds', '1h02m'."""
    c = clock(toks, i)
    if c is not None:
        return c[0], 1.0, c[1]
    j = word(toks, i, "minute")
    n = number(toks, j) if j is not None else None
    if n is not None:
        return 60.0 * n[0], 60.0, n[1]
    d = duration(toks, i)
    return (d[0].seconds, d[0].precision, d[1]) if d is not None else None


def _mark(toks: list[Token], i: int) -> tuple[float, float, int] | None:
    """'the 5-minute mark', 'the two minute mark', 'the 2:30 mark' (seconds, precision, after)."""
    j = word(toks, i, "the") or i
    p = _point(toks, j)
    k = word(toks, p[2], "mark", "point") if p is not None else None
    return (p[0], p[1], k) if p is not None and k is not None else None


def _between(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'between 2:00 and 3:00', 'from 1:00 to 2:00', 'between 2 and 3 minutes in'."""
    j = word(toks, i, "between", "from")
    if j is None:
        return None
    a = _point(toks, j) or _bare(toks, j)
    k = word(toks, a[2], "and", "to", "until", "till") if a is not None else None
    b = _point(toks, k) if k is not None else None
    if a is None or b is None:
        return None
    lo = a[0] * b[1] if a[1] == 0.0 else a[0]  # "between 2 and 3 minutes": minutes both
    end = word(toks, b[2], "in", "into") or b[2]
    return TimeRef(min(lo, b[0]), min(max(lo, b[0]), now)), _media(toks, end)


def _bare(toks: list[Token], i: int) -> tuple[float, float, int] | None:
    """A number with no unit, its unit to come ('between 2 and 3 minutes'): precision 0."""
    n = number(toks, i)
    return (n[0], 0.0, n[1]) if n is not None else None


def _edge(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'in the first 10 minutes', 'the opening minute', 'over the past hour', 'the last 30 s'."""
    j = word(toks, i, "in", "during", "within", "over", "for") or i
    j = word(toks, j, "the") or j
    k = word(toks, j, "first", "opening", "last", "past", "previous", "final", "preceding")
    if k is None:
        return None
    d = duration(toks, k)
    u = unit(toks, k) if d is None else None
    if d is None and u is None:
        return None
    length, end = (d[0].seconds, d[1]) if d is not None else (u[0], u[1]) if u else (0.0, k)
    end = _media(toks, end)
    if toks[j].text in ("first", "opening"):
        return TimeRef(0.0, min(now, length)), end
    return TimeRef(max(0.0, now - length), now), end


def _ago(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'2 minutes ago', 'about a minute ago', 'a moment ago', 'a little while ago'."""
    j, _ = _lead(toks, i)
    d = duration(toks, j)
    if d is not None:
        k = word(toks, d[1], "ago", "back", "before")
        if k is None or (toks[k - 1].text == "before" and word(toks, k, "now") is None):
            return None
        t = now - d[0].seconds
        return TimeRef(t - JUST_NOW_SPAN / 2, t + JUST_NOW_SPAN / 2), (word(toks, k, "now") or k)
    a = word(toks, i, "a")
    b = word(toks, a, "little", "short") or a if a is not None else None
    c = word(toks, b, "moment", "while", "bit", "second") if b is not None else None
    end = word(toks, c, "ago") if c is not None else None
    return (TimeRef(now - JUST_NOW_SPAN, now), end) if end is not None else None


def _nth_minute(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'in the tenth minute', 'during the 3rd minute', 'in minute 10': that whole minute."""
    j = word(toks, i, "in", "during", "within")
    k = word(toks, j if j is not None else i, "the")
    n = ordinal(toks, k) if k is not None else None
    if n is not None and word(toks, n[1], "minute") is not None:
        return TimeRef(60.0 * (n[0] - 1), 60.0 * n[0]), _media(toks, n[1] + 1)
    m = word(toks, j, "minute") if j is not None else None
    c = number(toks, m) if m is not None else None
    if c is None:
        return None
    return TimeRef(60.0 * (c[0] - 1), 60.0 * c[0]), _media(toks, c[1])


def _minutes_in(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'about 5 minutes in', 'twenty-one minutes into the video', '30 seconds in'."""
    j, _ = _lead(toks, i)
    d = duration(toks, j)
    k = word(toks, d[1], "in", "into") if d is not None else None
    if d is None or k is None or word(toks, k, "total", "all", "a", "length", "row") is not None:
        return None
    t = d[0].seconds
    if d[0].precision >= 60.0:
        # people count whole minutes, rounding down or up: a sentence at 5:37 is
        # "about 5 minutes in" and "about 6 minutes in" alike
        return TimeRef(t - ABOUT_SPAN, t + MINUTE_SPAN), max(k, _media(toks, k - 1))
    return TimeRef(t - ABOUT_SPAN / 2, t + ABOUT_SPAN / 2), max(k, _media(toks, k - 1))


def _at_mark(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'at the 5 minute mark', 'near the two-minute mark', 'the 2:30 mark'."""
    j, hedged = _lead(toks, i)
    m = _mark(toks, j)
    return (moment(m[0], m[1], hedged), _media(toks, m[2])) if m is not None else None


def _at(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'at 5:37', 'around 5:37', 'at minute 7', 'at 90 seconds', 'at 1h02m', 'around 1'."""
    j, hedged = _lead(toks, i)
    if j == i or (i > 0 and toks[i - 1].text in LENGTH_WORDS):
        return None  # "for about 5 minutes" is a length, not a time
    j = word(toks, j, "the") or j
    p = _point(toks, j)
    if p is not None and word(toks, p[2], *LENGTH_WORDS) is None:
        return moment(p[0], p[1], hedged), _media(toks, p[2])
    # "what was said about 7?" asks about the number 7: "about" and "some" lead a bare number
    # as the topic, the other hedges as a time
    n = number(toks, j) if hedged and toks[i].text not in ("about", "some") else None
    if n is None or (n[1] < len(toks) and toks[n[1]].kind in ("word", "number", "clock")):
        return None  # "around 5 people": a number of things, not a time
    # "around 1": a bare number names minutes when the stream has reached them, else seconds
    scale = 60.0 if 60.0 * n[0] <= now else 1.0
    return moment(scale * n[0], scale, True), n[1]


def _side(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'before 2:00', 'after minute 3', 'since the 5-minute mark', 'until 1:30', 'earlier
    than 2:00'; 'before X' that names no time is an anchor (question.py), not read here."""
    j = word(toks, i, "before", "after", "since", "until", "till")
    if j is None:
        k = word(toks, i, "earlier", "later")
        j = word(toks, k, "than") if k is not None else None
    if j is None:
        return None
    p = _mark(toks, j) or _point(toks, word(toks, j, "the") or j)
    if p is None:
        return None
    if toks[i].text in ("after", "since", "later"):
        return TimeRef(p[0], now), _media(toks, p[2])
    return TimeRef(0.0, p[0]), _media(toks, p[2])


def _relative(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'just now', 'recently', 'now', 'currently', 'at the moment', 'earlier'."""
    j = word(toks, i, "just")
    k = word(toks, j, "now") if j is not None else word(toks, i, "recently", "lately")
    if k is not None:
        return TimeRef(now - JUST_NOW_SPAN, now), k
    j = word(toks, i, "right") or i
    k = word(toks, j, "now", "currently")
    if k is None:
        a = word(toks, i, "at")
        b = word(toks, a, "the", "this", "present") if a is not None else None
        k = word(toks, b, "moment") if b is not None and toks[b - 1].text != "present" else b
    if k is not None:
        return TimeRef(now - NOW_SPAN, now), k
    k = word(toks, i, "earlier", "previously")
    if k is not None and word(toks, k, "than") is None:
        return TimeRef(0.0, now - NOW_SPAN), word(toks, k, "on") or k
    return None


def _part(toks: list[Token], i: int, now: float) -> tuple[TimeRef, int] | None:
    """'at the start', 'at first', 'near the end', 'towards the end of the video', 'in the
    middle' (not 'in the middle of the frame'), 'halfway through'."""
    k = word(toks, word(toks, i, "at") or i, "first")
    if k is not None and toks[i].text == "at":  # "at first"; "the first thing" is an nth
        return TimeRef(0.0, START_SPAN), k
    j = word(toks, i, "near", "towards", "toward", "around", "by", "at", "in", "nearer")
    if j is None:
        j = _hedge(toks, i)
    e = word(toks, j, "the") if j is not None else None
    e = word(toks, e, "very") or e if e is not None else None
    k = word(toks, e, "start", "beginning", "end", "middle") if e is not None else None
    span = max(START_SPAN, PART_SHARE * now)
    if k is not None and toks[k - 1].text != "middle":
        exact = toks[i].text in ("at", "in") and toks[k - 1].text != "end"
        ref = TimeRef(0.0, START_SPAN if exact else span)
        return (TimeRef(now - span, now) if toks[k - 1].text == "end" else ref), _media(toks, k)
    if k is None:
        k = word(toks, i, "halfway", "midway")
        k = word(toks, k, "through") or k if k is not None else None
    elif re.match(r"of (?:the |this )?(?:frame|screen|picture|image|room|road)", _rest(toks, k)):
        return None  # a place, not a time
    if k is None:
        return None
    half = max(START_SPAN, MIDDLE_SHARE * now) / 2
    return TimeRef(now / 2 - half, now / 2 + half), _media(toks, k)


def _rest(toks: list[Token], i: int) -> str:
    return " ".join(t.text for t in toks[i : i + 4])


# Tried in this order at each position; the first that reads a phrase there wins.
FORMS: tuple[Form, ...] = (
    _between,
    _edge,
    _ago,
    _nth_minute,
    _minutes_in,
    _at_mark,
    _at,
    _side,
    _relative,
    _part,
)

VAGUE = (_relative, _part)  # "now", "earlier", "near the end": a named time ("at 0:30") goes first
