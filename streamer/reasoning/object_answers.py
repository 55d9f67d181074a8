"""Answers about the objects the detector saw: how many, is there, when, where, what colour.

Counts read the object log, and only objects that persisted over consecutive
samples (`ObjectTrack.persists`: one-sample detections are mostly detector
noise): "now" is the latest frame before the question, "at most" the largest
count of one frame in the window, "different" the distinct tracked objects.
The first sentence answers the question asked; other counts that help follow
as "Also: ...". Evidence is the object event each
statement rests on, its thumbnail with the boxes drawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from streamer.memory.items import MemoryItem
from streamer.memory.objects import ObjectEvent, ObjectLog, ObjectTrack
from streamer.perception.objects import distance, plural, side
from streamer.perception.thumbnail import draw_boxes
from streamer.reasoning.answers import join_words
from streamer.reasoning.evidence import nearest_thumbnail
from streamer.reasoning.object_words import LABELS, ObjectQuery
from streamer.timeref import TimeRef, format_clock
from streamer.types import Evidence

NOW_GAP = 3.0  # seconds: the latest object frame this close to the question is "now"


def answer_objects(
    oq: ObjectQuery,
    log: ObjectLog,
    time: TimeRef,
    asked_at: float,
    frames: Sequence[MemoryItem],
    nth: int | None = None,
) -> tuple[str, list[Evidence]]:
    """The answer's text and evidence about the question's `time`: its window, and the one
    moment it names (`time.at`, "at 0:30"), whose count is the sample nearest it; `nth`:
    which showing a shape's colour is asked of (1 the first, -1 or None the latest)."""
    window = lo, hi = time.window
    # an event's last frame stands until the next sample: never tell a time past the question
    events = [
        replace(e, end=min(e.end, asked_at))
        for e in log.events(lo, hi, persistent=True)
        if e.start <= asked_at
    ]
    tracks = [t for t in log.tracks(lo, hi) if t.label in oq.labels and t.first <= asked_at]
    about = [e for e in events if _count(e, oq.labels)]
    if oq.asks == "count":
        text, used = _how_many(oq, events, tracks, window, asked_at, time.at)
    elif oq.asks == "yesno":
        text, used = _is_there(oq, about, events, log.tracks(lo, hi), asked_at)
    elif oq.asks == "when":
        text, used = _when(oq, about, tracks)
    elif oq.asks == "where":
        text, used = _where(oq, about)
    elif oq.asks == "colour" and oq.mode == "shown":
        text, used = _shown_colour(oq, log.events(lo, hi), asked_at, nth)
    elif oq.asks == "colour":
        text, used = _colour(oq, about, tracks)
    else:
        text, used = _list(oq, events, tracks, window)
    return text, [_evidence(e, oq.labels, frames, asked_at) for e in used]


def _count(e: ObjectEvent, labels: frozenset[str]) -> int:
    return sum(n for label, n in e.counts.items() if label in labels)


def _noun(oq: ObjectQuery, n: int) -> str:
    """'person' / 'people', or the question's own word for a group ('vehicle(s)')."""
    if len(oq.labels) == 1:
        return plural(next(iter(oq.labels)), n)
    word = oq.named.rstrip("s") if oq.named.endswith("s") else oq.named
    return word if n == 1 else plural(word)


def _span(e: ObjectEvent) -> str:
    a, b = format_clock(e.start), format_clock(e.end)
    return f"at {a}" if a == b or e.end - e.start <= 1.5 else f"at {a}–{b}"


def _latest(events: list[ObjectEvent], asked_at: float) -> ObjectEvent | None:
    last = events[-1] if events else None
    return last if last is not None and asked_at - last.end <= NOW_GAP else None


