"""The extractive backend: no generative model, always available, fast.

It answers with the best supported statement and its time ("At 0:03 the screen
read “GATE 7 CLOSES AT NOON”."), gives times for "when" questions, counts
appearances for "how many times", scores each option of a multiple-choice
question against the evidence, and says plainly when it has nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from streamer.perception.objects import plural
from streamer.perception.ocr import believable
from streamer.reasoning.answers import (
    LETTERS,
    choice_text,
    choose_option,
    describe,
    join_words,
    nothing_about,
)
from streamer.reasoning.backend import Backend, Context, Grounds, Reply
from streamer.reasoning.evidence import FOUND, Scored, score_events, to_evidence
from streamer.reasoning.object_answers import (
    answer_objects,
    known_classes,
    seen_classes,
    shown_colour,
)
from streamer.reasoning.object_words import (
    HOLDING,
    asks_for_classes,
    object_query,
    unrecognised_thing,
)
from streamer.reasoning.question import Question
from streamer.reasoning.values import asked_value
from streamer.timeref import format_clock

MAX_STATEMENTS = 3  # supporting statements quoted in one answer
MAX_SUMMARY = 4  # moments listed for "what happened in the first minute?"
VERBS = {"speech": "said", "ocr": "shown"}  # how a value's source is told; else "seen"
SIGHT = (
    r"(?i)\b(is there|are there|was there|were there|do you see|can you see|did you see)\b"
    r"|\b(anyone|anybody|someone|somebody)\b.*" + HOLDING  # "is anyone carrying a bag?"
)
COUNT_WORDS = 0.6  # share of a topic's words (two or more) an event needs to be counted
NOW = r"\b(now|right now|currently|at the moment|at this moment)\b"  # timeref's "now" window


class ExtractiveBackend(Backend):
    name = "extractive"

    def respond(self, q: Question, ctx: Context) -> Reply:
        if q.kind == "choice":
            return _shown_choice(q, ctx) or self._choose(q, ctx)
        about_objects = _about_objects(q, ctx)
        if about_objects is not None:
            return about_objects
        scored = score_events(q, ctx.timeline, time=ctx.time_of(q))
        if q.topic:
            found = _nth_first([s for s in scored if _counts(q, s)], q.nth)
            if not found and q.window is not None and re.search(NOW, q.text.lower()):
                q, found = _latest_known(q, ctx)
        elif q.anchor is not None:
            found = scored[:1]
        elif q.nth is not None:  # "what did the first sign say?"
            found = _nth_first(_pool(scored, q.wants), q.nth)[:1]
        elif q.kind == "count":  # "how many signs were shown?": every one of that kind
            found = _pool(scored, q.wants)
        else:
            found = _summary(scored, q.wants)
        if q.kind == "count":  # the times are told in time order: so is their evidence
            found = sorted(found, key=lambda s: s.event.start)
        evidence = to_evidence(found[:MAX_SUMMARY], ctx.view.items, q.asked_at)
        return Reply.text(self._compose(q, found, ctx), Grounds(evidence))

    def _compose(self, q: Question, found: list[Scored], ctx: Context) -> str:
        if not found:
            return nothing_about(q, ctx)
        if not q.topic and q.anchor is None and q.kind != "count" and len(found) > 1:
            lo, hi = found[0].event.start, max(s.event.end for s in found)
            parts = [f"at {format_clock(s.event.start)} {describe(s)}" for s in found]
            return f"Between {format_clock(lo)} and {format_clock(hi)}: " + "; ".join(parts) + "."
        if q.kind == "count":
            times = [
                format_clock(s.event.start) for s in sorted(found, key=lambda s: s.event.start)
            ]
            n = len(times)
            return f"{n} time{'s' if n != 1 else ''}: at {join_words(times)}."
        best = found[:MAX_STATEMENTS]
        value = asked_value(q.text, best[0].event.text) if q.kind in ("what", "when") else None
        if q.kind == "when" and value is None:  # "what time does gate 12 close?" has a value
            first = best[0]
            text = f"At {format_clock(first.event.start)}: {describe(first)}."
            others = sorted(
                {format_clock(s.event.start) for s in best[1:]} - {format_clock(first.event.start)}
            )
            return text + (f" Also at {join_words(others)}." if others else "")
        lead = "Yes. " if q.kind == "yesno" else ""
        head = best[0]
        if value is not None:  # the value asked for first: "10 AM — shown at 0:13: “...”."
            verb = VERBS.get(head.event.kind, "seen")
            quoted = head.event.text.rstrip(".!? ")
            text = f"{value} — {verb} at {format_clock(head.event.start)}: “{quoted}”."
        else:
            text = f"{lead}At {format_clock(head.event.start)} {describe(head)}."
        for s in best[1:2]:
            if s.relevance >= FOUND and s.event.text != head.event.text:
                text += f" Also: at {format_clock(s.event.start)} {describe(s)}."
        return text

    def _choose(self, q: Question, ctx: Context) -> Reply:
        i, best, score = choose_option(q, ctx.timeline, ctx.time_of(q))
        supported = best is not None and score >= FOUND
        evidence = to_evidence([best], ctx.view.items, q.asked_at) if supported and best else []
        return Reply.text(choice_text(q, i, best, score), Grounds(evidence, i))


def _counts(q: Question, s: Scored) -> bool:
    """Whether `s` is about the question; for "how many times" it must hold most of its words.

    "How many times was the sale ends soon sign shown?" must not count the card
    "SALES MEETING IN ROOM 902" (one of the topic's two words, and close in meaning).
    """
    if s.relevance < FOUND:
        return False
    return q.kind != "count" or len(q.terms) < 2 or s.overlap >= COUNT_WORDS


def _about_objects(q: Question, ctx: Context) -> Reply | None:
    """The answer from the object log, when the question is about objects the detector knows.

    Not when it asks what was said or shown, nor when the log holds nothing of those
    objects while speech or on-screen text speaks of them ("the delivery van arrived")."""
    if asks_for_classes(q.text):
        return Reply.text(known_classes(), Grounds([]))
    oq = object_query(q.text, q.kind)
    log = ctx.timeline.objects
    if not len(log) or "speech" in q.wants or "ocr" in q.wants:
        return None
    time = ctx.time_of(q)
    lo, hi = time.window
    if oq is None:
        return _unrecognised(q, ctx, (lo, hi))
    seen = any(oq.labels & e.counts.keys() for e in log.events(lo, hi, persistent=True))
    if not seen and (oq.asks == "when" or (oq.asks == "yesno" and not re.search(SIGHT, q.text))):
        return None  # "when did the delivery van arrive?": a van never seen may have been heard of
    if not seen and any(
        s.relevance >= FOUND and s.event.kind in ("speech", "ocr")
        for s in score_events(q, ctx.timeline, time=time)
    ):
        return None
    text, evidence = answer_objects(oq, log, time, q.asked_at, ctx.view.items, q.nth)
    return Reply.text(text, Grounds(evidence))


def _shown_choice(q: Question, ctx: Context) -> Reply | None:
    """ "What colour was the most recent circle?" with colours to choose from: the option
    naming the colour of the shape shown, when one was (perception/colours.py)."""
    oq = object_query(q.text, "what")
    if oq is None or oq.mode != "shown":
        return None
    time = ctx.time_of(q)
    found = shown_colour(oq, ctx.timeline.objects.events(*time.window), q.asked_at, q.nth)
    options = [o.lower() for o in q.options]
    if found is None or found[0] not in options:
        return None
    i = options.index(found[0])
    evidence = answer_objects(oq, ctx.timeline.objects, time, q.asked_at, ctx.view.items, q.nth)[1]
    when = f" — the {oq.named} shown at {format_clock(found[1].start)}"
    return Reply.text(f"{LETTERS[i]}. {q.options[i]}{when}.", Grounds(evidence, i))


def _unrecognised(q: Question, ctx: Context, window: tuple[float, float]) -> Reply | None:
    """ "I can't recognise flags; ..." for a thing asked about by sight that no class names,
    unless something said or shown speaks of it."""
    thing = unrecognised_thing(q.text)
    found = score_events(q, ctx.timeline, time=ctx.time_of(q))
    if not thing or any(s.relevance >= FOUND for s in found):
        return None
    seen = seen_classes(ctx.timeline.objects, *window)
    also = f"; I saw {join_words(seen)}" if seen else ""
    return Reply.text(
        f"I can't recognise {plural(thing)}, so I cannot tell{also}. "
        "Ask “What can you recognise?” for the kinds of object I know.",
        Grounds([]),
    )


def _nth_first(found: list[Scored], nth: int | None) -> list[Scored]:
    """For "the second time ..." ("the last time": -1): that occurrence first, then the rest."""
    if nth is None or not found:
        return found
    in_time = sorted(found, key=lambda s: s.event.start)
    if not -len(in_time) <= (nth - 1 if nth > 0 else nth) < len(in_time):
        return []  # asked for a third time that never came
    pick = in_time[nth - 1 if nth > 0 else nth]
    return [pick, *(s for s in found if s is not pick)]


def _latest_known(q: Question, ctx: Context) -> tuple[Question, list[Scored]]:
    """For "which room is the meeting in now?" when the last seconds hold nothing about it:
    what holds now is the latest word on it, however long ago it came."""
    whole = replace(q, time=None)
    found = [s for s in score_events(whole, ctx.timeline) if _counts(whole, s)]
    return (whole, sorted(found, key=lambda s: -s.event.start)) if found else (q, [])


def _pool(scored: list[Scored], wants: tuple[str, ...]) -> list[Scored]:
    """Moments for a question with no topic, in time order: those of the kinds it names
    ("said", "sign"), or, when it names none, all but the classifier's tags.

    On-screen text read as noise (a lone glyph, a low score: a session saved before such lines
    were dropped) is never one of them."""
    scored = [
        s for s in scored if s.event.kind != "ocr" or believable(s.event.text, s.event.confidence)
    ]
    pool = [s for s in scored if s.event.kind in wants]
    if not pool and {"speech", "ocr"} & set(wants):
        return []  # "what did the sign say?" with no text read: say so, list no objects
    pool = pool or [s for s in scored if s.event.kind != "tags"] or scored
    return sorted(pool, key=lambda s: s.event.start)


def _summary(scored: list[Scored], wants: tuple[str, ...]) -> list[Scored]:
    """The latest moments of `_pool`, in time order."""
    return _pool(scored, wants)[-MAX_SUMMARY:]
