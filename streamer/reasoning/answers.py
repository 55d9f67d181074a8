"""Answer pieces every backend shares: how a moment is told, option scoring, "nothing".

describe(scored)                -> 'the screen read “GATE 7 CLOSES AT NOON”'
choose_option(q, timeline)      -> (index, best supporting event or None, its relevance)
choice_text(q, i, best, score)  -> 'B. 7 PM — at 0:16 the screen read “GATE 55 / CLOSES AT 7 PM”.'
nothing_about(q, ctx)           -> "I have not seen or heard anything about van."
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Context
from streamer.reasoning.evidence import FOUND, Scored, score_events
from streamer.reasoning.question import Question, terms
from streamer.timeref import TimeRef, format_clock

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # option labels: A. B. C. ...
NOT_SEEN = "I have not seen or heard anything about"


def describe(s: Scored) -> str:
    """One moment in words: what was said, shown or seen."""
    e = s.event
    quoted = e.text.rstrip(".!? ")
    if e.kind == "speech":
        return f"someone said “{quoted}”"
    if e.kind == "ocr":
        return f"the screen read “{quoted}”"
    return f"I saw {quoted}"


def choose_option(
    q: Question, timeline: Timeline, time: TimeRef | None = None
) -> tuple[int, Scored | None, float]:
    """The option best supported by the timeline: (index, its best event, that relevance).

    Ties go to the earlier option (see `option_support`).
    """
    support = option_support(q, timeline, time)
    i = max(range(len(support)), key=lambda k: (support[k][1], -k))
    return i, support[i][0], support[i][1]


def option_support(
    q: Question, timeline: Timeline, time: TimeRef | None = None
) -> list[tuple[Scored | None, float]]:
    """Each option's best supporting event and its relevance (0.0 with no event).

    Each option is searched with the question's topic and scored by its words and the
    topic's together: "What time does gate 55 close?" with "9 AM" must not settle on the
    card "GATE 49 CLOSES AT 9 AM" when "GATE 55 CLOSES AT 7 PM" holds the option "7 PM"
    and the topic.
    """
    support: list[tuple[Scored | None, float]] = []
    for option in q.options:
        wanted = list(dict.fromkeys([*terms(option), *q.terms]))
        scored = score_events(q, timeline, f"{q.topic} {option}".strip(), wanted, time)
        top = scored[0] if scored else None
        support.append((top, top.relevance if top is not None else 0.0))
    return support


def choice_text(q: Question, i: int, best: Scored | None, score: float) -> str:
    """A multiple-choice answer: the option, then the moment that supports it, if any."""
    text = f"{LETTERS[i]}. {q.options[i]}"
    if best is not None and score >= FOUND:
        return f"{text} — at {format_clock(best.event.start)} {describe(best)}."
    return text + " (a guess: nothing I saw or heard supports any option clearly)."


def nothing_about(q: Question, ctx: Context) -> str:
    """The answer when nothing seen or heard bears on the question."""
    if not len(ctx.timeline) and not ctx.view.frames_seen:
        return "I have not seen or heard anything yet."
    when = " in that time" if q.window is not None or q.anchor is not None else ""
    lead = "No. " if q.kind == "yesno" else ""
    if not q.topic and "ocr" in q.wants:
        return f"{lead}I have not read any text on screen{when}."
    if not q.topic and "speech" in q.wants:
        return f"{lead}I have not heard anything said{when}."
    topic = q.topic or "that"
    return f"{lead}{NOT_SEEN} {topic}{when}."


def model_text(pieces: Iterable[str]) -> Generator[str, None, str]:
    """Yield a model's pieces as they come, the answer's leading space dropped; return the text."""
    parts: list[str] = []
    for piece in pieces:
        if not parts:
            piece = piece.lstrip()
            if not piece:
                continue
        parts.append(piece)
        yield piece
    return "".join(parts)


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
