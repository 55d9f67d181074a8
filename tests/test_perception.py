"""Perception on a generated clip with real packaged models: what was shown and said, when."""

from __future__ import annotations

import threading

import pytest

from streamer.capture import open_source, source_config
from streamer.modelset import load_models
from streamer.perception import Perception, PerceptionConfig, ReplayGate
from tests.conftest import CARD_TEXT


@pytest.fixture(scope="module")
def perceived(clip):
    observations, events = [], []
    source = open_source(source_config(str(clip[0])))
    p = Perception(
        source,
        load_models().perception(),
        observations.append,
        events.append,
        PerceptionConfig(sample_fps=1.0),
    )
    source.start()
    p.start()
    assert p.join(timeout=240)
    source.stop()
    return observations, events, p.stats()


def test_on_screen_text_inside_its_span(perceived):
    _, events, _ = perceived
    ocr = [e for e in events if e.kind == "ocr" and e.text == CARD_TEXT]
    assert ocr, [e for e in events if e.kind == "ocr"]
    assert all(3.0 <= e.start and e.end <= 7.0 for e in ocr)
    assert min(e.start for e in ocr) == pytest.approx(3.0)


def test_speech_transcribed_at_its_time(perceived):
    _, events, _ = perceived
    speech = [e for e in events if e.kind == "speech"]
    assert len(speech) == 1
    words = speech[0].text.lower()
    assert "delivery" in words and "arrived" in words and "north entrance" in words
    assert speech[0].start == pytest.approx(8.0, abs=1.0)
    assert speech[0].end == pytest.approx(10.7, abs=1.0)


def test_observations_sampled_with_scene_changes(perceived):
    observations, _, stats = perceived
    times = [o.t for o in observations]
    assert times == pytest.approx([float(i) for i in range(12)])  # 1 fps, cuts on the second
    changes = [o.t for o in observations if o.scene_change]
    assert {0.0, 3.0, 6.0, 8.0} <= set(changes)  # the card, the circle and back
    o = observations[4]
    assert o.tokens.shape == (7, 7, 1280) and o.feature.shape == (1280,)
    assert o.thumbnail[:2] == b"\xff\xd8" and len(o.tags) == 5
    assert stats.observations == 12 and stats.frames_in == 120 and stats.frames_dropped == 0
    assert stats.stages["encode"].items == 12 and stats.stages["ocr"].calls >= 4
    assert stats.audio_seconds == pytest.approx(12.0, abs=0.1)


def test_a_source_error_ends_perception_with_one_sentence(zeroed_clip, monkeypatch):
    """Every end path signals the end: stats ended, gate released, join done; no traceback."""
    crashed = []
    monkeypatch.setattr(threading, "excepthook", crashed.append)
    for _ in range(5):  # the vision thread used to end before the speech thread had started
        source = open_source(source_config(str(zeroed_clip)))
        p = Perception(source, load_models().perception(), list().append, list().append)
        p.hold_at(30.0)
        source.start()
        p.start()
        try:
            assert p.wait_gate(timeout=20) and p.join(timeout=20)
        finally:
            p.stop()
            source.stop()
        stats = p.stats()
        assert stats.ended and not p.running and p.gate.closed
        assert stats.error is not None and stats.error.startswith("Cannot decode")
    assert crashed == []


def test_gate_holds_reports_and_lets_go():
    gate, stop = ReplayGate(), threading.Event()
    assert gate.limit is None and not gate.blocks(100.0)
    gate.hold_at(5.0)
    assert gate.limit == 5.0 and gate.blocks(5.0) and not gate.blocks(4.9)
    assert not gate.wait_reached(timeout=0.05)  # nothing has arrived at the gate yet
    parked = threading.Thread(target=gate.park, args=(5.0, stop))
    parked.start()
    assert gate.wait_reached(timeout=5) and gate.reached == 5.0
    gate.hold_at(5.0)  # the same time asked again: reported again
    assert gate.wait_reached(timeout=5) and parked.is_alive()
    gate.hold_at(8.0)
    parked.join(5)
    assert not parked.is_alive()
    gate.close()  # perception ended: no waiter waits for a time that never comes
    assert gate.wait_reached(timeout=1)
