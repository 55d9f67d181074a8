"""Time references in plain words, resolved against the stream time of the question.

parse_time("how many people were there at 0:40?", now=80)  -> TimeRef(38.0, 42.0, at=40.0)
parse_window("what happened in the first minute?", now=300)  -> (0.0, 60.0)
parse_window("anything in the last 30 s?", now=300)          -> (270.0, 300.0)
parse_window("between 2:00 and 3:00", now=300)               -> (120.0, 180.0)
parse_window("what is on screen now?", now=300)              -> (290.0, 300.0)
parse_window("which train leaves at 16:45?", now=72)          -> None (a time of day, content)
parse_window("about twenty-one minutes in", now=1800)        -> (1230.0, 1320.0)
parse_window("in the tenth minute", now=900)                 -> (540.0, 600.0)
parse_window("what was said around 1?", now=600)             -> (45.0, 75.0)

A small grammar reads the phrases (timegrammar.py; its words in timewords.py).
Every word of every phrase found is left out of the question's topic
(`strip_time_phrases`); the first phrase that names a time is the question's time
reference (a vague one, "now" or "near the end", only when it names no other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streamer.timegrammar import (
    FORMS,
    VAGUE,
    TimeRef,
    Window,
    moment,
)
from streamer.timewords import tokens

__all__ = [
    "TimeRef",
    "format_clock",
    "moment",
    "parse_clock",
    "parse_moment",
    "parse_time",
    "parse_window",
    "strip_time_phrases",
    "time_spans",
]

# A clock time names a time of day (what the question is about), not a stream time, when it
# has am/pm, lies beyond the stream so far, or follows a verb of a timetable ("leaves at").
_CLOCK = r"(\d+:\d{2}(?::\d{2})?|\d+(?:\.\d+)?\s*(?:s|sec|seconds?)\b)"
_TIME_OF_DAY = r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"
_MERIDIEM = r"\s*[ap]\.?m\b\.?"
_SCHEDULE_VERB = (
    r"\b(?:leaves?|leaving|departs?|departing|arrives?|arriving|closes?|closing|opens?|opening"
    r"|starts?|begins?|ends?|finishes|happens?|boards?|boarding|due|scheduled)\s+at\s+$"
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


@dataclass(frozen=True)
class _Found:
    ref: TimeRef  # before it is clipped to [0, now]
    start: int  # its span in the question
    end: int
    vague: bool  # "now", "earlier", "near the end": a named time ("at 0:30") goes first


def _phrases(q: str, now: float) -> list[_Found]:
    """Every time phrase of the lower-case question `q`, left to right."""
    toks = tokens(_stream_part(q, now))
    found, i = [], 0
    while i < len(toks):
        for form in FORMS:
            got = form(toks, i, now)
            if got is not None:
                ref, j = got
                vague = form in VAGUE
                found.append(_Found(ref, toks[i].start, toks[j - 1].end, vague))
                i = j
                break
        else:
            i += 1
    return found


def parse_time(text: str, now: float) -> TimeRef | None:
    """The stream time a question asked at `now` refers to, or None if it names none.

    The window lies within [0, now]: a time not yet streamed ("at 500 s", asked at 100 s)
    is the empty window at `now`, where nothing has been seen yet; so does `at`."""
    now = max(0.0, float(now))
    found = _phrases(text.lower(), now)
    if not found:
        return None
    ref = next((f for f in found if not f.vague), found[0]).ref
    lo = min(max(0.0, ref.lo), now)
    at = None if ref.at is None else min(max(lo, ref.at), now)
    return TimeRef(lo, min(max(lo, ref.hi), now), at)


def parse_window(text: str, now: float) -> Window | None:
    """The stream-time window [lo, hi] of `parse_time`, or None."""
    ref = parse_time(text, now)
    return None if ref is None else ref.window


def parse_moment(text: str, now: float) -> float | None:
    """The one stream time `text` names ("at 0:40" -> 40.0), or None when it names a span
    or no time; a time of day ("leaves at 16:45") is content, not a moment."""
    ref = parse_time(text, now)
    return None if ref is None else ref.at


def time_spans(text: str, now: float) -> list[tuple[int, int]]:
    """Where in `text` its time phrases are (character spans)."""
    return [(f.start, f.end) for f in _phrases(text.lower(), now)]


def strip_time_phrases(text: str, now: float) -> str:
    """`text` in lower case without its stream-time phrases (at stream time `now`): no
    number of theirs is left to be a topic word; times of day stay ('leaves at 16 45')."""
    q = _stream_part(text, now)
    for lo, hi in reversed(time_spans(text, now)):
        q = q[:lo] + " " + q[hi:]
    return q
