"""The triggers' hysteresis, event by event: one alert per occurrence, none while it holds."""

from __future__ import annotations

import numpy as np
import pytest

from streamer.types import FrameObjects, Observation, SeenObject, TextEvent
from streamer.watch import Watches, understand
from streamer.watch.check import REARM_SECONDS, FrameTrigger, TextTrigger


def person(track: int, x: float = 0.5, colour: str = "blue") -> SeenObject:
    return SeenObject("person", 0.9, (x - 0.05, 0.2, x + 0.05, 0.8), colour, track)


def frame(t: float, *objects: SeenObject, scene: str = "grey") -> FrameObjects:
    return FrameObjects(t, t + 1.0, objects, scene)


def test_words_fire_once_per_occurrence_and_survive_revision():
    trig = TextTrigger(understand("tell me when someone mentions the budget"))
    said = TextEvent("speech", "The budget is due", 3.0, 4.5)
    assert trig.on_text(0, said) is not None
    revised = TextEvent("speech", "The budget is due on Friday", 3.0, 5.5)
    assert trig.on_text(0, revised) is None  # the same sentence, recognised again
    assert trig.on_text(1, TextEvent("speech", "and the budget again", 6.0, 7.0)) is None
    assert trig.on_text(2, TextEvent("speech", "Water the plants", 9.0, 10.0)) is None
    later = trig.on_text(3, TextEvent("speech", "Budgets were cut", 7.0 + REARM_SECONDS + 1, 15))
    assert later is not None and later.t == 7.0 + REARM_SECONDS + 1
    assert later.known == 15  # a sentence is known once it has been said


def test_words_must_all_be_there():
    trig = TextTrigger(understand("tell me when someone says the van arrived"))
    assert trig.on_text(0, TextEvent("speech", "The van left at noon", 1.0, 2.0)) is None
    assert trig.on_text(1, TextEvent("speech", "The bus arrives at noon", 9.0, 10.0)) is None
    assert trig.on_text(2, TextEvent("speech", "The vans are arriving", 20.0, 21.0)) is not None


@pytest.mark.parametrize(
    ("watched", "said"),
    [
        ("the garden is watered", "Remember watering the garden"),
        ("boxes", "Put the box down"),
        ("the city", "Two cities were named"),
        ("a budget", "Budgets were cut"),
    ],
)
def test_a_watch_meets_a_word_in_any_form(watched: str, said: str) -> None:
    trig = TextTrigger(understand(f"tell me when someone says {watched}"))
    assert trig.on_text(0, TextEvent("speech", said, 1.0, 2.0)) is not None, (watched, said)


def test_a_sign_change_needs_a_different_text():
    trig = TextTrigger(understand("tell me when the sign changes"), last_screen="GATE 7 OPEN")
    assert trig.on_text(0, TextEvent("ocr", "GATE 7 OPEN", 5.0, 6.0)) is None
    assert trig.on_text(1, TextEvent("ocr", "speech", 6.0, 7.0)) is not None  # any new text
    trig = TextTrigger(understand("tell me when the sign changes"), last_screen="GATE 7 OPEN NOW")
    assert trig.on_text(0, TextEvent("ocr", "GATE 7 OPEN NQW", 5.0, 6.0)) is None  # misread
    hit = trig.on_text(1, TextEvent("ocr", "GATE 9 CLOSED", 8.0, 9.0))
    assert hit is not None and "GATE 9 CLOSED" in hit.sentence


def test_an_object_that_flickers_alerts_once():
    trig = FrameTrigger(understand("alert me when a person enters"))
    assert trig.on_objects(frame(0.0)) is None
    assert trig.on_objects(frame(1.0, person(1))) is not None
    assert trig.on_objects(frame(2.0)) is None  # one frame missed by the detector
    assert trig.on_objects(frame(3.0, person(1))) is None  # back: still the same occurrence
    for t in (4.0, 5.0, 6.0, 7.0):
        assert trig.on_objects(frame(t)) is None
    again = trig.on_objects(frame(8.0, person(2)))
    assert again is not None and again.t == 8.0 and "1 person" in again.sentence


def test_a_count_crossing_and_a_colour():
    trig = FrameTrigger(understand("tell me when there are more than 2 people"))
    assert trig.on_objects(frame(0.0, person(1), person(2))) is None
    assert trig.on_objects(frame(1.0, person(1), person(2), person(3))) is not None
    assert trig.on_objects(frame(2.0, person(1), person(2), person(3), person(4))) is None
    red = FrameTrigger(understand("alert me when a red person appears"))
    assert red.on_objects(frame(0.0, person(1, colour="blue"))) is None
    assert red.on_objects(frame(1.0, person(1, colour="red"))) is not None
    scene = FrameTrigger(understand("let me know when the screen turns red"))
    assert scene.on_objects(frame(0.0, scene="grey")) is None
    assert scene.on_objects(frame(1.0, scene="red")) is not None
    assert scene.on_objects(frame(2.0, scene="red")) is None


