"""The llm backend: a local GGUF model answers from a compact evidence timeline.

Evidence is gathered exactly as the extractive backend gathers it
(`score_events`, never past the moment of the question); the most relevant
events become a short time-stamped timeline in time order,

    [0:03] a sign on screen read "GATE 7 CLOSES AT NOON"
    [0:08] someone said "The delivery van arrived at the north entrance."
    [0:12] in view now: seashore, lakeside

and the model answers in a sentence, streamed as it writes. When no event is
related to the question at all, the answer says so without asking the model.
For a multiple-choice question the model is asked for the option letter
first; when no letter can be read from its reply, the extractive option
scoring chooses. The evidence returned is the events whose times the answer
names, else the related ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.llm import ChatMessage, LanguageModel
from streamer.memory.items import MemoryItem
from streamer.memory.timeline import Timeline
from streamer.reasoning.answers import (
    LETTERS,
    NOT_SEEN,
    choose_option,
    model_text,
    nothing_about,
)
from streamer.reasoning.backend import Backend, Context, Grounds, Reply, TokenStream
from streamer.reasoning.evidence import FOUND, Scored, score_events, to_evidence
from streamer.reasoning.question import Question, terms
from streamer.timeref import format_clock
from streamer.types import Evidence

MAX_LINES = 8  # timeline lines in a prompt: ~20 tokens each; 20 lines took 7-9 s to first token
KEEP_FLOOR = 0.20  # relevance below this is noise (unrelated events score 0.0-0.17)
KEEP_RATIO = 0.5  # and events under half the best match's relevance are left out
MAX_TOKENS = 80  # one or two sentences; the 0.5B model loops on long answers
MAX_EVIDENCE = 4  # moments returned with an answer, as the extractive backend does
NOW_TAG_MIN = 0.20  # current-frame tags at least this probable are worth a line
NOW_TAGS = 3  # at most this many current-frame tags
# How each kind of event reads in the prompt. Plain phrases, not labels: the 1.5B model
# answered "what did the sign say?" from 'a sign on screen read "X"' but not from 'on screen: X'.
KIND_PHRASES = {
    "speech": 'someone said "{}"',
    "ocr": 'a sign on screen read "{}"',
    "tags": "in view: {}",
    "objects": "objects in view: {}",
}
STOP = ("\n\n", "<|im_end|>", "<|endoftext|>")

SYSTEM = (
    "You answer questions about a video from its timeline, which lists what was said aloud, "
    "text shown on screen (signs, captions) and objects in view, each with its time. "
    "Answer the question in one sentence based on the timeline, starting with the time it "
    "happened, for example 'At 1:05, ...'. Quote text exactly. If the timeline does not "
    "contain the answer, reply '" + NOT_SEEN + " that.'"
)
CHOICE_RULE = "Reply with the right option only: its letter, a full stop and its text."
CHOICE_STOP = ("\n", *STOP)  # the chosen option is the whole answer


class LlmBackend(Backend):
    """Answers with a local language model; see `make_backend("llm")` for the fallback."""

    name = "llm"

    def __init__(self, model: LanguageModel, max_tokens: int = MAX_TOKENS) -> None:
        self.model = model
        self.max_tokens = max_tokens

    def warm_up(self) -> LlmBackend:
        """Evaluate the system prompt now, so that the first question does not wait for it.

        llama.cpp keeps the evaluated prefix: ~120 tokens, 2-5 s on two cores.
        """
        messages = [ChatMessage("system", SYSTEM), ChatMessage("user", "Timeline:")]
        for _ in self.model.stream(messages, 1, STOP):
            pass
        return self

    def respond(self, q: Question, ctx: Context) -> Reply:
        if not len(ctx.timeline) and not ctx.view.frames_seen:
            return Reply.text(nothing_about(q, ctx))  # nothing to read yet: no need to ask
        scored = select_events(q, ctx.timeline)
        if not scored and q.terms and not q.options:
            return Reply.text(nothing_about(q, ctx))  # nothing related: a plain answer, at once
        return Reply(self._generate(q, ctx, scored))

    def _generate(self, q: Question, ctx: Context, scored: list[Scored]) -> TokenStream:
        lines = timeline_lines(scored, ctx.view.items, q.asked_at)
        messages = [
            ChatMessage("system", SYSTEM),
            ChatMessage("user", user_prompt(q, lines)),
        ]
        stop = CHOICE_STOP if q.options else STOP
        text = yield from model_text(self.model.stream(messages, self.max_tokens, stop))
        option = None
        if q.options:
            option = parse_option(text, q.options)
            if option is None:  # unreadable reply: the option scoring chooses
                option = choose_option(q, ctx.timeline)[0]
        return Grounds(cited_evidence(text, scored, ctx.view.items, q.asked_at), option)


def select_events(q: Question, timeline: Timeline) -> list[Scored]:
    """The events worth showing the model: those near the best match, or the latest few.

    A small model copies from whatever lines it is shown, so weakly related
    events are left out; a question with no topic ("what did the sign say?")
    gets the events `score_events` puts first (the latest of the kinds it names).
    """
    words = terms(" ".join([q.topic, *q.options]))
    query = " ".join([q.topic, *q.options]).strip() if q.options else None
    scored = score_events(q, timeline, query=query, wanted=words if q.options else None)
    if not words:
        return scored[:MAX_LINES]
    if not scored:
        return []
    keep = max(KEEP_FLOOR, KEEP_RATIO * scored[0].relevance)
    return [s for s in scored if s.relevance >= keep][:MAX_LINES]


def timeline_lines(scored: Sequence[Scored], frames: Sequence[MemoryItem], now: float) -> list[str]:
    """The prompt's timeline: one line per event in time order, then what is in view now."""
    lines = []
    for s in sorted(scored, key=lambda s: (s.event.start, s.event.end)):
        e = s.event
        text = " ".join(e.text.split()).strip('"')
        phrase = KIND_PHRASES.get(e.kind, e.kind + ": {}").format(text)
        # The start time only: given "[0:03-0:06]", the model answered "At 0:06".
        lines.append(f"[{format_clock(e.start)}] {phrase}")
    if frames:
        latest = max(frames, key=lambda f: f.t)
        tags = [name for name, p in latest.tags if p >= NOW_TAG_MIN][:NOW_TAGS]
        if tags:
            lines.append(f"[{format_clock(latest.t)}] in view now: {', '.join(tags)}")
    return lines


