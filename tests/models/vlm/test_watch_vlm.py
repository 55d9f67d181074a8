"""A watch no timeline event can decide, looked for by the vision-language model.

The tiny LLaVA-OneVision (random weights) says yes or no at random, but
what is checked is the mechanism: the look is rate-limited to one per LOOK_EVERY
stream seconds over the newest frames, its verdict is the model's own Yes/No
likelihoods, and an alert fires on each no -> yes.
"""

from __future__ import annotations

import pytest

from streamer.perception import PerceptionConfig
from streamer.reasoning.vlm import YES_NO_RULE
from streamer.session import Session, SessionConfig
from streamer.watch.watches import LOOK_EVERY, LOOK_FRAMES


@pytest.fixture(scope="module")
def looked(clip, tiny_llava):
    s = Session(
        SessionConfig(
            str(clip[0]),
            pace="none",
            memory="window",
            backend=f"vlm:{tiny_llava}",
            perception=PerceptionConfig(sample_fps=2.0, ocr=False, speech=False, objects=False),
        )
    )
    reply = s.watches.watch_command("tell me when the door opens")
    backend = s._backend
    looks: list[tuple[float, list[float], bool]] = []
    real = backend.looks

    def recording(question, frames, now):  # type: ignore[no-untyped-def]
        yes = real(question, frames, now)
        looks.append((now, [t for t, _ in frames], yes))
        return yes

    backend.looks = recording
    with s:
        s.run_until(None)
        yield s, reply, looks


def test_registering_says_the_model_will_look(looked):
    s, reply, _ = looked
    (w,) = s.watches.watch_list()
    assert w.condition.kind == "look" and w.condition.phrase == "the door opens"
    assert "vision-language model looks at the newest frames" in reply


def test_looks_are_rate_limited_over_the_newest_frames(looked):
    _, _, looks = looked
    assert len(looks) >= 2  # a 12 s clip: a look at the start, and every 5 s after
    for (a, _, _), (b, _, _) in zip(looks, looks[1:]):
        assert b - a >= LOOK_EVERY - 1e-6
    for now, times, _ in looks:
        assert 1 <= len(times) <= LOOK_FRAMES and max(times) <= now + 1e-6


def test_an_alert_fires_on_each_no_to_yes(looked):
    s, _, looks = looked
    verdicts = [yes for _, _, yes in looks]
    turns = sum(y and not prev for prev, y in zip([False, *verdicts], verdicts))
    assert len(s.watches.alerts()) == turns
    for a in s.watches.alerts():
        assert "the model saw that the door opens" in a.sentence


def test_the_verdict_is_the_models_own_yes_no_likelihood(looked, clip):
    s, _, looks = looked
    backend = s._backend
    model = backend.model
    frames = model.encode([s.frame_at(t).image for t in (1.0, 2.0)])
    timed = [(1.0, f.tokens) for f in frames[:1]] + [(2.0, f.tokens) for f in frames[1:]]
    question = "Is it true that the door opens?"
    parts = [*model.video_parts(timed, 2.0), f"Question: {question}\n{YES_NO_RULE}"]
    yes = model.option_logprob(parts, "Yes", [1.0, 2.0])
    no = model.option_logprob(parts, "No", [1.0, 2.0])
    assert backend.looks(question, timed, 2.0) == (yes > no)
