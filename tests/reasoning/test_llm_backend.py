"""The llm backend's own code with a scripted model: prompt, options, citations, failures.

The model here is `ScriptedModel` (tests/reasoning/fakes.py): it replies what
each test wrote, so these run in `make test`. The timeline is the hand-built
one of tests/conftest.py with the real embedder; what a real model makes of
the prompts is tested in test_llm.py (`make test-llm`).
"""

from __future__ import annotations

import re
import threading

import pytest

from models.weights import ModelMissingError
from streamer.errors import SourceError
from streamer.memory.timeline import Timeline
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.llm import CHOICE_RULE, NOT_SEEN, LlmBackend, parse_option, user_prompt
from streamer.reasoning.question import parse_question
from streamer.timeref import format_clock
from tests.conftest import TIMELINE_EVENTS as EVENTS
from tests.reasoning.conftest import NOW
from tests.reasoning.fakes import ScriptedModel

VAN = "When did the delivery van arrive?"
BUDGET = "What was said about the budget?"
WHERE = "Where did the delivery van arrive?"
NORTH = "at the north entrance"
OTHERS = ["at the south exit", "in the parking garage"]
LINE = re.compile(r"^\[(\d+:\d\d)\] (.*)$", re.M)  # a timeline line of the prompt


def options_with_north_at(i: int) -> list[str]:
    return [*OTHERS[:i], NORTH, *OTHERS[i:]]


def prompt_lines(prompt: str) -> list[tuple[str, str]]:
    """(clock time, what) of each timeline line in a prompt, in prompt order."""
    return LINE.findall(prompt)


def event_at(clock: str):
    (e,) = [e for e in EVENTS if format_clock(e.start) == clock]
    return e


def answer(reasoner, reply, text, options=None, at=NOW):
    """Ask `text` with `reply` scripted: (Answer, the model's recorded calls)."""
    model = ScriptedModel(reply)
    a = reasoner(LlmBackend(model), at=at).ask(text, options).result(30)
    return a, model.calls


# -- the prompt ------------------------------------------------------------------------
def test_prompt_holds_the_related_lines_in_time_order(reasoner):
    a, calls = answer(reasoner, "At 0:19 she said forty thousand euros.", BUDGET)
    (call,) = calls
    lines = prompt_lines(call.user)
    times = [event_at(clock).start for clock, _ in lines]
    assert times == sorted(times) and len(times) >= 2  # the sign and the speech, in order
    for clock, what in lines:  # each line quotes its event, with its start time
        assert event_at(clock).text in what
    budget = {e.text for e in EVENTS if "budget" in e.text.lower()}
    assert {event_at(clock).text for clock, _ in lines} == budget  # and nothing unrelated
    assert call.user.index("Timeline:") < call.user.index(f"Question: {BUDGET}")
    assert NOT_SEEN in call.system  # the reply the backend recognises is asked for


@pytest.mark.parametrize("at", [5.0, 12.0, 30.0, 80.0, NOW])
def test_prompt_never_shows_what_came_after_the_question(reasoner, at):
    """A question with no topic shows the latest events: exactly those begun by `at`."""
    _, calls = answer(reasoner, "At 0:03 a sign.", "What was said?", at=at)
    (call,) = calls
    shown = [clock for clock, _ in prompt_lines(call.user)]
    assert shown == [format_clock(e.start) for e in EVENTS if e.start <= at]


def test_topic_seen_only_later_is_not_in_the_prompt(reasoner):
    _, calls = answer(reasoner, "At 0:03 a sign.", "What did the sign say?", at=16.0)
    (call,) = calls
    shown = [event_at(clock).start for clock, _ in prompt_lines(call.user)]
    assert 3.0 in shown and 14.0 in shown and all(t <= 16.0 for t in shown)


@pytest.mark.parametrize("right", [0, 1, 2])
def test_options_are_lettered_with_the_choice_rule(reasoner, right):
    options = options_with_north_at(right)
    a, (call,) = answer(reasoner, f"{'ABC'[right]}. {NORTH}", WHERE, options)
    lettered = [f"{letter}. {o}" for letter, o in zip("ABC", options)]
    assert "\n".join(lettered) in call.user and CHOICE_RULE in call.user
    assert call.user.index(f"Question: {WHERE}") < call.user.index(lettered[0])
    assert "\n" in call.stop  # the chosen option is the whole reply
    assert a.option_index == right and a.option == NORTH


def test_user_prompt_without_lines_says_so():
    q = parse_question("What colour was the bicycle?", NOW, ["red", "blue"])
    prompt = user_prompt(q, [])
    assert prompt_lines(prompt) == [] and "nothing related" in prompt
    assert "A. red\nB. blue" in prompt


# -- options ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("B. at the north entrance", 1),
        ("at the north entrance", 1),  # the text alone
        ("The van came AT THE NORTH ENTRANCE.", 1),  # quoted in any case
        ("A. at the north entrance", 1),  # the text wins over a wrong letter
        ("C", 2),  # the letter alone
        ("C.", 2),
        ("(A)", 0),
        ("Option C", 2),
        ("Answer: A", 0),
        ("D. on the roof", None),  # no such option
        ("I cannot tell from the timeline.", None),
        ("Either at the south exit or at the north entrance.", None),  # two named, no letter
        ("", None),
    ],
)
def test_parse_option(reply, expected):
    assert parse_option(reply, options_with_north_at(1)) == expected