def user_prompt(q: Question, lines: list[str]) -> str:
    """The timeline, then the question with its options.

    The timeline comes first so that two questions over the same events share a
    prompt prefix, which llama.cpp does not evaluate again.
    """
    parts = ["Timeline:", *(lines or ["(nothing related was seen or heard)"]), ""]
    parts.append(f"Question: {q.text}")
    if q.options:
        parts += [f"{LETTERS[i]}. {o}" for i, o in enumerate(q.options)]
        parts.append(CHOICE_RULE)
    return "\n".join(parts)


def parse_option(text: str, options: Sequence[str]) -> int | None:
    """The option a reply chose: the one whose text it quotes, else its leading letter.

    The text wins over the letter: the 1.5B model wrote "B. at the roof" when
    "at the roof" was option A.
    """
    named = [i for i, o in enumerate(options) if re.search(rf"\b{re.escape(o)}\b", text, re.I)]
    if len(named) == 1:
        return named[0]
    m = re.match(r"\W*(?i:option\s+|answer:?\s*)?\(?([A-Z])(?:[.):,]|\s*$)", text)
    if m and LETTERS.index(m.group(1)) < len(options):
        return LETTERS.index(m.group(1))
    return None


def cited_evidence(
    text: str, scored: Sequence[Scored], frames: Sequence[MemoryItem], now: float
) -> list[Evidence]:
    """The moments an answer rests on: the events whose times it names, else the relevant ones."""
    times = set(re.findall(r"\b\d+:\d\d(?::\d\d)?\b", text))
    cited = [s for s in scored if format_clock(s.event.start) in times]
    if not cited and NOT_SEEN in text:
        return []  # "I have not seen or heard anything about that": it rests on nothing
    chosen = cited or [s for s in scored if s.relevance >= FOUND]
    return to_evidence(chosen[:MAX_EVIDENCE], frames, now)
