"""When a detection becomes a fact, and which object a question is about.

A detection counts once it persists over consecutive samples and clears its
class's score floor; a flat drawn shape is no object; "Is anyone holding an
umbrella?" asks about umbrellas, and a thing no class names is said to be
beyond the detector. Frames come from the real footage the answers are about.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.protocols import Detection
from streamer.memory.objects import ObjectLog
from streamer.perception.objects import believable_detection, drawn
from streamer.reasoning.object_words import asks_for_classes, object_query, unrecognised_thing
from streamer.types import FrameObjects, SeenObject
from tests.conftest import DEMO
from tests.models.test_detector import frame_at

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


def seen(label: str, track: int, x: float = 0.1) -> SeenObject:
    return SeenObject(label, 0.8, (x, 0.3, x + 0.05, 0.45), "", track)


def test_a_one_sample_detection_is_no_fact_until_it_persists() -> None:
    log = ObjectLog()
    ball = seen("sports ball", 2, 0.6)
    log.add(FrameObjects(0.0, 1.0, (seen("person", 1), ball)))  # the ball once, then gone
    for t in (1.0, 2.0):
        log.add(FrameObjects(t, t + 1.0, (seen("person", 1),)))
    assert any(e.counts.get("sports ball") for e in log.events())  # as detected
    facts = log.events(persistent=True)
    assert [e.counts for e in facts] == [{"person": 1}]  # the ball dropped, the events merged
    assert (facts[0].start, facts[0].end) == (0.0, 3.0)
    # a ball in the latest sample is not yet judged: it is what is in view now
    log.add(FrameObjects(3.0, 4.0, (seen("person", 1), seen("sports ball", 3, 0.7))))
    assert log.events(persistent=True)[-1].counts == {"person": 1, "sports ball": 1}
    log.add(FrameObjects(4.0, 5.0, (seen("person", 1),)))
    assert all("sports ball" not in e.counts for e in log.events(persistent=True))


def test_consecutive_means_consecutive_samples() -> None:
    log = ObjectLog()
    for t, objects in ((0.0, (seen("skis", 5),)), (1.0, ()), (2.0, (seen("skis", 5),))):
        log.add(FrameObjects(t, t + 1.0, objects))
    log.add(FrameObjects(3.0, 4.0, ()))
    (skis,) = log.tracks()
    assert (skis.frames, skis.run, skis.persists) == (2, 1, False)  # twice, never running


def test_runs_survive_saving(tmp_path: Path) -> None:
    log = ObjectLog()
    for t in (0.0, 1.0, 2.0):
        log.add(FrameObjects(t, t + 1.0, (seen("car", 7),)))
    path = tmp_path / "objects.jsonl"
    path.write_text(log.lines())
    (car,) = ObjectLog.load(path).tracks()
    assert car.run == 3 and car.persists


def test_a_flat_drawn_shape_is_no_object() -> None:
    # the demo's yellow triangle card at 0:35, which the SSD calls an airplane at 0.70
    triangle = frame_at(DEMO, 35.0)
    assert drawn(triangle, (0.33, 0.2, 0.67, 0.8))
    if not VTEST.exists():
        pytest.skip("opencv-doc is not installed (apt-get install opencv-doc)")
    street = frame_at(VTEST, 60.0)  # the white van parked top right; a man in a red jacket
    assert not drawn(street, (0.85, 0.07, 0.95, 0.18))
    assert not drawn(street, (0.59, 0.52, 0.66, 0.73))


def test_small_classes_need_a_higher_score() -> None:
    if not VTEST.exists():
        pytest.skip("opencv-doc is not installed (apt-get install opencv-doc)")
    street, box = frame_at(VTEST, 60.0), (0.59, 0.52, 0.66, 0.73)  # the man in the red jacket
    assert believable_detection(street, Detection("person", 0.45, box), 0.4)
    assert not believable_detection(street, Detection("person", 0.35, box), 0.4)
    assert not believable_detection(street, Detection("sports ball", 0.46, box), 0.4)
    assert believable_detection(street, Detection("sports ball", 0.55, box), 0.4)


@pytest.mark.parametrize(
    ("question", "kind", "labels", "named"),
    [
        ("Is anyone holding an umbrella?", "yesno", {"umbrella"}, "umbrella"),
        ("Is anyone carrying a bag?", "yesno", {"handbag", "backpack", "suitcase"}, "bag"),
        ("Is the man riding a bicycle?", "yesno", {"bicycle"}, "bicycle"),
        ("Are the people walking past the cars?", "yesno", {"person", "car"}, "people"),
        ("How many people are walking?", "count", {"person"}, "people"),
        ("Is there a traffic light?", "yesno", {"traffic light"}, "traffic light"),
    ],
)
def test_the_object_asked_about_not_the_one_holding_it(
    question: str, kind: str, labels: set[str], named: str
) -> None:
    oq = object_query(question, kind)
    assert oq is not None and (set(oq.labels), oq.named) == (labels, named)


def test_a_thing_no_class_names_is_beyond_the_detector() -> None:
    assert unrecognised_thing("Is anyone holding a red flag?") == "flag"
    assert unrecognised_thing("Did you see a guitar in the hall?") == "guitar"
    assert object_query("Is anyone holding a red flag?", "yesno") is None
    assert unrecognised_thing("Is there an umbrella?") == ""
    assert unrecognised_thing("Did you see the delivery van?") == ""  # a van is a car or truck
    assert asks_for_classes("What objects can you recognise?")
    assert not asks_for_classes("What can you see?")


def test_a_count_at_a_moment_is_the_sample_nearest_it() -> None:
    from streamer.reasoning.object_answers import answer_objects
    from streamer.reasoning.question import parse_question
    from streamer.timeref import TimeRef

    log = ObjectLog()
    for t in range(61):  # two people until 0:39, three from 0:39
        people = (seen("person", 1), seen("person", 2, 0.4))
        people += (seen("person", 3, 0.7),) if t >= 39 else ()
        log.add(FrameObjects(float(t), t + 1.0, people))
    q = parse_question("How many people were there at 0:40?", 60.0)
    oq = object_query(q.text, q.kind)
    assert q.time == TimeRef(38.0, 42.0, 40.0) and oq is not None
    text, _ = answer_objects(oq, log, q.time, q.asked_at, [])
    assert text.startswith("3 people at 0:39"), text
    q = parse_question("How many people were there at 0:38?", 60.0)
    assert q.time is not None and oq is not None
    text, _ = answer_objects(oq, log, q.time, q.asked_at, [])
    assert text.startswith("2 people at 0:00–0:39"), text


def test_two_samples_at_a_cut_are_not_persistence() -> None:
    # bikes.mp4's taxi roof: a "mouse" in two samples 0.08 s apart at a cut, then gone
    log = ObjectLog()
    for t, objects in ((2.72, (seen("mouse", 6),)), (2.80, (seen("mouse", 6),)), (3.8, ())):
        log.add(FrameObjects(t, t + 1.0, objects))
    (mouse,) = log.tracks()
    assert mouse.run == 2 and not mouse.persists
    assert all("mouse" not in e.counts for e in log.events(persistent=True))
