"""Time references in plain words, resolved against the stream time of the question.

parse_window("what happened in the first minute?", now=300)  -> (0.0, 60.0)
parse_window("anything in the last 30 s?", now=300)          -> (270.0, 300.0)
parse_window("between 2:00 and 3:00", now=300)               -> (120.0, 180.0)
parse_window("what is on screen now?", now=300)              -> (290.0, 300.0)
parse_window("which train leaves at 16:45?", now=72)          -> None (a time of day, content)
parse_window("about 3 minutes in", now=600)                  -> (150.0, 240.0)
parse_window("in the tenth minute", now=900)                 -> (540.0, 600.0)
parse_window("towards the end", now=600)                     -> (540.0, 600.0)
"""

from __future__ import annotations

import re

NOW_SPAN = 10.0  # seconds that "now" / "right now" / "currently" cover
JUST_NOW_SPAN = 30.0  # seconds that "just now" / "a moment ago" cover
START_SPAN = 30.0  # seconds that "at the start" / "at the beginning" cover
ABOUT_SPAN = 30.0  # seconds that "at minute 3" covers, centred on the moment
MINUTE_SPAN = 60.0  # seconds after "about 3 minutes in" it covers (ABOUT_SPAN before it)
MOMENT_HALF = 2.0  # seconds either side of a named moment: "at 0:40" is 0:38-0:42
PART_SHARE = 0.1  # share of the stream so far that "near the start" / "towards the end" cover
MIDDLE_SHARE = 0.2  # share of the stream so far, centred, that "in the middle" covers

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "sixty": 60,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "fifteenth": 15,
    "twentieth": 20,
    "thirtieth": 30,
}
_ORDINAL = r"(\d+(?:st|nd|rd|th)|" + "|".join(_ORDINALS) + r")"
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b"
_CLOCK = r"(\d+:\d{2}(?::\d{2})?|\d+(?:\.\d+)?\s*(?:s|sec|seconds?)\b)"

# A clock time names a time of day (what the question is about), not a stream time, when it
# has am/pm, lies beyond the stream so far, or follows a verb of a timetable ("leaves at").
_TIME_OF_DAY = r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"
_MERIDIEM = r"\s*[ap]\.?m\b\.?"
_SCHEDULE_VERB = (
    r"\b(?:leaves?|leaving|departs?|departing|arrives?|arriving|closes?|closing|opens?|opening"
    r"|starts?|begins?|ends?|finishes|happens?|boards?|boarding|due|scheduled)\s+at\s+$"
)

Window = tuple[float, float]
# "about 3 minutes in", "3 min into the video", "at minute 3", "at the 3 minute mark"
_MINUTES_IN = (
    r"(?:(?:about|around|roughly|some)\s+)?" + _NUM + r"\s+" + _UNIT + r"\s+in(?:to)?\b"
    r"(?:\s+(?:the\s+)?(?:video|stream|clip|recording))?"
    r"|\b(?:at|around|about|roughly|near|by)\s+(?:the\s+)?"
    r"(?:minute\s+" + _NUM + r"|" + _NUM + r"[\s-]+minute\s+mark)\b"
)
# "in the tenth minute", "during the 3rd minute", "in minute 10"
_NTH_MINUTE = r"\b(?:in|during)\s+(?:the\s+" + _ORDINAL + r"\s+minute|minute\s+(\d+))\b"
_PARTS = (
    r"\b(?:near|towards?|close to|around|at|by)\s+the\s+(?:very\s+)?(?:start|beginning|end)\b"
    r"|\b(?:in|around|near)\s+the\s+middle\b(?!\s+of\s+the\s+(?:frame|screen|picture|image))"
    r"|\bhalfway(?:\s+through)?\b"
)


def parse_clock(text: str) -> float:
    """'1:02' -> 62.0, '1:02:03' -> 3723.0, '42 s' -> 42.0."""
    text = text.strip()
    if ":" in text:
        parts = [float(p) for p in text.split(":")]
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60 + p
        return seconds
    return float(re.sub(r"[^\d.]", "", text))


def format_clock(seconds: float) -> str:
    """62.4 -> '1:02', 3723 -> '1:02:03'."""
    s = int(max(0.0, seconds))
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _amount(num: str, unit: str) -> float:
    value = float(_WORDS.get(num, num) if not num.replace(".", "").isdigit() else num)
    return value * _UNITS[unit if unit == "s" else unit.rstrip("s")]


def _content_times(q: str, now: float) -> list[tuple[int, int]]:
    """Spans of the lower-case question `q` that are times of day, not stream times."""
    stream_pairs = [
        m.span()
        for m in re.finditer(r"between\s+" + _CLOCK + r"\s+and\s+" + _CLOCK, q)
        if min(parse_clock(m.group(1)), parse_clock(m.group(2))) <= now
        and not re.match(_MERIDIEM, q[m.end(1) :])
        and not re.match(_MERIDIEM, q[m.end(2) :])
    ]
    spans = []
    for m in re.finditer(_TIME_OF_DAY, q):
        if any(lo <= m.start() < hi for lo, hi in stream_pairs):
            continue
        if (
            re.match(_MERIDIEM, q[m.end() :])
            or parse_clock(m.group(0)) > now
            or re.search(_SCHEDULE_VERB, q[: m.start()])
        ):
            spans.append(m.span())
    return spans


