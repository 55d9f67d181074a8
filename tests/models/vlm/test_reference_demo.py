"""The bundled demo asked through `--backend vlm:<reference>` (`make test-reference`).

The reference model (real language model, random vision) reads the demo's
frames as noise and its timeline lines as text: what a user asks about the
cards and the speech is answered from those lines. Marked `reference`: the
replay and a few answers with a 0.5B LM over the held frames take minutes on
two cores, more than make test's share.
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


@pytest.fixture(scope="module")
def demo(reference_model: Path) -> Iterator[Session]:
    config = SessionConfig(
        str(DEMO), pace="none", memory="window", backend=f"vlm:{reference_model}", device="cpu"
    )
    s = Session(config).start()
    try:
        s.run_until(None)
        yield s
    finally:
        s.stop()


@pytest.mark.parametrize(("question", "words"), OPEN, ids=[q for q, _ in OPEN])
def test_open_questions_are_answered_from_the_timeline_lines(demo, question, words):  # type: ignore[no-untyped-def]
    a = demo.ask(question).result(600)
    print(f"{question} -> {a.text!r} (first token {a.first_token_s:.1f} s)")
    assert a.error is None and a.backend == "vlm", a.error
    assert all(w in a.text.lower() for w in words), a.text
    assert any(e.kind == "frame" for e in a.evidence)  # the frames were fed, as noise


def test_which_gate_closes_at_noon_is_seven(demo):  # type: ignore[no-untyped-def]
    a = demo.ask("Which gate closes at noon?", options=["5", "7", "9"]).result(600)
    print(f"Which gate closes at noon? (5 / 7 / 9) -> {a.text!r}")
    assert a.error is None and a.option_index == 1, a.text
