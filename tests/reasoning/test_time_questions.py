"""Questions that name a moment, answered over a generated 30-minute stream's timeline.

Rendering and transcribing 30 minutes of speech takes far longer than the suite
allows, so the timeline is built directly from the records perception would
write: a spoken sentence every 40 s (from synthetic_facts' spoken templates,
seeded), and four secret words at known times. The question's time reference is
one value (`Context.time`) from the parser to the answer.
"""

from __future__ import annotations

import random

import pytest

from streamer.eval.synthetic_facts import SPOKEN
from streamer.memory.timeline import Timeline
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.question import parse_question
from streamer.timeref import TimeRef
from streamer.types import FrameObjects, SeenObject, TextEvent

LENGTH = 1800.0  # a 30-minute stream, asked at its end
SECRETS = {62.0: "marble", 337.0: "pineapple", 760.0: "harbour", 1450.0: "lantern"}


def filler(rng: random.Random) -> str:
    template = rng.choice(SPOKEN)
    return template.text.format(s=rng.choice(template.subjects), v=rng.choice(template.values))


@pytest.fixture(scope="module")
def half_hour(timeline_of) -> Timeline:
    rng = random.Random(0)
    events = [
        TextEvent("speech", filler(rng), t, t + 3.0)
        for t in range(5, int(LENGTH), 40)
        if all(abs(t - s) > 10 for s in SECRETS)
    ]
    events += [
        TextEvent("speech", f"The secret word is {w}.", t, t + 3.0) for t, w in SECRETS.items()
    ]
    return timeline_of(*sorted(events, key=lambda e: e.start))


@pytest.mark.parametrize(
    "question, word",
    [
        ("Which secret word was said about 5 minutes in?", "pineapple"),
        ("Which secret word was said about 6 minutes in?", "pineapple"),
        ("Which secret word was said about five minutes into the video?", "pineapple"),
        ("What was said at 5:37?", "pineapple"),
        ("Which secret word was said around 5:40?", "pineapple"),
        ("Which secret word was said around 1?", "marble"),
        ("Which secret word was said roughly twelve minutes in?", "harbour"),
        ("Which secret word was said twenty-four minutes in?", "lantern"),
        ("Which secret word was said in the last ten minutes?", "lantern"),
        ("Which secret word was said before 2:00?", "marble"),
    ],
)
def test_a_moment_named_in_words_finds_what_was_said(reasoner, half_hour, question, word) -> None:
    a = reasoner(ExtractiveBackend(), at=LENGTH, on=half_hour).ask(question).result(30)
    assert word in a.text, a.text
    others = [w for w in SECRETS.values() if w != word]
    assert not any(w in a.text for w in others), a.text
    t = next(t for t, w in SECRETS.items() if w == word)
    assert a.evidence and a.evidence[0].start == t


def test_the_context_carries_the_one_time_reference(reasoner, half_hour) -> None:
    r = reasoner(ExtractiveBackend(), at=LENGTH, on=half_hour)
    ctx = r.context(parse_question("What was said at 5:37?", LENGTH))
    assert ctx.time == TimeRef(335.0, 339.0, 337.0)
    ctx = r.context(parse_question("What was said right after the secret word pineapple?", LENGTH))
    assert ctx.time is not None and ctx.time.at is None
    assert 340.0 <= ctx.time.lo < 341.0 and ctx.time.hi == pytest.approx(400.0, abs=0.01)


def test_a_count_at_a_moment_is_the_sample_nearest_it(reasoner, timeline_of) -> None:
    tl = timeline_of()
    for t in range(61):  # two people until 0:39, three from 0:39
        people = [
            SeenObject("person", 0.8, (x, 0.3, x + 0.05, 0.45), "", i)
            for i, x in ((1, 0.1), (2, 0.4))
        ]
        if t >= 39:
            people.append(SeenObject("person", 0.8, (0.7, 0.3, 0.75, 0.45), "", 3))
        tl.add_objects(FrameObjects(float(t), t + 1.0, tuple(people)))
    r = reasoner(ExtractiveBackend(), at=60.0, on=tl)
    assert r.ask("How many people were there at 0:40?").result(30).text.startswith("3 people")
    assert r.ask("How many people were there at 0:20?").result(30).text.startswith("2 people")
    assert r.ask("How many people were there around 0:30?").result(30).text.startswith("2 people")
