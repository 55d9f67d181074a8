"""tools/footage_facts.py counts as facts exactly the tracks the object answers read."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from streamer.memory.objects import ObjectLog
from streamer.types import FrameObjects, SeenObject

ROOT = Path(__file__).resolve().parents[1]


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "footage_facts", ROOT / "tools" / "footage_facts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seen(label: str, track: int, x: float) -> SeenObject:
    return SeenObject(label, 0.8, (x, 0.3, x + 0.05, 0.45), "", track)


def test_fact_tracks_are_the_tracks_in_the_persistent_events() -> None:
    log = ObjectLog()
    person, ball, skis, kite = (
        seen("person", 1, 0.1),
        seen("sports ball", 2, 0.5),
        seen("skis", 3, 0.7),
        seen("kite", 4, 0.3),
    )
    samples = [(person, ball), (person, skis), (person, skis), (person,), (person, kite)]
    for t, objects in enumerate(samples):
        log.add(FrameObjects(float(t), t + 1.0, objects))
    read = {o.track for e in log.events(persistent=True) for o in e.objects}
    facts = tool().fact_tracks(log)
    # the one-sample ball is dropped, the skis persisted, the kite is the latest sample's
    assert facts == read == {1, 3, 4}


def test_allowed_classes_come_from_the_labels_and_the_known_extras() -> None:
    facts = tool()
    assert facts.allowed("vtest.avi") == {"person", "car", "truck"}
    assert {"person", "car", "bicycle", "motorcycle"} == facts.allowed("bikes.mp4")
    assert facts.allowed("demo.mp4") == set()
