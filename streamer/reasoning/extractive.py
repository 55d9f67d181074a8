"""The extractive backend: no generative model, always available, fast.

It answers with the best supported statement and its time ("At 0:03 the screen
read “GATE 7 CLOSES AT NOON”."), gives times for "when" questions, counts
appearances for "how many times", scores each option of a multiple-choice
question against the evidence, and says plainly when it has nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from streamer.reasoning.backend import Draft
from streamer.reasoning.evidence import FOUND, Scored, score_events, to_evidence
from streamer.reasoning.question import Question, terms
from streamer.timeref import format_clock

MAX_STATEMENTS = 3  # supporting statements quoted in one answer
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


MAX_SUMMARY = 4  # moments listed for "what happened in the first minute?"


def describe(s: Scored) -> str:
    e = s.event
    quoted = e.text.rstrip(".!? ")
    if e.kind == "speech":
        return f"someone said “{quoted}”"
    if e.kind == "ocr":
        return f"the screen read “{quoted}”"
    return f"I saw {quoted}"


def stream_words(text: str) -> Iterator[str]:
    """Yield `text` a word at a time (with its trailing space), as a model would."""
    yield from re.findall(r"\S+\s*", text)


class ExtractiveBackend:
    name = "extractive"

    def respond(self, q: Question, draft: Draft) -> Iterator[str]:
        if q.kind == "choice":
            text = self._choose(q, draft)
        else:
            scored = score_events(q, draft.timeline)
            if q.topic:
                found = [s for s in scored if s.relevance >= FOUND]
            elif q.anchor is not None:
                found = scored[:1]
            else:
                found = _summary(scored, q.wants)
            draft.evidence = to_evidence(found[:MAX_SUMMARY], draft.frames, q.asked_at)
            text = self._compose(q, found, draft)
        yield from stream_words(text)

    def _compose(self, q: Question, found: list[Scored], draft: Draft) -> str:
        if not found:
            return nothing_about(q, draft)
        if not q.topic and q.anchor is None and q.kind != "count" and len(found) > 1:
            lo, hi = found[0].event.start, max(s.event.end for s in found)
            parts = [f"at {format_clock(s.event.start)} {describe(s)}" for s in found]
            return f"Between {format_clock(lo)} and {format_clock(hi)}: " + "; ".join(parts) + "."
        if q.kind == "count":
            times = [
                format_clock(s.event.start) for s in sorted(found, key=lambda s: s.event.start)
            ]
            n = len(times)
            return f"{n} time{'s' if n != 1 else ''}: at {_join(times)}."
        best = found[:MAX_STATEMENTS]
        if q.kind == "when":
            first = best[0]
            text = f"At {format_clock(first.event.start)}: {describe(first)}."
            others = sorted(
                {format_clock(s.event.start) for s in best[1:]} - {format_clock(first.event.start)}
            )
            return text + (f" Also at {_join(others)}." if others else "")
        lead = "Yes. " if q.kind == "yesno" else ""
        head = best[0]
        text = f"{lead}At {format_clock(head.event.start)} {describe(head)}."
        for s in best[1:2]:
            if s.relevance >= FOUND and s.event.text != head.event.text:
                text += f" At {format_clock(s.event.start)} {describe(s)}."
        return text

    def _choose(self, q: Question, draft: Draft) -> str:
        best_i, best, best_score = 0, None, -1.0
        for i, option in enumerate(q.options):
            scored = score_events(
                q,
                draft.timeline,
                query=f"{q.topic} {option}".strip(),
                wanted=terms(option) or q.terms,
            )
            top = scored[0] if scored else None
            score = top.relevance if top is not None else 0.0
            if score > best_score:
                best_i, best, best_score = i, top, score
        draft.option_index = best_i
        option = q.options[best_i]
        text = f"{LETTERS[best_i]}. {option}"
        if best is not None and best_score >= FOUND:
            draft.evidence = to_evidence([best], draft.frames, q.asked_at)
            return f"{text} — at {format_clock(best.event.start)} {describe(best)}."
        return f"{text} (a guess: nothing I saw or heard supports any option clearly)."


def nothing_about(q: Question, draft: Draft) -> str:
    if not len(draft.timeline) and not draft.frames:
        return "I have not seen or heard anything yet."
    topic = q.topic or "that"
    when = " in that time" if q.window is not None or q.anchor is not None else ""
    lead = "No. " if q.kind == "yesno" else ""
    return f"{lead}I have not seen or heard anything about {topic}{when}."


def _summary(scored: list[Scored], wants: tuple[str, ...]) -> list[Scored]:
    """Moments for a question with no topic: the latest of the kinds it names, in time order."""
    pool = (
        [s for s in scored if s.event.kind in wants]
        or [s for s in scored if s.event.kind != "tags"]
        or scored
    )
    return sorted(pool, key=lambda s: s.event.start)[-MAX_SUMMARY:]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