def test_leaving_is_confirmed_by_a_second_frame():
    trig = FrameTrigger(understand("tell me when the person leaves"))
    assert trig.on_objects(frame(0.0)) is None  # never there: cannot leave
    assert trig.on_objects(frame(1.0, person(1))) is None
    assert trig.on_objects(frame(2.0)) is None  # one frame without: maybe a miss
    assert trig.on_objects(frame(3.0, person(1))) is None
    assert trig.on_objects(frame(4.0)) is None
    gone = trig.on_objects(frame(5.0))
    assert gone is not None and gone.t == 4.0 and gone.known == 5.0
    assert trig.on_objects(frame(6.0)) is None  # still gone: no second alert


def observation(t: float, seq: int, cut: bool = False) -> Observation:
    return Observation(
        t,
        seq,
        b"\xff\xd8" + bytes([seq]),
        (),
        np.zeros(4, np.float32),
        np.zeros((1, 1, 4)),
        scene_change=cut,
    )


def test_the_worker_fires_only_after_registration_and_keeps_evidence():
    now = [0.0]
    w = Watches(now=lambda: now[0]).start()
    try:
        early = w.add("tell me when someone mentions the budget", at=0.0)
        w.observation(observation(2.5, 25))
        w.text(0, TextEvent("speech", "The budget is due", 3.0, 4.5))
        now[0] = 10.0
        late = w.add("let me know if someone mentions the budget")  # registered at 10 s
        w.text(1, TextEvent("speech", "The budget is due", 3.0, 4.8))  # revised, said before 10 s
        w.observation(observation(20.0, 200))
        w.text(2, TextEvent("speech", "The budget again", 20.0, 21.0))
        assert w.settle(5)
        alerts = w.alerts()
        assert [(a.watch, a.t) for a in alerts] == [
            (early.id, 3.0),
            (early.id, 20.0),
            (late.id, 20.0),
        ]
        assert alerts[0].evidence.thumbnail == b"\xff\xd8" + bytes([25])  # the frame then
        assert alerts[0].sentence == 'At 0:03 someone said "The budget is due".'
        assert w.remove("budget") == [early, late] and w.watching() == []
        w.text(3, TextEvent("speech", "budget budget", 40.0, 41.0))
        assert w.settle(5) and len(w.alerts()) == 3
    finally:
        w.stop()


def test_watches_and_alerts_survive_records():
    w = Watches(now=lambda: 0.0).start()
    w.add("tell me when someone mentions the budget")
    w.text(0, TextEvent("speech", "The budget is due", 3.0, 4.5))
    w.stop()
    back = Watches(now=lambda: 0.0)
    back.restore(w.records())
    assert [x.text for x in back.watching()] == [x.text for x in w.watching()]
    assert back.alerts() == w.alerts()
    assert back.add("tell me when the scene changes").id == 2


def test_an_alert_for_a_sign_shows_the_frame_with_the_sign():
    w = Watches(now=lambda: 3.0).start()
    try:
        w.add("tell me when the sign says gate 7", at=0.0)
        w.observation(observation(2.0, 20))  # the frame before the card
        w.text(0, TextEvent("ocr", "GATE 7 CLOSES AT NOON", 3.0, 4.0))  # read on frame 30 ...
        w.observation(observation(3.0, 30))  # ... whose observation perception hands over next
        w.observation(observation(4.0, 40))
        assert w.settle(5)
        [alert] = w.alerts()
        assert alert.evidence.thumbnail == b"\xff\xd8" + bytes([30])
    finally:
        w.stop()


def test_saved_alerts_keep_the_newest_thumbnails_only(monkeypatch):
    from streamer.watch import records as module

    monkeypatch.setattr(module, "THUMBNAILS_SAVED", 2)
    w = Watches(now=lambda: 0.0).start()
    w.add("tell me when the scene changes")
    for i in range(5):
        w.observation(observation(float(i * 10), i, cut=True))
    w.stop()
    saved = [a["evidence"]["thumbnail"] for a in w.records()["alerts"]]
    assert len(saved) == 4  # the first frame starts the stream, it is no change
    assert saved[:2] == [None, None] and all(saved[2:])
