"""A question's related events as a short time-stamped timeline for a model's prompt.

Evidence is gathered exactly as the extractive backend gathers it
(`score_events`, never past the moment of the question); the most relevant
events become lines in time order,

    [0:03] a sign on screen read "GATE 7 CLOSES AT NOON"
    [0:08] someone said "The delivery van arrived at the north entrance."
    [0:12] in view now: seashore, lakeside

A model's reply is read back here too: the option it chose (`parse_option`)
and the moments it cites (`cited_evidence`). The vlm backend answers from
these lines beside its frames; the llm backend phrases from them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from streamer.memory.items import MemoryItem
from streamer.memory.timeline import Timeline
from streamer.reasoning.answers import LETTERS, NOT_SEEN
from streamer.reasoning.evidence import FOUND, Scored, score_events, to_evidence
from streamer.reasoning.question import Question, terms
from streamer.timeref import TimeRef, format_clock
from streamer.types import Evidence

MAX_LINES = 8  # timeline lines in a prompt: ~20 tokens each; 20 lines took 7-9 s to first token
KEEP_FLOOR = 0.20  # relevance below this is noise (unrelated events score 0.0-0.17)
KEEP_RATIO = 0.5  # and events under half the best match's relevance are left out
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

# Options are listed unlettered and answered in their own words, as the llm backend asks: given
# "A. 5 / B. 7 / C. 9" and the line "GATE 7 CLOSES AT NOON", a real 0.5B LM (the reference
# model) replied "C" or "C. 9", and found the last letter likeliest; asked for the words, "7".
CHOICE_RULE = "Answer with the words of one option only."
CHOICE_STOP = ("\n", *STOP)  # the chosen option is the whole answer


def options_line(options: Sequence[str]) -> str:
    """The options as a prompt lists them: "Options: 5; 7; 9"."""
    return "Options: " + "; ".join(options)


def select_events(q: Question, timeline: Timeline, time: TimeRef | None = None) -> list[Scored]:
    """The events worth showing the model: those near the best match, or the latest few.

    A small model copies from whatever lines it is shown, so weakly related
    events are left out; a question with no topic ("what did the sign say?")
    gets the events `score_events` puts first (the latest of the kinds it names).
    """
    words = terms(" ".join([q.topic, *q.options]))
    query = " ".join([q.topic, *q.options]).strip() if q.options else None
    scored = score_events(q, timeline, query, words if q.options else None, time)
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
    times = re.findall(r"\b\d+:\d\d(?::\d\d)?\b", text)  # in the order the answer names them
    cited = [s for s in scored if format_clock(s.event.start) in times]
    cited.sort(key=lambda s: times.index(format_clock(s.event.start)))
    if not cited and NOT_SEEN in text:
        return []  # "I have not seen or heard anything about that": it rests on nothing
    chosen = cited or [s for s in scored if s.relevance >= FOUND]
    return to_evidence(chosen[:MAX_EVIDENCE], frames, now)