def _how_many(
    oq: ObjectQuery,
    events: list[ObjectEvent],
    tracks: list[ObjectTrack],
    window: tuple[float, float],
    asked_at: float,
    at: float | None,
) -> tuple[str, list[ObjectEvent]]:
    if not events:
        return f"I have not looked for objects in that time, so I cannot count {_noun(oq, 2)}.", []
    distinct = [t for t in tracks if t.persists]
    peak = max(events, key=lambda e: _count(e, oq.labels))
    most = _count(peak, oq.labels)
    lo, hi = window
    span = "in all" if lo <= 1.0 else f"from {format_clock(lo)} to {format_clock(hi)}"
    distinct_text = f"{len(distinct)} different {_noun(oq, len(distinct))} {span}"
    most_text = f"at most {most} at once ({_span(peak)})"
    if oq.mode == "distinct":
        return f"{distinct_text.capitalize()}. Also: {most_text}.", [peak]
    if at is not None:  # the sample nearest the named moment
        t = at
        near = min(events, key=lambda e: 0.0 if e.start <= t < e.end else abs(e.start - t))
        n = _count(near, oq.labels)
        return f"{n} {_noun(oq, n)} {_span(near)}. Also: {most_text}.", [near]
    if oq.mode == "most":
        lead = f"At most {most} {_noun(oq, most)} at once, {_span(peak)}."
        return f"{lead} Also: {distinct_text}.", [peak]
    now = _latest(events, asked_at)
    if now is None:
        return f"None now. Earlier: {most_text}; {distinct_text}.", [peak]
    n = _count(now, oq.labels)
    return f"{n} {_noun(oq, n)} now ({_span(now)}). Also: {most_text}; {distinct_text}.", [
        now,
        peak,
    ]


def _is_there(
    oq: ObjectQuery,
    about: list[ObjectEvent],
    events: list[ObjectEvent],
    all_tracks: list[ObjectTrack],
    asked_at: float,
) -> tuple[str, list[ObjectEvent]]:
    if not about:
        seen = _seen(all_tracks)
        also = f" (I saw {join_words(seen)})" if seen else ""
        return f"No. I have not seen any {_noun(oq, 2)}{also}.", []
    now = _latest(events, asked_at)
    first, last = about[0], about[-1]
    times = join_words([_span(e) for e in _runs(about)][:3])
    if now is not None and _count(now, oq.labels):
        n = _count(now, oq.labels)
        return f"Yes: {n} {_noun(oq, n)} in view now ({_described(now, oq.labels)}).", [now]
    n = _count(last, oq.labels)
    return f"Yes: {n} {_noun(oq, n)} {times} ({_described(last, oq.labels)}), not now.", [first]


def seen_classes(log: ObjectLog, lo: float, hi: float) -> list[str]:
    """'people', 'cars', 'a truck': the kinds of object seen in [lo, hi], most tracks first."""
    return _seen(log.tracks(lo, hi))


