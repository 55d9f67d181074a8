"""The extractive backend over the hand-built timeline: one table of questions and answers.

The timeline (tests/conftest.py):
    0:03-0:06  sign    "GATE 7 CLOSES AT NOON"
    0:08-0:10  speech  "The delivery van arrived at the north entrance."
    0:14-0:19  sign    "BUDGET 2027 40,000 EUROS"
    0:19-0:23  speech  "She said the budget for next year is forty thousand euros."
    1:10-1:13  speech  "Remember to water the plants on Friday."
    2:10-2:14  sign    "EXIT ON THE LEFT"

Each row: the question (with options, asked at a stream time), a part of the
answer it must contain (and one it must not), the start times of the evidence
it must give (exactly those), and for a choice the option it must pick.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from streamer.reasoning.extractive import ExtractiveBackend
from tests.reasoning.conftest import NOW

NOT_SEEN = "I have not seen or heard anything about"


@dataclass(frozen=True)
class Case:
    question: str
    says: str  # a part of the answer text
    starts: frozenset[float]  # start times of the evidence, exactly
    at: float = NOW
    options: tuple[str, ...] = ()
    option: int | None = None  # the option chosen, for a choice
    never: str = ""  # a part the answer must not contain


def case(id, question, says, starts, at=NOW, options=(), option=None, never="", xfail=None):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    row = Case(question, says, frozenset(starts), at, tuple(options), option, never)
    return pytest.param(row, id=id, marks=marks)


CASES = [
    # what was said or shown
    case("said", "What did she say about the budget?", "forty thousand euros", {14.0, 19.5}),
    case("sign", "What did the sign about the gate say?", "“GATE 7 CLOSES AT NOON”", {3.0}),
    case("latest-sign", "What did the sign say?", "GATE 7 CLOSES AT NOON", {3.0}, at=10.0),
    # when
    case("when", "When did the delivery van arrive?", "At 0:08", {8.0}),
    case("when-word", "When did someone mention Friday?", "At 1:10", {70.0}),
    # how many times
    case("count-2", "How many times was the budget mentioned?", "2 times", {14.0, 19.5}),
    case("count-1", "How many times was the gate shown?", "1 time: at 0:03", {3.0}),
    case(
        "count-signs",
        "How many signs were shown?",
        "3 times",
        {3.0, 14.0, 130.0},  # no topic: every sign, and nothing said
    ),
    # yes / no
    case("yes", "Did anyone mention the plants?", "Yes. At 1:10", {70.0}),
    case("no", "Did anyone mention a coffee machine?", f"No. {NOT_SEEN} coffee", set()),
    # before / after an anchor
    case("before", "What was said right before the budget sign?", "delivery van", {8.0}),
    case(
        "sign-before",
        "What did the sign say right before someone mentioned the plants?",
        "BUDGET 2027",
        {14.0},
    ),
    case("sign-after", "What did the sign say right after the van arrived?", "BUDGET", {14.0}),
    case(
        "right-after",
        "What was said right after the sign about the gate?",
        "delivery van",
        {8.0},  # no topic: the first thing said after the anchor, not the latest
    ),
    # a time window
    case("first-minute", "What was said in the first minute?", "delivery van", {8.0, 19.5}),
    case(
        "between",
        "What happened between 0:10 and 0:20?",
        "BUDGET 2027",
        {8.0, 14.0, 19.5},  # the van's sentence (0:08-0:10) touches the window
    ),
    case("between-minutes", "What was said between 1:00 and 2:00?", "plants", {70.0}),
    # nothing found
    case("nothing", "What colour was the bicycle?", NOT_SEEN, set()),
    case(
        "paraphrase",
        "What was said about watering?",
        "water the plants",
        {70.0},  # "watering" and "water" share a stem
    ),
    # multiple choice
    case(
        "choice",
        "Where did the delivery van arrive?",
        "B. at the north entrance",
        {8.0},
        options=["at the south exit", "at the north entrance", "in the parking garage"],
        option=1,
    ),
    case(
        "choice-last",
        "How much is the budget for next year?",
        "C. forty thousand euros",
        {19.5},
        options=["ten thousand euros", "a million euros", "forty thousand euros"],
        option=2,
    ),
    case(
        "choice-first",
        "Which day should the plants be watered?",
        "A. Friday",
        {70.0},
        options=["Friday", "Monday", "Sunday"],
        option=0,
    ),
    # asked before the fact: it must not be seen
    case("early", "When did the delivery van arrive?", NOT_SEEN, set(), at=5.0, never="north"),
    case("early-no", "Did anyone mention the plants?", "No.", set(), at=60.0, never="Friday"),
    case(
        "early-half",
        "What was said about the budget?",
        "BUDGET 2027",
        {14.0},  # the sign had been shown; the sentence came at 0:19
        at=18.0,
        never="forty thousand",
    ),
]


@pytest.mark.parametrize("c", CASES)
def test_extractive_answers(reasoner, c: Case):
    a = reasoner(ExtractiveBackend(), at=c.at).ask(c.question, list(c.options) or None).result(30)
    assert a.error is None and a.asked_at == c.at
    assert c.says in a.text, a.text
    assert {e.start for e in a.evidence} == c.starts, a.text
    assert all(e.start <= c.at and e.end <= c.at for e in a.evidence)  # no peeking
    if c.options:
        assert a.option_index == c.option and a.option == c.options[c.option], a.text
    assert not c.never or c.never not in a.text, a.text
