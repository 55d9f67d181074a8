"""A phone video (frames stored on their side, a display matrix to turn them) is seen
upright: by capture, over a URL, by OCR and in the thumbnails memory keeps."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from streamer.capture import FileConfig, FileSource
from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig
from streamer.synth import Card, ClipScript, Shape, render
from tests.capture.helpers import drain, write_phone_clip
from tests.capture.servers import MediaServer

SIGN = "PLATFORM 9"
PORTRAIT = ClipScript(  # what the phone's owner saw: 360 wide, 640 tall
    duration=4.0,
    cards=[Card(0.0, 2.0, SIGN)],
    shapes=[Shape(2.0, 4.0, "square", "red")],
    width=360,
    height=640,
    audio=False,
)


@pytest.fixture(scope="module")
def phone(tmp_path_factory) -> tuple[Path, Path]:
    """(the upright clip, the same clip stored as a phone stores it)."""
    folder = tmp_path_factory.mktemp("phone")
    upright, phone = folder / "upright.mp4", folder / "phone.mp4"
    render(PORTRAIT, str(upright))
    write_phone_clip(upright, phone)
    return upright, phone


def _frames_match(phone_source: FileSource, upright: Path) -> None:
    want, _, _ = drain(FileSource(FileConfig(str(upright))))
    got, _, end = drain(phone_source)
    assert end.reason == "end" and len(got) == len(want) == 40
    assert got[0].image.shape == (640, 360, 3)  # portrait, as shown
    assert (phone_source.stats().width, phone_source.stats().height) == (360, 640)
    for g, w in zip(got[::10], want[::10], strict=True):
        diff = np.abs(g.image.astype(int) - w.image.astype(int)).mean()
        assert diff < 6, diff  # the same picture (two lossy encodes apart), not turned


def test_a_phone_clip_is_captured_upright(phone):
    upright, stored = phone
    sideways, _, _ = drain(FileSource(FileConfig(str(upright))))
    assert sideways[0].image.shape == (640, 360, 3)
    _frames_match(FileSource(FileConfig(str(stored))), upright)


def test_a_phone_clip_over_http_is_upright(phone):
    upright, stored = phone
    with MediaServer(stored.parent) as server:
        _frames_match(FileSource(FileConfig(server.url(stored.name))), upright)


def test_its_sign_is_read_and_its_thumbnails_stand_upright(phone):
    _, stored = phone
    config = SessionConfig(str(stored), pace="none", perception=PerceptionConfig(speech=False))
    session = Session(config).start()
    try:
        session.run_until(None)
        texts = [e.text for e in session.timeline_events() if e.kind == "ocr"]
        answer = session.ask("What did the sign say?").result(60)
    finally:
        session.stop()
    assert any(SIGN in t for t in texts), texts
    thumbs = [e.thumbnail for e in answer.evidence if e.thumbnail]
    assert thumbs
    for jpeg in thumbs:
        width, height = Image.open(io.BytesIO(jpeg)).size
        assert height > width  # portrait, as the phone's owner saw it
