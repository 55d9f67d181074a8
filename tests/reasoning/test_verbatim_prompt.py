"""A verbatim prompt (Question.prompt, a benchmark's template) is the user turn as it stands.

With `eval --protocol` each question carries the benchmark's template, which already
holds the question and its options. Every backend that writes a prompt sends that
text exactly once and none of its own frame ("Question: ...", "Options: ...", its
answer rules); what the model knows of the video beyond the frames (the timeline)
goes in a system turn. The extractive reading still goes by the bare question.
"""

from __future__ import annotations

import numpy as np
import pytest

from streamer.eval.protocol import ovo_prompt, protocol_templates, sb_prompt
from streamer.memory.items import MemoryItem
from streamer.reasoning.llm import LlmBackend
from streamer.reasoning.llm_choice import choice_continuations, choice_messages
from streamer.reasoning.llm_phrasing import evidence_lines, phrase_messages
from streamer.reasoning.openai_prompt import FRAMES_INTRO, chat_messages
from streamer.reasoning.question import Question, parse_question
from streamer.reasoning.vlm import prompt_parts
from streamer.types import Evidence, TextEvent
from tests.eval.test_protocol import SB_BENCHMARK, _ovo_checkout
from tests.reasoning.fakes import ScriptedModel, ScriptedScorer

GATE55 = "What time does gate 55 close?"
OPTIONS = ["7 PM", "6 PM", "NOON", "9 AM"]
CARD = Evidence(16.0, 19.0, "ocr", "GATE 55 / CLOSES AT 7 PM", 0.9)
OURS = ("Question:", "Options:", "Answer with", "Answer in")  # our frame's words


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """OVO-Bench's multiple-choice template filled as its code fills it."""
    checkout = _ovo_checkout(tmp_path_factory.mktemp("ovo") / "OVO-Bench")
    return ovo_prompt(protocol_templates("ovo-bench", checkout), "EPM", GATE55, tuple(OPTIONS))


def asked(template: str, options: list[str] | None = OPTIONS) -> Question:
    return parse_question(GATE55, 40.0, options, prompt=template)


def frame(t: float) -> MemoryItem:
    tokens = np.zeros((2, 2, 4), np.float32)
    return MemoryItem(tokens, np.ones(4, np.float32), t, (t, t), 1, "window", 1.0, 0, b"\xff\xd8")


def test_the_template_is_the_question_kept_apart_from_its_words(template: str) -> None:
    q = asked(template)
    assert q.prompt == template and q.text == GATE55 and q.kind == "choice"
    assert "gate 55" in q.topic  # the extractive reading goes by the question, not the template
    assert parse_question(GATE55, 40.0).prompt is None


def test_the_vlm_sends_the_template_alone_after_the_frames(template: str) -> None:
    lines = evidence_lines([CARD])
    assert prompt_parts(asked(template), lines) == [template]
    ours = prompt_parts(parse_question(GATE55, 40.0, OPTIONS), lines)
    assert len(ours) == 1 and "Question: " + GATE55 in str(ours[0])  # without: our frame


def test_the_openai_request_holds_the_template_once_and_the_frames_times(template: str) -> None:
    lines = evidence_lines([CARD])
    messages = chat_messages(asked(template), [frame(5.0), frame(20.0)], lines)
    system, user = messages
    assert system == {"role": "system", "content": "\n".join(["Timeline:", *lines])}
    texts = [c["text"] for c in user["content"] if c["type"] == "text"]
    assert texts == ["[0:05]", "[0:20]", template] and FRAMES_INTRO not in texts
    assert sum(t.count(template) for t in texts) == 1
    alone = chat_messages(asked(template), [], [])  # text only, nothing on the timeline
    assert alone == [{"role": "user", "content": template}]


def test_the_llm_prompts_are_the_template_with_the_timeline_as_system(template: str) -> None:
    lines = evidence_lines([CARD])
    q = asked(template)
    for system, user in (choice_messages(q, lines), phrase_messages(q, "7 PM", [CARD])):
        assert user.role == "user" and user.content == template
        assert system.role == "system" and lines[0] in system.content
        assert template not in system.content and not any(w in system.content for w in OURS)
    assert "Found answer: 7 PM" in phrase_messages(q, "7 PM", [CARD])[0].content
    assert choice_continuations(q) == ["A", "B", "C", "D"]  # the template asks for the letter
    assert choice_continuations(parse_question(GATE55, 40.0, OPTIONS)) == OPTIONS


def test_the_llm_backend_scores_letters_under_the_template(reasoner, timeline_of, template) -> None:  # type: ignore[no-untyped-def]
    gates = timeline_of(
        TextEvent("ocr", "GATE 55 / CLOSES AT 7 PM", 16.0, 19.0),
        TextEvent("ocr", "GATE 25 / CLOSES AT 9 AM", 21.0, 24.0),
    )
    model = ScriptedScorer(logprobs=[[[-6.0], [-0.1], [-6.0], [-6.0]]])
    r = reasoner(LlmBackend(model), at=40.0, on=gates)
    a = r.ask(GATE55, OPTIONS, prompt=template).result(30)
    ((messages, continuations),) = model.scored
    assert continuations == ("A", "B", "C", "D") and messages[-1].content == template
    assert "GATE 55 / CLOSES AT 7 PM" in messages[0].content
    assert a.option_index == 1  # what the model's letters chose: close evidence, it decides


def test_an_open_question_is_phrased_from_the_template(reasoner, timeline_of) -> None:  # type: ignore[no-untyped-def]
    gates = timeline_of(TextEvent("ocr", "GATE 55 / CLOSES AT 7 PM", 16.0, 19.0))
    template = "Read the sign. What time does gate 55 close? Reply with the time only."
    model = ScriptedModel("7 PM")
    r = reasoner(LlmBackend(model), at=40.0, on=gates)
    r.ask(GATE55, prompt=template).result(30)
    (call,) = model.calls  # the found answer phrased: the request is the template
    assert call.user == template and "GATE 55 / CLOSES AT 7 PM" in call.system


def test_streamingbench_template_is_sent_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checkout = tmp_path / "StreamingBench"
    (checkout / "src" / "benchmark").mkdir(parents=True)
    (checkout / "src" / "benchmark" / "StreamingBench.py").write_text(SB_BENCHMARK)
    text = sb_prompt(protocol_templates("streamingbench", checkout), GATE55, OPTIONS)
    q = asked(text)
    assert prompt_parts(q, []) == [text] and text.count("A. 7 PM") == 1
    assert chat_messages(q, [], []) == [{"role": "user", "content": text}]
