"""What the timeline clearly decides, a model that reads it does not overrule.

A small model given the timeline lines can still answer against them: the
reference model (Qwen2.5-Coder-0.5B in the vlm seat) picked VIENNA beside the
line "PLATFORM 5 / TRAIN TO LYON", and wrote "the rehearsal was moved to
Thursday" beside "The rehearsal was moved to Saturday". Two rules keep a
generative backend to what was clearly heard or read:

- a choice the timeline decides (`evidence_decides`: the best option's event
  is about the question, no other option's within `CLEAR_MARGIN`) is stated
  from the timeline, the model not asked (`decided_choice`), as the llm
  backend decides;
- an open question whose answer is a value read out of one line heard or shown
  ("What day was the rehearsal moved to?" -> "Saturday", `found_value`) gets
  the model's reply only when it holds that value; else the found answer
  (`held_to`). Its words then come once the model has finished.

A close call, a question the timeline says nothing about, a question about what
was seen, or one that asks for the words themselves is the model's alone, and so
is every question a benchmark asks in its own words (`Question.prompt`: the model
is shown no timeline). `kept_to_timeline` applies both rules to a backend's reply;
the vlm and openai backends answer through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from streamer.reasoning.answers import option_support
from streamer.reasoning.backend import Context, Grounds, TokenStream, stream_words
from streamer.reasoning.evidence import FOUND
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.llm_choice import decide, evidence_decides, stated_choice
from streamer.reasoning.llm_phrasing import phrasable
from streamer.reasoning.question import Question
from streamer.reasoning.values import asked_value
from streamer.reasoning.wording import has_run, words

log = logging.getLogger("streamer")


@dataclass(frozen=True)
class Found:
    """An open answer the timeline decides: the value, and the answer that states it."""

    value: str  # "Saturday"
    text: str  # "Saturday — said at 1:31: “The rehearsal was moved to Saturday”."
    grounds: Grounds


def decided_choice(q: Question, ctx: Context) -> TokenStream | None:
    """The option the timeline clearly decides, stated with its moment; None to ask the model."""
    support = option_support(q, ctx.timeline, ctx.time_of(q))
    scores = [score for _, score in support]
    if not evidence_decides(scores):
        return None
    return stated_choice(q, ctx, support, decide(scores, None))


def found_value(q: Question, ctx: Context) -> Found | None:
    """The value the timeline answers an open question with, where one line heard or shown
    about the question holds it; None where the model's reply stands as it is."""
    reply = ExtractiveBackend().respond(q, ctx)
    text = "".join(reply).strip()
    evidence = reply.grounds.evidence
    if not phrasable(q, text, evidence) or evidence[0].score < FOUND:
        return None
    value = asked_value(q.text, evidence[0].text)
    return Found(value, text, reply.grounds) if value else None


def held_to(found: Found, reply: TokenStream) -> TokenStream:
    """The model's `reply` where it holds `found.value`, else the found answer."""
    pieces: list[str] = []
    while True:
        try:
            pieces.append(next(reply))
        except StopIteration as end:
            grounds: Grounds = end.value
            break
    text = "".join(pieces)
    if has_run(words(text), words(found.value)):
        yield from stream_words(text)
        return grounds
    log.debug("the model's %r lost the found %r; the found answer stands", text, found.value)
    yield from stream_words(found.text)
    return found.grounds


def kept_to_timeline(q: Question, ctx: Context, ask: Callable[[], TokenStream]) -> TokenStream:
    """The reply `ask()` streams, held to what the timeline decides (the two rules above).

    `ask` is called only where the model is asked: a decided choice never reaches it.
    """
    if q.prompt is not None:  # a benchmark's own words: the model's answer stands
        return (yield from ask())
    if q.options:
        stated = decided_choice(q, ctx)
        return (yield from (stated if stated is not None else ask()))
    found = found_value(q, ctx)
    return (yield from (held_to(found, ask()) if found is not None else ask()))
