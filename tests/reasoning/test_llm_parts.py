"""The llm backend's pure parts: the phrasing prompt, the keep-the-fact check, the option choice.

No model and no embedder: these are functions of text and numbers, run in `make test`.
What the packaged model makes of the prompts is tested in test_llm.py (`-m llm`).
"""

from __future__ import annotations

import math

import pytest

from streamer.reasoning.llm_choice import (
    CLEAR_MARGIN,
    choice_messages,
    decide,
    model_decides,
    option_posterior,
)
from streamer.reasoning.llm_phrasing import (
    SYSTEM,
    evidence_lines,
    keeps_fact,
    phrasable,
    phrase_messages,
    required_runs,
    with_time,
)
from streamer.reasoning.question import parse_question
from streamer.types import Evidence

NOW = 60.0
GATE25 = Evidence(21.0, 24.0, "ocr", "GATE 25 / CLOSES AT 9 AM", 0.9)
GATE55 = Evidence(16.0, 19.0, "ocr", "GATE 55 / CLOSES AT 7 PM", 0.6)
MOVED = Evidence(6.56, 8.7, "speech", "The workshop was moved to Saturday.", 0.86)
BOTH = [GATE25, GATE55]
SALE = [Evidence(t, t + 3, "ocr", "SALE ENDS SOON", 0.8) for t in (1.0, 11.0, 36.0)]

GATE_Q = "What time does gate 25 close?"
GATE_FOUND = (
    "9 AM — shown at 0:21: “GATE 25 / CLOSES AT 9 AM”. "
    "Also: at 0:16 the screen read “GATE 55 / CLOSES AT 7 PM”."
)
WHEN_Q = "When was the sign about gate 25 shown?"
WHEN_FOUND = "At 0:21: the screen read “GATE 25 / CLOSES AT 9 AM”. Also at 0:16."
YES_Q = "Was there a sign about gate 25?"
YES_FOUND = "Yes. At 0:21 the screen read “GATE 25 / CLOSES AT 9 AM”."
COUNT_Q = "How many times was the sale ends soon sign shown?"
COUNT_FOUND = "3 times: at 0:01, 0:11 and 0:36."
SAID_Q = "What did someone say about the workshop?"
SAID_FOUND = "At 0:06 someone said “The workshop was moved to Saturday”."


def q(text, options=None):
    return parse_question(text, NOW, options)


# -- the phrasing prompt ---------------------------------------------------------------
def test_prompt_holds_the_evidence_in_time_order_then_the_question_and_the_found_answer():
    (system, user) = phrase_messages(q(GATE_Q), GATE_FOUND, [GATE25, GATE55])
    assert system.role == "system" and system.content == SYSTEM
    lines = evidence_lines([GATE25, GATE55])
    assert lines == [
        '[0:16] a sign on screen read "GATE 55 / CLOSES AT 7 PM"',
        '[0:21] a sign on screen read "GATE 25 / CLOSES AT 9 AM"',
    ]
    text = user.content
    assert text.index(lines[0]) < text.index(lines[1]) < text.index(f"Question: {GATE_Q}")
    assert text.index(f"Question: {GATE_Q}") < text.index(f"Found answer: {GATE_FOUND}")


@pytest.mark.parametrize(
    ("question", "found", "evidence", "rule"),
    [
        (YES_Q, YES_FOUND, [GATE25], "Begin with Yes."),
        (COUNT_Q, COUNT_FOUND, SALE, "Begin with how many times."),
        (WHEN_Q, WHEN_FOUND, [GATE25], "Begin with 'At 0:21,'."),
        (GATE_Q, GATE_FOUND, [GATE25], None),
    ],
)
def test_prompt_says_how_to_begin(question, found, evidence, rule):
    (_, user) = phrase_messages(q(question), found, evidence)
    last = user.content.splitlines()[-1]
    assert last == rule if rule else last.startswith("Found answer:")


