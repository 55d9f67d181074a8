"""The bundled demo asked through `--backend vlm:<reference>` (`make test-reference`).

Each reference model (real language model, random vision: the 0.5B LM in
LLaVA-OneVision's shape, the 1.5B LM in Qwen2.5-VL's) reads the demo's frames as
noise and its timeline lines as text: what a user asks about the cards and the
speech is answered from those lines. Marked `reference`: the replay and a few
answers over the held frames take minutes on two cores, more than make test's
share.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.session import Session, SessionConfig
from tests.conftest import DEMO

pytestmark = [pytest.mark.reference, pytest.mark.timeout(1800)]

OPEN = [  # question, words the answer must hold (assets/demo.json's cards and speech)
    ("When does gate 7 close?", ("noon",)),
    ("What is the budget for 2027?", ("40,000",)),
    ("Which room was the meeting moved to?", ("214",)),
]


# seconds an answer may take on two shared cores: the 1.5B LM reads ~1,000 prompt positions
# in float32 (267 s to its first token with the load average at 50; two answers passed 600 s)
ANSWER_S = {"llava-onevision": 600, "qwen2.5-vl": 1500}


@pytest.fixture
def answer_s(request: pytest.FixtureRequest) -> float:
    return ANSWER_S[request.node.callspec.params["demo"]]


@pytest.fixture(scope="module", params=list(ANSWER_S))
def demo(request: pytest.FixtureRequest) -> Iterator[Session]:
    fixture = "reference_model" if request.param == "llava-onevision" else "reference_qwen_model"
    folder: Path = request.getfixturevalue(fixture)
    config = SessionConfig(
        str(DEMO), pace="none", memory="window", backend=f"vlm:{folder}", device="cpu"
    )
    s = Session(config).start()
    try:
        s.run_until(None)
        yield s
    finally:
        s.stop()


@pytest.mark.parametrize(("question", "words"), OPEN, ids=[q for q, _ in OPEN])
def test_open_questions_are_answered_from_the_timeline_lines(demo, answer_s, question, words):  # type: ignore[no-untyped-def]
    a = demo.ask(question).result(answer_s)
    print(f"{question} -> {a.text!r} (first token {a.first_token_s:.1f} s)")
    assert a.error is None and a.backend == "vlm", a.error
    assert all(w in a.text.lower() for w in words), a.text
    assert any(e.kind == "frame" for e in a.evidence)  # the frames were fed, as noise


def test_which_gate_closes_at_noon_is_seven(demo, answer_s):  # type: ignore[no-untyped-def]
    a = demo.ask("Which gate closes at noon?", options=["5", "7", "9"]).result(answer_s)
    print(f"Which gate closes at noon? (5 / 7 / 9) -> {a.text!r}")
    assert a.error is None and a.option_index == 1, a.text
