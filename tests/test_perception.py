"""Perception on a generated clip with real packaged models: what was shown and said, when."""

from __future__ import annotations

import pytest

from streamer.capture import open_source
from streamer.modelset import load_models
from streamer.perception import Perception, PerceptionConfig
from tests.conftest import CARD_TEXT


@pytest.fixture(scope="module")
def perceived(clip):
    observations, events = [], []
    source = open_source(str(clip[0]))
    p = Perception(
        source,
        load_models().perception(),
        observations.append,
        events.append,
        PerceptionConfig(fps=1.0),
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