def _stream_part(text: str, now: float) -> str:
    """`text` in lower case with its times of day made unreadable as stream times ('16 45')."""
    q = text.lower()
    for lo, hi in _content_times(q, now):
        q = q[:lo] + q[lo:hi].replace(":", " ") + q[hi:]  # same length: later spans still hold
    return q


def strip_time_phrases(text: str, now: float) -> str:
    """`text` without the stream-time references `parse_window` understands (at stream time
    `now`); times of day stay, as words to look for ('leaves at 16:45' -> 'leaves at 16 45')."""
    q = _stream_part(text, now)
    for pat in (
        r"between\s+" + _CLOCK + r"\s+and\s+" + _CLOCK,
        r"(?:in\s+)?(?:the\s+)?(?:first|opening|last|past|previous)\s+(?:"
        + _NUM
        + r"\s+)?"
        + _UNIT,
        _NUM + r"\s+" + _UNIT + r"\s+ago",
        r"\bat\s+" + _CLOCK,
        _MINUTES_IN,
        _NTH_MINUTE,
        _PARTS,
    ):
        q = re.sub(pat, " ", q)
    return q


def parse_window(text: str, now: float) -> Window | None:
    """The stream-time window a question asked at `now` refers to, or None if it names none.

    The window lies within [0, now]: a time not yet streamed ("at 500 s", asked at 100 s)
    is the empty window at `now`, where nothing has been seen yet.
    """
    now = max(0.0, now)
    window = _named_window(_stream_part(text, now), now)
    if window is None:
        return None
    start = min(max(0.0, window[0]), now)
    return (start, min(max(start, window[1]), now))


def _named_window(q: str, now: float) -> Window | None:
    """The window the lower-case question `q` names, before it is clipped to [0, now]."""
    m = re.search(r"between\s+" + _CLOCK + r"\s+and\s+" + _CLOCK, q)
    if m:
        a, b = parse_clock(m.group(1)), parse_clock(m.group(2))
        return (min(a, b), min(max(a, b), now))
    m = re.search(r"(?:first|opening)\s+(?:" + _NUM + r"\s+)?" + _UNIT, q)
    if m:
        return (0.0, min(now, _amount(m.group(1) or "1", m.group(2))))
    m = re.search(r"(?:last|past|previous)\s+(?:" + _NUM + r"\s+)?" + _UNIT, q)
    if m:
        return (max(0.0, now - _amount(m.group(1) or "1", m.group(2))), now)
    m = re.search(_NUM + r"\s+" + _UNIT + r"\s+ago", q)
    if m:
        t = now - _amount(m.group(1), m.group(2))
        return (max(0.0, t - JUST_NOW_SPAN / 2), max(0.0, min(now, t + JUST_NOW_SPAN / 2)))
    at = _clock_moment(q)
    if at is not None:
        return (max(0.0, at - MOMENT_HALF), min(now, at + MOMENT_HALF))
    window = _said_moment(q, now)
    if window is not None:
        return window
    if re.search(r"\b(just now|a moment ago|recently|a minute ago)\b", q):
        return (max(0.0, now - JUST_NOW_SPAN), now)
    if re.search(r"\b(right now|now|currently|at the moment|at this moment)\b", q):
        return (max(0.0, now - NOW_SPAN), now)
    if re.search(r"\b(at the (start|beginning)|in the beginning|first thing|at first)\b", q):
        return (0.0, min(now, START_SPAN))
    return None


def _clock_moment(q: str) -> float | None:
    m = re.search(r"\bat\s+" + _CLOCK, q)
    return parse_clock(m.group(1)) if m else None


def parse_moment(text: str, now: float) -> float | None:
    """The one stream time `text` names ("at 0:40" -> 40.0), or None when it names a span
    or no time; a time of day ("leaves at 16:45") is content, not a moment."""
    t = _clock_moment(_stream_part(text, now))
    return None if t is None else min(max(0.0, t), max(0.0, now))


def _ordinal(word: str) -> int:
    return _ORDINALS[word] if word in _ORDINALS else int(re.sub(r"\D", "", word))


def _said_moment(q: str, now: float) -> Window | None:
    """Moments said the way people say them: '3 minutes in', 'the tenth minute', 'the end'."""
    m = re.search(_MINUTES_IN, q)
    if m:
        if m.group(1) is not None:
            t = _amount(m.group(1), m.group(2))
            if _UNITS[m.group(2) if m.group(2) == "m" else m.group(2).rstrip("s")] == 60:
                # people count whole minutes, rounding down or up: a sentence at 5:37 is
                # "about 5 minutes in" and "about 6 minutes in" alike
                return (t - ABOUT_SPAN, t + MINUTE_SPAN)
        else:
            t = 60 * float(_WORDS.get(m.group(3) or m.group(4), m.group(3) or m.group(4)))
        return (t - ABOUT_SPAN / 2, t + ABOUT_SPAN / 2)
    m = re.search(_NTH_MINUTE, q)
    if m:
        n = _ordinal(m.group(1)) if m.group(1) else int(m.group(2))
        return (60.0 * (n - 1), 60.0 * n)
    m = re.search(_PARTS, q)
    if not m:
        return None
    part = m.group(0)
    span = max(START_SPAN, PART_SHARE * now)
    if "start" in part or "beginning" in part:
        return (0.0, span)
    if "end" in part:
        return (now - span, now)
    half = max(START_SPAN, MIDDLE_SHARE * now) / 2
    return (now / 2 - half, now / 2 + half)