@pytest.mark.parametrize(
    ("question", "found", "evidence", "expected"),
    [
        (GATE_Q, GATE_FOUND, [GATE25], True),
        (COUNT_Q, COUNT_FOUND, SALE, True),
        ("Was there a sign about gate 2?", "No. I have not seen or heard anything.", [], False),
        (GATE_Q, GATE_FOUND, [], False),  # nothing to phrase from
        (
            "What objects were there?",
            "A car at 0:05.",
            [Evidence(5, 6, "objects", "car", 1.0)],
            False,
        ),
        ("What did the sign say?", "Between 0:16 and 0:24: ...", BOTH, False),  # a summary
    ],
)
def test_what_is_phrased(question, found, evidence, expected):
    assert phrasable(q(question), found, evidence) is expected


# -- the keep-the-fact check -----------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "found", "evidence", "phrased", "kept"),
    [
        (GATE_Q, GATE_FOUND, BOTH, "Gate 25 closes at 9 AM, a sign read at 0:21.", True),
        (GATE_Q, GATE_FOUND, BOTH, "At 0:21 a sign said gate 25 closes at nine am.", True),
        # value
        (GATE_Q, GATE_FOUND, BOTH, "Gate 25 closes at 9 PM, a sign read at 0:21.", False),
        # a time from nowhere
        (GATE_Q, GATE_FOUND, BOTH, "At 9:00, gate 25 closes.", False),
        # its time dropped
        (GATE_Q, GATE_FOUND, BOTH, "Gate 25 closes at 9 AM.", False),
        # another first time
        (GATE_Q, GATE_FOUND, BOTH, "At 0:16 the sign read gate 55, 9 AM.", False),
        # a number from nowhere
        (GATE_Q, GATE_FOUND, BOTH, "At 0:21 gate 26 closes at 9 AM.", False),
        (GATE_Q, GATE_FOUND, [GATE25], "", False),
        # two lines
        (GATE_Q, GATE_FOUND, [GATE25], "At 0:21 it closes at 9 AM.\nAlso at 0:16.", False),
        (
            GATE_Q,
            GATE_FOUND,
            [GATE25],
            "I have not seen or heard anything about that at 0:21, 9 AM.",
            False,
        ),
        (WHEN_Q, WHEN_FOUND, BOTH, "At 0:21, the sign about gate 25 was shown.", True),
        (WHEN_Q, WHEN_FOUND, BOTH, "The sign about gate 25 was shown at 0:24.", False),
        (YES_Q, YES_FOUND, [GATE25], "Yes, a sign at 0:21 read GATE 25 / CLOSES AT 9 AM.", True),
        (YES_Q, YES_FOUND, [GATE25], "No, at 0:21 the sign read GATE 25 / CLOSES AT 9 AM.", False),
        # yes not first
        (YES_Q, YES_FOUND, [GATE25], "At 0:21, yes: the sign about gate 25.", False),
        (
            COUNT_Q,
            COUNT_FOUND,
            SALE,
            "The sale sign was shown three times: at 0:01, 0:11 and 0:36.",
            True,
        ),
        (COUNT_Q, COUNT_FOUND, SALE, "The sale sign was shown twice, at 0:01 and 0:11.", False),
        # no count
        (COUNT_Q, COUNT_FOUND, SALE, "At 0:01, 0:11 and 0:36 the sale sign was shown.", False),
        (
            SAID_Q,
            SAID_FOUND,
            [MOVED],
            "At 0:06 someone said the workshop was moved to Saturday.",
            True,
        ),
        (SAID_Q, SAID_FOUND, [MOVED], "At 0:06 someone said the workshop moved to Sunday.", False),
    ],
)
def test_keeps_fact(question, found, evidence, phrased, kept):
    assert keeps_fact(q(question), found, phrased, evidence) is kept


def test_found_answer_keeps_its_own_fact():
    """The extractive sentence itself always passes: falling back to it is never a loss."""
    for question, found, evidence in [
        (GATE_Q, GATE_FOUND, [GATE25, GATE55]),
        (WHEN_Q, WHEN_FOUND, [GATE25, GATE55]),
        (YES_Q, YES_FOUND, [GATE25]),
        (COUNT_Q, COUNT_FOUND, SALE),
        (SAID_Q, SAID_FOUND, [MOVED]),
    ]:
        assert keeps_fact(q(question), found, found, evidence), found