@pytest.mark.parametrize("right", [0, 2])
def test_reply_naming_the_option_text_chooses_it(reasoner, right):
    a, _ = answer(reasoner, f"The van arrived {NORTH}.", WHERE, options_with_north_at(right))
    assert a.option_index == right and a.error is None


@pytest.mark.parametrize("right", [0, 1, 2])
def test_unreadable_reply_lets_the_extractive_scoring_choose(reasoner, right):
    options = options_with_north_at(right)
    a, _ = answer(reasoner, "I cannot tell from the timeline.", WHERE, options)
    extractive = reasoner(ExtractiveBackend()).ask(WHERE, options).result(30)
    assert extractive.option_index == right  # the timeline supports the north entrance
    assert a.option_index == right and a.option == NORTH
    assert a.text == "I cannot tell from the timeline."  # the model's reply is still the answer


def test_reply_ends_at_the_line_for_a_choice(reasoner):
    reply = f"B. {NORTH}\nBecause someone said so at 0:08."
    a, _ = answer(reasoner, reply, WHERE, [OTHERS[0], NORTH])
    assert a.text == f"B. {NORTH}" and a.option_index == 1


# -- evidence --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "reply", "starts"),
    [
        (VAN, "At 0:08, the delivery van arrived at the north entrance.", {8.0}),
        (BUDGET, "At 0:19 she said the budget is forty thousand euros.", {19.5}),
        (BUDGET, "At 0:14 a sign read 40,000 euros; at 0:19 she said so.", {14.0, 19.5}),
        (BUDGET, "The budget for next year is forty thousand euros.", {14.0, 19.5}),  # no time
        (BUDGET, "At 2:10 the budget was forty thousand euros.", {14.0, 19.5}),  # unrelated time
        ("What colour was the delivery van?", f"{NOT_SEEN} that.", set()),
    ],
)
def test_evidence_is_what_the_reply_cites(reasoner, question, reply, starts):
    a, calls = answer(reasoner, reply, question)
    assert len(calls) == 1 and a.text == reply
    assert {e.start for e in a.evidence} == starts
    for e in a.evidence:  # each is the event itself, cut at the question's time
        (event,) = [x for x in EVENTS if x.start == e.start]
        assert (e.kind, e.text, e.end) == (event.kind, event.text, min(event.end, NOW))


def test_unrelated_question_is_answered_without_the_model(reasoner):
    a, calls = answer(reasoner, "never sent", "What colour was the bicycle?")
    assert calls == [] and a.text.startswith(NOT_SEEN) and a.evidence == []


def test_question_before_the_fact_is_answered_without_the_model(reasoner):
    a, calls = answer(reasoner, "never sent", WHERE, at=5.0)
    assert calls == [] and a.text.startswith(NOT_SEEN) and "north" not in a.text


def test_empty_timeline_is_answered_without_the_model(reasoner, embedder):
    empty = Timeline(embedder.embed, embedder.dim)
    model = ScriptedModel("never sent")
    a = reasoner(LlmBackend(model), on=empty).ask(VAN).result(30)
    assert model.calls == [] and "anything yet" in a.text and a.evidence == []


# -- streaming and failures ------------------------------------------------------------
def test_tokens_stream_in_order_and_make_the_answer(reasoner):
    gate = threading.Event()
    pieces = ["  At", " 0:08", ",", " the", " delivery", " van", " arrived", "."]
    model = ScriptedModel([pieces[0], gate, *pieces[1:]])
    stream = reasoner(LlmBackend(model)).ask(VAN)
    tokens = iter(stream)
    first = next(tokens)
    assert first == "At" and not stream.done  # sent while the model is still writing
    gate.set()
    assert [first, *tokens] == ["At", *pieces[1:]]
    a = stream.result(30)
    assert a.text == "".join(pieces).strip() and a.error is None and a.backend == "llm"


def one_sentence(text: str) -> bool:
    return "\n" not in text and not re.search(r"[.!?]\s+\S", text.strip())


def test_model_failing_mid_stream_gives_an_error_and_the_worker_goes_on(reasoner):
    model = ScriptedModel(
        ["At", " 0:08", RuntimeError("the context window is full")],
        "At 0:19 she said forty thousand euros.",
    )
    r = reasoner(LlmBackend(model))
    failed = r.ask(VAN).result(30)
    assert failed.error and one_sentence(failed.error)
    assert "llm" in failed.error and "the context window is full" in failed.error
    assert failed.text == "At 0:08"  # what was streamed before the failure stays
    after = r.ask(BUDGET).result(30)
    assert after.error is None and after.text == "At 0:19 she said forty thousand euros."
    assert r.answered == 2 and len(model.calls) == 2


def test_model_failing_before_a_token_answers_with_the_error(reasoner):
    model = ScriptedModel([ValueError("bad logits")])
    a = reasoner(LlmBackend(model)).ask(VAN).result(30)
    assert a.error and one_sentence(a.error) and "bad logits" in a.error
    assert a.text == a.error


def test_user_error_from_the_backend_is_shown_as_it_is(reasoner):
    problem = SourceError("The stream ended; open it again to ask about it.")
    a = reasoner(LlmBackend(ScriptedModel([problem]))).ask(VAN).result(30)
    assert a.error == str(problem) and a.text == str(problem)


def test_missing_model_sentence_is_shown_as_it_is(reasoner):
    missing = ModelMissingError("No GGUF model file at /x.gguf; give the path of a .gguf file.")
    a = reasoner(LlmBackend(ScriptedModel([missing]))).ask(VAN).result(30)
    assert a.error == str(missing)
