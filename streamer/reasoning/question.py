"""What a question asks: its kind, the time it refers to, its topic, its options.

q = parse_question("When did the delivery van arrive?", asked_at=60.0)
q.kind == "when"; q.topic == "delivery van arrive"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streamer.errors import StreamerError
from streamer.timeref import TimeRef, parse_time, strip_time_phrases, time_spans

MAX_QUESTION_CHARS = 1000  # longer questions are cut here (a 10,000-character paste still works)
MAX_OPTIONS = 26

STOPWORDS = frozenset(
    """
a an the is are was were be been being do does did done doing have has had having i me my
we our you your he him his she her it its they them their this that these those there here
what which who whom whose when where why how whether if then than so and or but of in on at
to from by with about for into onto over under after before during since until up down out
off again any anything some something all each every no not only own same such too very can
could would should will shall may might must just now ever also please tell say said says
saying see saw seen seeing show shown showed shows screen happen happened happening time
times moment video stream clip frame one someone somebody anyone mention mentioned read
written write wrote appear appeared appearing visible display displayed many often
first last minute minutes second seconds hour hours ago start beginning end between earlier
later recently currently right just sign signs card text caption title label thing things
latest final previous
""".split()
)

KIND_PATTERNS = (
    ("when", r"^\s*(when|at what time|what time)\b"),
    ("count", r"\bhow many times\b|\bhow often\b|\bhow many\b"),
    ("yesno", r"^\s*(did|does|do|is|are|was|were|has|have|had|can|could|will)\b"),
)
SPEECH_WORDS = r"\b(say|said|says|saying|tell|told|mention|mentioned|speak|spoke|talk|hear|heard)\b"
SCREEN_WORDS = (
    r"\b(signs?|screens?|read|reads|written|texts?|cards?|captions?|display|displayed|titles?)\b"
)
SPEAKER_WORDS = r"\b(someone|somebody|anyone|he|she|they|person|people|man|woman|voice|speaker)\b"
ANCHOR_PATTERN = r"\b(right before|just before|before|right after|just after|after)\s+(.+?)[?.!]*$"
# "the second time ...", "the first sign", "the last thing she said"; not "the last 30 s",
# "the first minute" (time windows, timeref.py) nor "the second half".
NTH_PATTERN = (
    r"\bthe\s+(first|second|third|fourth|fifth|last|latest|final|previous)\b(?:\s+time\b)?"
    r"(?!\s+(?:\d|few|couple|half|minutes?|mins?|seconds?|secs?|hours?|[smh]\b))"
)
NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
NTH |= {"last": -1, "latest": -1, "final": -1, "previous": -1}
SIGHT_WORDS = r"\b(see|saw|seen|visible|look|looks|object|objects|color|colour|shape|shown)\b"


class QuestionError(StreamerError):
    """A question that cannot be asked as given (empty, options without a question)."""


@dataclass(frozen=True)
class Question:
    text: str
    asked_at: float  # stream time, seconds
    kind: str  # "what" | "when" | "yesno" | "count" | "choice"
    topic: str  # content words of the question: what to look for
    time: TimeRef | None  # the stream time it names (timeref.py), None: the stream so far
    wants: tuple[str, ...]  # evidence kinds the wording points at: speech, ocr, tags
    options: tuple[str, ...] = ()
    anchor: tuple[str, str] | None = None  # ("before" | "after", what) for "before X" questions
    nth: int | None = None  # "the second time ...": 2; "the last time ...": -1
    # The user turn verbatim (a benchmark's template, which already holds the question and
    # its options): the backends that write a prompt send it as is, in place of their own
    # "Question: ..." frame; `text` stays the bare question, for what reads its parts.
    prompt: str | None = None

    @property
    def terms(self) -> list[str]:
        return terms(self.topic)

    @property
    def window(self) -> tuple[float, float] | None:
        """The stream-time window the question names, or None."""
        return None if self.time is None else self.time.window

    @property
    def at(self) -> float | None:
        """The one moment it names ("at 0:40": 40.0), within `window`, or None."""
        return None if self.time is None else self.time.at


def terms(text: str) -> list[str]:
    """Content words, lower case, as written: 'Closes at NOON' -> ['closes', 'noon'].

    Matching compares their stems (reasoning/stems.py), so any form meets any other."""
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]


def parse_question(
    text: str, asked_at: float, options: list[str] | None = None, prompt: str | None = None
) -> Question:
    """Understand `text`, asked at stream time `asked_at`. Raises QuestionError when unusable.

    `prompt`: the words to send a model instead of our frame around `text` (Question.prompt).
    """
    text = (text or "").strip()
    asked_at = max(0.0, asked_at)  # before the stream began is its start
    if len(text) > MAX_QUESTION_CHARS:  # cut at a word boundary
        text = text[:MAX_QUESTION_CHARS].rsplit(None, 1)[0]
    opts = tuple(o.strip() for o in (options or []) if o and o.strip())[:MAX_OPTIONS]
    if not text:
        raise QuestionError(
            "The question is empty; type a question" + (" to go with the options." if opts else ".")
        )
    low = text.lower()
    kind = (
        "choice" if opts else next((k for k, pat in KIND_PATTERNS if re.search(pat, low)), "what")
    )
    m = re.search(ANCHOR_PATTERN, low)
    if m and any(lo <= m.start() < hi for lo, hi in time_spans(low, asked_at)):
        m = None  # "before 2:00" names a time (timeref.py), not a moment to find
    asked = low[: m.start()] if m else low  # "what was said" in "... right before the sign?"
    wants = tuple(
        k
        for k, pat in (("speech", SPEECH_WORDS), ("ocr", SCREEN_WORDS), ("tags", SIGHT_WORDS))
        if re.search(pat, asked)
    )
    if "ocr" in wants and not re.search(SPEAKER_WORDS, asked):
        wants = tuple(k for k in wants if k != "speech")  # "what did the sign say?"
    anchor = None
    if m:
        anchor = ("before" if "before" in m.group(1) else "after", m.group(2))
    nth = re.search(NTH_PATTERN, strip_time_phrases(low, asked_at))  # not "the last ten minutes"
    topic_text = strip_time_phrases(low[: m.start()] if m else low, asked_at)
    topic_text = re.sub(NTH_PATTERN, " ", topic_text)
    return Question(
        text=text,
        asked_at=asked_at,
        kind=kind,
        topic=" ".join(terms(topic_text)),
        time=parse_time(text, asked_at),
        wants=wants,
        options=opts,
        anchor=anchor,
        nth=NTH[nth.group(1)] if nth else None,
        prompt=prompt or None,
    )
