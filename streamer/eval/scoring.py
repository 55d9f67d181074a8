"""Judging an answer against the gold one; deterministic, no model needed.

    judge(q, "A. NOON — at 0:16 the screen read ...", option_index=0)  # multiple choice
    text_scores("the garage", "At 0:07 someone said “The keys are in the garage”.")
      -> TextScores(exact=0.0, contains=1.0, f1=0.33)

Multiple choice follows OVBench's rule: the chosen option is compared with the
answer after lowercasing and stripping; a backend that names a letter ("B",
"(B)", "B. ...") or repeats an option's text is understood too. Open-ended
answers are normalised SQuAD-style (lower case, no punctuation or articles) with
number words folded to digits ("two" -> "2"); `contains` (the gold's words appear
in order in the answer) decides correctness, exact match and token F1 are
reported beside it, and embedding cosine is added by the report.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from streamer.eval.judge import Verdict
from streamer.eval.types import AnswerRecord, EvalQuestion
from streamer.reasoning.wording import has_run
from streamer.reasoning.wording import words as tokens

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CLOCK = re.compile(r"\b(?:(\d+):)?(\d{1,2}):(\d{2})\b")  # 1:02 or 1:02:03 (format_clock)
TIME_TOLERANCE = 2.0  # seconds either side of the gold span a named time may be


@dataclass(frozen=True)
class TextScores:
    exact: float  # normalised answer == normalised gold
    contains: float  # the gold's words appear, in order, in the answer
    f1: float  # token F1 (SQuAD)


def text_scores(gold: str, prediction: str) -> TextScores:
    g, p = tokens(gold), tokens(prediction)
    exact = float(bool(g) and g == p)
    contains = float(bool(g) and has_run(p, g))
    common = sum((Counter(g) & Counter(p)).values())
    f1 = 0.0 if not common else 2 * common / (len(g) + len(p))
    return TextScores(exact, contains, round(f1, 4))


def chosen_index(q: EvalQuestion, prediction: str, option_index: int | None = None) -> int | None:
    """The option an answer picked: its index, a leading letter, or an option's text."""
    options = q.options or ()
    if option_index is not None and 0 <= option_index < len(options):
        return option_index
    text = prediction.strip()
    by_text = {o.strip().lower(): i for i, o in enumerate(options)}
    if text.lower().rstrip(".") in by_text:
        return by_text[text.lower().rstrip(".")]
    m = re.match(r"^\(?([A-Z])(?:[).:]|\s|$)", text)
    shown = [q.letter(i) for i in range(len(options))]
    if m and m.group(1) in shown:  # the letter the option was shown under
        return shown.index(m.group(1))
    hits = [i for i, o in enumerate(options) if o.strip() and o.strip().lower() in text.lower()]
    return hits[0] if len(hits) == 1 else None


def first_number(text: str) -> str | None:
    for w in tokens(CLOCK.sub(" ", text)):
        if w.isdigit():
            return str(int(w))
    return None


def first_time(text: str) -> float | None:
    """Seconds named by the first clock time (m:ss or h:mm:ss) in `text`."""
    m = CLOCK.search(text)
    if m is None:
        return None
    h = int(m.group(1) or 0)
    return h * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def judge(q: EvalQuestion, prediction: str, option_index: int | None = None) -> bool:
    """Whether `prediction` answers `q` correctly, by the question's scoring rule."""
    if q.scoring == "choice":
        chosen = chosen_index(q, prediction, option_index)
        return chosen is not None and chosen == q.answer_index
    if q.scoring == "yesno":
        words = tokens(prediction)
        return bool(words) and words[0] == tokens(q.answer)[0]
    if q.scoring == "number":
        gold = first_number(q.answer)
        return gold is not None and first_number(prediction) == gold
    if q.scoring == "time":
        t = first_time(prediction)
        lo, hi = q.answer_span or (first_time(q.answer) or 0.0,) * 2
        return t is not None and lo - TIME_TOLERANCE <= t <= hi + TIME_TOLERANCE
    return text_scores(q.answer, prediction).contains == 1.0


@dataclass
class Row:
    """One answered question with its scores."""

    q: EvalQuestion
    a: AnswerRecord
    correct: bool
    random: float  # expected accuracy of a random answer
    majority: bool  # the majority answer would be right
    text: TextScores | None = None  # open answers only
    cosine: float | None = None  # open answers only
    verdict: Verdict | None = None  # open answers, when a judge ran