def _seen(tracks: list[ObjectTrack]) -> list[str]:
    by_label = Counter(t.label for t in tracks if t.persists)
    return [
        plural(label) if n > 1 else f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
        for label, n in sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def known_classes() -> str:
    """The kinds of object the detector knows, as a sentence."""
    names = sorted(plural(label) for label in LABELS)
    return f"I can recognise {len(names)} kinds of object: {join_words(names)}."


def _runs(about: list[ObjectEvent]) -> list[ObjectEvent]:
    """Consecutive events joined: one per stretch in which the objects stayed in view."""
    out: list[ObjectEvent] = []
    for e in about:
        if out and e.start - out[-1].end <= NOW_GAP:
            prev = out[-1]
            out[-1] = ObjectEvent(prev.start, e.end, prev.objects, prev.scene_colour)
        else:
            out.append(e)
    return out


def _described(e: ObjectEvent, labels: frozenset[str]) -> str:
    """'on the right, near' for each matching object of an event."""
    places = []
    for o in e.objects:
        if o.label in labels:
            where = side(o.box)
            place = "in the centre" if where == "centre" else f"on the {where}"
            near = distance(o.box)
            places.append(f"{o.label} {place}" + (f", {near}" if near else ""))
    return "; ".join(dict.fromkeys(places))


def _when(
    oq: ObjectQuery, about: list[ObjectEvent], tracks: list[ObjectTrack]
) -> tuple[str, list[ObjectEvent]]:
    if not about:
        return f"I have not seen any {_noun(oq, 2)}.", []
    if oq.mode == "last":
        e = about[-1]
        return f"{_noun(oq, 1).capitalize()} last seen at {format_clock(e.end)}.", [e]
    e = about[0]
    runs = _runs(about)
    others = [format_clock(r.start) for r in runs[1:4]]
    also = f" Also at {join_words(others)}." if others else ""
    return f"At {format_clock(e.start)}: {_described(e, oq.labels)}.{also}", [e]


def _where(oq: ObjectQuery, about: list[ObjectEvent]) -> tuple[str, list[ObjectEvent]]:
    if not about:
        return f"I have not seen any {_noun(oq, 2)}.", []
    e = about[-1]
    return f"{_described(e, oq.labels).capitalize()} ({_span(e)}).", [e]


def _colour(
    oq: ObjectQuery, about: list[ObjectEvent], tracks: list[ObjectTrack]
) -> tuple[str, list[ObjectEvent]]:
    coloured = sorted((t for t in tracks if t.colour), key=lambda t: -t.frames)
    if not coloured or not about:
        return f"I have not seen any {_noun(oq, 2)}.", []
    best = coloured[0]
    lead = f"{best.colour.capitalize()}: the {best.label} seen at {format_clock(best.first)}"
    lead += f"–{format_clock(best.last)}." if best.last - best.first > 1.5 else "."
    others = [f"{t.colour} ({t.label} at {format_clock(t.first)})" for t in coloured[1:4]]
    used = [e for e in about if e.start <= best.last and e.end >= best.first][:1] or about[:1]
    return lead + (f" Also: {join_words(others)}." if others else ""), used


def shown_colour(
    oq: ObjectQuery, events: Sequence[ObjectEvent], asked_at: float, nth: int | None = None
) -> tuple[str, ObjectEvent] | None:
    """(colour, its event) of the shape `oq` asks about, at its `nth` showing (latest: None)."""
    showings = [
        (s.colour, e)
        for e in events
        if e.start <= asked_at
        for s in e.shown[:1]  # the largest region: what the frame shows
        if oq.named == "shape" or s.shape == oq.named
    ]
    runs: list[tuple[str, ObjectEvent]] = []  # one per showing: a shape split into events
    for colour, e in showings:  # (a person walked by) is still one showing
        if not runs or runs[-1][0] != colour or e.start - runs[-1][1].end > NOW_GAP:
            runs.append((colour, e))
    if not runs:
        return None
    k = (nth - 1 if nth > 0 else nth) if nth is not None else -1
    return runs[k] if -len(runs) <= k < len(runs) else None


def _shown_colour(
    oq: ObjectQuery, events: Sequence[ObjectEvent], asked_at: float, nth: int | None
) -> tuple[str, list[ObjectEvent]]:
    found = shown_colour(oq, events, asked_at, nth)
    if found is None:
        return f"I have not seen a {oq.named} shown on a plain background.", []
    colour, e = found
    shape = e.shown[0].shape or "shape"
    return f"{colour.capitalize()}: the {shape} shown {_span(e)}.", [e]


def _list(
    oq: ObjectQuery,
    events: list[ObjectEvent],
    tracks: list[ObjectTrack],
    window: tuple[float, float],
) -> tuple[str, list[ObjectEvent]]:
    by_label: dict[str, list[ObjectTrack]] = {}
    for t in tracks:
        if t.persists:
            by_label.setdefault(t.label, []).append(t)
    if not by_label:
        return f"I have not seen any {_noun(oq, 2)}.", []
    parts, used = [], []
    for label, ts in sorted(by_label.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        with_it = [e for e in events if e.counts.get(label)]
        most = max((e.counts[label] for e in with_it), default=len(ts))
        first = min(t.first for t in ts)
        word = f"{plural(label)} (up to {most} at once" if most > 1 else f"a {label} ("
        parts.append(f"{word}{', ' if most > 1 else ''}first at {format_clock(first)})")
        if with_it:
            used.append(with_it[0])
    span = f"between {format_clock(window[0])} and {format_clock(window[1])}"
    text = f"{join_words(parts)[0].upper()}{join_words(parts)[1:]}, {span}."
    return text, used[:3]


def _evidence(
    e: ObjectEvent, labels: frozenset[str], frames: Sequence[MemoryItem], now: float
) -> Evidence:
    thumb = nearest_thumbnail(frames, e.start, e.start)  # the frame the boxes were found in
    boxes = [o.box for o in e.objects if o.label in labels]
    boxes = boxes if labels else [s.box for s in e.shown[:1]]  # a shape's colour: its box
    if thumb is not None and boxes:
        thumb = draw_boxes(thumb, boxes)
    text = e.text or "no objects detected"  # a frame with nobody in it is evidence too
    return Evidence(e.start, min(e.end, now), "objects", text, 1.0, thumb)
