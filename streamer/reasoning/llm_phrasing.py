"""The llm backend's open answers: the extractive answer told in the model's words, its fact kept.

The extractive reasoning finds the answer and its evidence; the model only says
it again, from those lines:

    phrase_messages(q, "9 AM — shown at 0:21: “GATE 25 / CLOSES AT 9 AM”.", evidence)
    -> system rule + "Timeline: [0:21] a sign on screen read ... Found answer: 9 AM — ..."
    keeps_fact(q, found, "At 0:21, a sign said gate 25 closes at 9 AM.", evidence)  -> True
    keeps_fact(q, found, "Gate 25 closes at 9:00.", evidence)  -> False: the found answer stays
    with_time("Gate 25 closes at 9 AM.", found, evidence)
    -> "Gate 25 closes at 9 AM, shown at 0:21."

`keeps_fact` is what makes the llm backend never less right than the extractive
one: the phrased sentence must begin with the same yes or no, name the same
first time, count the same number, hold the asked value (or the quoted words)
in order, and name no time or number that neither the found answer, the
evidence nor the question holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.llm import ChatMessage
from streamer.reasoning.answers import NOT_SEEN
from streamer.reasoning.llm_choice import verbatim
from streamer.reasoning.question import Question
from streamer.reasoning.timeline_prompt import KIND_PHRASES, STOP
from streamer.reasoning.values import asked_value
from streamer.reasoning.wording import has_run, words
from streamer.timeref import format_clock
from streamer.types import Evidence

MAX_TOKENS = 60  # one sentence
PHRASE_STOP = ("\n", *STOP)
PHRASED_KINDS = frozenset({"speech", "ocr"})  # object and tag answers are told as they are
HOW = {"speech": "said", "ocr": "shown"}  # how a moment added to a phrased answer is told
CLOCK = re.compile(r"\b\d+:\d\d(?::\d\d)?\b")

SYSTEM = (
    "You answer questions about a video. You are given what was seen and heard, and the "
    "answer already found in it. Say that answer again as one short, plain sentence that "
    "answers the question and names the time it was seen or heard, as given. Keep its "
    "times, numbers and quoted words exactly as they are, and add nothing that is not given."
)


def phrasable(q: Question, found: str, evidence: Sequence[Evidence]) -> bool:
    """Whether the model is asked to phrase `found`: an answer from speech or on-screen text.

    "Nothing about that" answers, answers from the object log or the classifier's
    tags, and multi-moment summaries are told as the extractive reasoning has them.
    """
    if not evidence or NOT_SEEN in found or not found.strip():
        return False
    if any(e.kind not in PHRASED_KINDS for e in evidence):
        return False
    return bool(q.topic) or q.anchor is not None or q.kind == "count"


def evidence_lines(evidence: Sequence[Evidence]) -> list[str]:
    """The evidence as timeline lines, in time order: '[0:21] a sign on screen read "..."'."""
    lines = []
    for e in sorted(evidence, key=lambda e: (e.start, e.end)):
        text = " ".join(e.text.split()).strip('"')
        lines.append(f"[{format_clock(e.start)}] " + KIND_PHRASES.get(e.kind, "{}").format(text))
    return lines


def phrase_messages(q: Question, found: str, evidence: Sequence[Evidence]) -> list[ChatMessage]:
    """The prompt: the evidence lines, the question, the found answer, how to begin.

    A verbatim prompt (Question.prompt) is the user turn as it stands; the evidence and
    the found answer go in the system turn, and no "begin with" of ours is added.
    """
    if q.prompt is not None:
        timeline = ["Timeline:", *evidence_lines(evidence), "", f"Found answer: {found}"]
        return verbatim(q.prompt, timeline)
    parts = ["Timeline:", *evidence_lines(evidence), "", f"Question: {q.text}"]
    parts.append(f"Found answer: {found}")
    lead = _first_word(found)
    if lead in ("yes", "no"):
        parts.append(f"Begin with {lead.capitalize()}.")
    elif q.kind == "count":
        parts.append("Begin with how many times.")
    elif (clocks := CLOCK.findall(found)) and q.kind == "when" and not required_runs(q, evidence):
        # the time is the answer; not for "what time does gate 25 close?", whose answer is
        # "9 AM": told "begin with 'At 0:21'", the model wrote "At 0:21, gate 25 closes at 9 AM."
        parts.append(f"Begin with 'At {clocks[0]},'.")
    return [ChatMessage("system", SYSTEM), ChatMessage("user", "\n".join(parts))]


def with_time(phrased: str, found: str, evidence: Sequence[Evidence]) -> str:
    """`phrased` with the found answer's first time added when it names none.

    The model answers "What time does gate 25 close?" with "Gate 25 closes at 9 AM.",
    a good sentence without the moment it rests on; it gets that moment back.
    """
    phrased = phrased.strip()
    clocks = CLOCK.findall(found)
    if not phrased or not clocks or CLOCK.search(phrased) or not evidence:
        return phrased
    how = HOW.get(evidence[0].kind, "seen")
    return f"{phrased.rstrip('.!? ')}, {how} at {clocks[0]}."


def required_runs(q: Question, evidence: Sequence[Evidence]) -> list[str]:
    """The words a phrased answer must hold in order: the value asked for, or the quote.

    "What time does gate 25 close?" -> ["9 AM"]; "What did she say about the budget?"
    -> the sentence she said; "When ...", yes/no and count answers -> [] (their time,
    lead word or number is checked instead).
    """
    if not evidence or q.kind not in ("what", "when"):
        return []
    value = asked_value(q.text, evidence[0].text)
    if value is not None:
        return [value]
    return [evidence[0].text] if q.kind == "what" else []


def keeps_fact(q: Question, found: str, phrased: str, evidence: Sequence[Evidence]) -> bool:
    """Whether `phrased` says what `found` says (see the module docstring)."""
    phrased = phrased.strip()
    if not phrased or "\n" in phrased or NOT_SEEN.lower() in phrased.lower():
        return False
    lead = _first_word(found)
    if lead in ("yes", "no") and _first_word(phrased) != lead:
        return False
    known_clocks = set(CLOCK.findall(found)) | {
        format_clock(t) for e in evidence for t in (e.start, e.end)
    }
    found_clocks, clocks = CLOCK.findall(found), CLOCK.findall(phrased)
    if found_clocks and (not clocks or clocks[0] != found_clocks[0]):
        return False
    if not set(clocks) <= known_clocks:
        return False
    known_numbers = set(_numbers(" ".join([found, q.text, *(e.text for e in evidence)])))
    numbers = _numbers(phrased)
    if not set(numbers) <= known_numbers:
        return False
    if q.kind == "count" and numbers[:1] != _numbers(found)[:1]:
        return False
    have = words(phrased)
    return all(has_run(have, words(run)) for run in required_runs(q, evidence))


def _numbers(text: str) -> list[str]:
    return [str(int(w)) for w in words(CLOCK.sub(" ", text)) if w.isdigit()]


def _first_word(text: str) -> str:
    have = words(text)
    return have[0] if have else ""
