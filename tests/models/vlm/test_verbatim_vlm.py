"""The vlm backend under a verbatim prompt (a benchmark's template): the frames, then the
template exactly once, and no rules of ours (that the timeline lines are left out is
tests/reasoning/test_verbatim_prompt.py's, on `prompt_parts`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Context
from streamer.reasoning.question import parse_question
from streamer.reasoning.vlm import VlmBackend
from tests.models.vlm.test_vlm_backend import ASKED_AT, view_of

TEMPLATE = "Question: What is in view?\nOptions: A. a rabbit; B. a gate; C. a bird;\nLetter only."
OPTIONS = ["a rabbit", "a gate", "a bird"]


def test_the_model_is_fed_the_frames_and_the_template_once(llava, demo_frames, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[list[Any]] = []
    real = llava.generate

    def spy(parts, *args, **kw):  # type: ignore[no-untyped-def]
        sent.append(list(parts))
        return real(parts, *args, **kw)

    monkeypatch.setattr(llava, "generate", spy)
    ctx = Context(Timeline(), view_of(llava, demo_frames))
    q = parse_question("What is in view?", ASKED_AT, OPTIONS, prompt=TEMPLATE)
    reply = VlmBackend(llava, max_tokens=3).respond(q, ctx)
    list(reply)
    (parts,) = sent
    texts = [p for p in parts if isinstance(p, str)]
    assert parts[-1] == TEMPLATE and sum(t.count(TEMPLATE) for t in texts) == 1
    assert sum(isinstance(p, np.ndarray) for p in parts) == len(demo_frames)
    rules = ("Answer with", "Answer in", "one sentence")  # our prompt's own rules
    assert not any(r in t for t in texts for r in rules)  # the protocol's words only
    assert reply.grounds.option_index in (0, 1, 2)