@pytest.mark.parametrize(
    ("found", "evidence", "phrased", "expected"),
    [
        (GATE_FOUND, [GATE25], "Gate 25 closes at 9 AM.", "Gate 25 closes at 9 AM, shown at 0:21."),
        (
            SAID_FOUND,
            [MOVED],
            " It was moved to Saturday! ",
            "It was moved to Saturday, said at 0:06.",
        ),
        (
            GATE_FOUND,
            [GATE25],
            "At 0:21 gate 25 closes at 9 AM.",
            "At 0:21 gate 25 closes at 9 AM.",
        ),
        ("Saturday.", [MOVED], "It was moved to Saturday.", "It was moved to Saturday."),  # no time
        (GATE_FOUND, [GATE25], "", ""),
    ],
)
def test_with_time_adds_the_found_moment_to_a_sentence_naming_none(
    found, evidence, phrased, expected
):
    assert with_time(phrased, found, evidence) == expected


def test_a_sentence_given_its_time_keeps_the_fact():
    phrased = with_time("Gate 25 closes at 9 AM.", GATE_FOUND, [GATE25])
    assert keeps_fact(q(GATE_Q), GATE_FOUND, phrased, BOTH)
    assert not keeps_fact(q(GATE_Q), GATE_FOUND, "Gate 25 closes at 9 AM.", BOTH)


def test_required_runs_are_the_value_or_the_quote():
    assert required_runs(q(GATE_Q), [GATE25]) == ["9 AM"]
    assert required_runs(q(SAID_Q), [MOVED]) == [MOVED.text]
    assert required_runs(q(WHEN_Q), [GATE25]) == []  # the time is checked instead
    assert required_runs(q(YES_Q), [GATE25]) == []


# -- multiple choice by likelihood -----------------------------------------------------
def test_option_posterior_is_a_distribution_favouring_the_likeliest():
    p = option_posterior([[-0.04, -0.08], [-5.8, -0.15], [-15.0, -0.1], [-5.6, -0.96]])
    assert math.isclose(sum(p), 1.0) and max(range(4), key=p.__getitem__) == 0 and p[0] > 0.9


def test_option_posterior_does_not_punish_length():
    """Mean, not sum: a sure three-token option beats a less sure one-token option."""
    p = option_posterior([[-0.5], [-0.1, -0.1, -0.1]])
    assert p[1] > p[0]


def test_option_posterior_of_empty_options():
    assert option_posterior([[], [-1.0]]) == [0.0, 1.0]
    assert option_posterior([[], []]) == [0.5, 0.5]
    assert option_posterior([]) == []


@pytest.mark.parametrize(
    ("support", "posterior", "chosen"),
    [
        ([0.915, 0.822, 0.755, 0.827], [0.1, 0.1, 0.7, 0.1], 2),  # close evidence: the model
        ([0.934, 0.828, 0.772, 0.713], [0.1, 0.1, 0.7, 0.1], 0),  # clear evidence stands
        ([0.22, 0.18], [0.1, 0.9], 0),  # no evidence: the model has none either
        ([0.62, 0.58], None, 0),  # no model score: the evidence's best
        ([0.62, 0.58], [0.5, 0.5], 0),  # a tie goes to the earlier option
        ([0.58, 0.62], [0.9, 0.1], 0),
        ([0.62, 0.58], [0.3, 0.3, 0.4], 0),  # scores for another number of options: ignored
    ],
)
def test_decide(support, posterior, chosen):
    assert decide(support, posterior) == chosen


def test_model_decides_only_between_close_found_options():
    assert model_decides([0.90, 0.90 - CLEAR_MARGIN / 2])
    assert not model_decides([0.90, 0.90 - CLEAR_MARGIN * 1.5])
    assert not model_decides([0.30, 0.29])  # nothing about the question
    assert not model_decides([0.90])  # one option
    assert not model_decides([])


def test_choice_prompt_lists_the_timeline_then_the_options():
    question = q("What time does gate 55 close?", ["7 PM", "6 PM", "NOON", "9 AM"])
    lines = evidence_lines([GATE55, GATE25])
    (_, user) = choice_messages(question, lines)
    text = user.content
    assert text.index(lines[1]) < text.index("Question: What time does gate 55 close?")
    assert "Options: 7 PM; 6 PM; NOON; 9 AM" in text
    assert "nothing related" in choice_messages(question, [])[1].content
