"""The words of time phrases: tokens, numbers, durations and clock times (timeref.py's lexicon).

tokens("about twenty-one minutes in")  -> about, twenty, one, minutes, in (with their spans)
number(toks, 0) on "twenty one ..."     -> (21.0, 2)
duration(toks, 0) on "1h02m"            -> Amount(3720.0, precision=60.0), 1
duration(toks, 0) on "an hour and a half" -> Amount(5400.0, precision=60.0), 5

Each reader takes the token list and a position and returns what it read with the
position after it, or None: the phrases of timeref.py are built from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0}
UNITS |= {"h": 3600.0, "hr": 3600.0, "hour": 3600.0}
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
ONES += " fifteen sixteen seventeen eighteen nineteen"
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
TENS |= {"eighty": 80, "ninety": 90}
SMALL = {w: i for i, w in enumerate(ONES.split())}
ORDINAL_ONES = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
ORDINAL_ONES += " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
ORDINAL_SMALL = {w: i + 1 for i, w in enumerate(ORDINAL_ONES.split())}
ORDINAL_TENS = {w[:-1] + "ieth": n for w, n in TENS.items()}  # "twentieth"
FEW = {"few": 3.0, "couple": 2.0}  # "a few minutes ago": three; "a couple of minutes": two

# A clock time (5:37, 1:02:03); a compact duration (1h02m, 90s, 5min, 2m30s); a number
# (5, 5.5); a word (hyphens split: "twenty-one", "5-minute"); any other mark on its own.
_TOKEN = re.compile(
    r"(?P<clock>\d+:\d{2}(?::\d{2})?)(?![\d:])"
    r"|(?P<compact>(?:\d+(?:\.\d+)?(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)){1,3})\b"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<word>[a-z]+)"
    r"|(?P<mark>[^\sa-z\d-])"
)
_COMPACT_PART = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")


@dataclass(frozen=True)
class Token:
    text: str
    kind: str  # "clock" | "compact" | "number" | "word" | "mark"
    start: int  # its span in the text it was read from
    end: int


@dataclass(frozen=True)
class Amount:
    """A length of time, and the smallest unit it was said in ("5 minutes": 60 s)."""

    seconds: float
    precision: float


def tokens(text: str) -> list[Token]:
    """The tokens of lower-case `text`, with their spans."""
    return [Token(m.group(0), str(m.lastgroup), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def word(toks: list[Token], i: int, *words: str) -> int | None:
    """The position after token i when it is one of `words`, else None."""
    return i + 1 if i < len(toks) and toks[i].kind == "word" and toks[i].text in words else None


def unit(toks: list[Token], i: int) -> tuple[float, int] | None:
    """Seconds in the unit word at i ('minutes' -> 60.0)."""
    if i >= len(toks) or toks[i].kind != "word":
        return None
    w = toks[i].text
    w = w[:-1] if w.endswith("s") and len(w) > 2 else w  # "mins", "hrs", "seconds"; not "s"
    return (UNITS[w], i + 1) if w in UNITS else None


def number(toks: list[Token], i: int) -> tuple[float, int] | None:
    """A number in digits or words: '5', '5.5', 'five', 'twenty-one', 'twenty one'."""
    if i >= len(toks):
        return None
    t = toks[i]
    if t.kind == "number":
        return float(t.text), i + 1
    if t.kind != "word":
        return None
    if t.text in SMALL:
        return float(SMALL[t.text]), i + 1
    if t.text in TENS:
        j = i + 1
        if j < len(toks) and toks[j].kind == "word" and 0 < SMALL.get(toks[j].text, 0) < 10:
            return float(TENS[t.text] + SMALL[toks[j].text]), j + 1
        return float(TENS[t.text]), j
    return None


def ordinal(toks: list[Token], i: int) -> tuple[int, int] | None:
    """An ordinal: '3rd', 'tenth', 'twenty-first', 'thirtieth'."""
    if i >= len(toks):
        return None
    t = toks[i]
    if t.kind == "number" and t.text.isdigit() and i + 1 < len(toks):
        suffix = toks[i + 1]  # "3rd" is read as 3 and "rd"
        if suffix.start == t.end and suffix.text in ("st", "nd", "rd", "th"):
            return int(t.text), i + 2
    if t.text in ORDINAL_SMALL:
        return ORDINAL_SMALL[t.text], i + 1
    if t.text in ORDINAL_TENS:
        return ORDINAL_TENS[t.text], i + 1
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    if t.text in TENS and nxt in ORDINAL_SMALL and ORDINAL_SMALL[nxt] < 10:
        return TENS[t.text] + ORDINAL_SMALL[nxt], i + 2
    return None


def _half(toks: list[Token], i: int) -> int | None:
    """The position after 'and a half' / 'and half' at i."""
    j = word(toks, i, "and")
    j = word(toks, j, "a") or j if j is not None else None
    return word(toks, j, "half") if j is not None else None


def _count(toks: list[Token], i: int) -> tuple[float, int] | None:
    """How many of a unit: a number, 'a'/'an' (one), 'a few', 'a couple of', 'half a'."""
    n = number(toks, i)
    if n is not None:
        value, j = n
        after = _half(toks, j)
        return (value + 0.5, after) if after is not None and unit(toks, after) else n
    article = word(toks, i, "a", "an")
    k = article if article is not None else i
    if k < len(toks) and toks[k].text in FEW:  # "a few", "a couple of", "few"
        return FEW[toks[k].text], word(toks, k + 1, "of") or k + 1
    if article is not None:
        return 1.0, article
    half = word(toks, i, "half")
    if half is not None:
        return 0.5, word(toks, half, "a", "an") or half
    return None


def duration(toks: list[Token], i: int) -> tuple[Amount, int] | None:
    """A length of time: '5 minutes', 'twenty-one seconds', '1h02m', 'a minute and a half',
    '2 minutes and 10 seconds', 'half an hour', 'a few minutes'."""
    if i < len(toks) and toks[i].kind == "compact":
        parts = _COMPACT_PART.findall(toks[i].text)
        scales = [UNITS[u if u in UNITS else u.rstrip("s")] for _, u in parts]
        total = sum(float(n) * s for (n, _), s in zip(parts, scales, strict=True))
        return Amount(total, min(scales)), i + 1
    total, precision, j = 0.0, 0.0, i
    while True:
        c = _count(toks, j)
        u = unit(toks, c[1]) if c is not None else None
        if c is None or u is None:
            break
        total, precision, j = total + c[0] * u[0], u[0], u[1]
        half = _half(toks, j)
        if half is not None:  # "a minute and a half"
            total, j = total + 0.5 * u[0], half
        nxt = word(toks, j, "and") or j
        if not (nxt < len(toks) and (number(toks, nxt) or toks[nxt].text in ("a", "an"))):
            break
        if duration(toks, nxt) is None:
            break
        j = nxt
    return (Amount(total, precision), j) if j > i else None


def clock(toks: list[Token], i: int) -> tuple[float, int] | None:
    """A clock time read as stream time: '5:37' -> 337.0, '1:02:03' -> 3723.0."""
    if i >= len(toks) or toks[i].kind != "clock":
        return None
    seconds = 0.0
    for part in toks[i].text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, i + 1
