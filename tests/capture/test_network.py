"""Network streams that stop: what was seen is kept, and the end says where and why."""

from __future__ import annotations

import os

import pytest

from streamer.capture import FileSource, file
from streamer.types import StatusKind
from tests.capture.helpers import drain
from tests.capture.servers import MediaServer
from tests.conftest import DEMO


@pytest.fixture
def quick_timeout(monkeypatch):
    """A 2 s read timeout instead of 10 s, so a stall is noticed quickly."""
    monkeypatch.setattr(file, "READ_TIMEOUT", 2.0)


def test_a_server_that_stalls_mid_stream_ends_with_what_was_seen(quick_timeout):
    whole, _, _ = drain(FileSource(str(DEMO), audio=False))
    stall = int(os.path.getsize(DEMO) * 0.4)
    with MediaServer(DEMO.parent, stall_after=stall) as server:
        src = FileSource(server.url(DEMO.name), audio=False)
        frames, _, end = drain(src, timeout=60)
    assert end.reason == "end" and end.error is None  # not "cannot be reached"
    assert 50 < len(frames) < len(whole)
    assert [f.t for f in frames] == [f.t for f in whole[: len(frames)]]  # nothing seen is lost
    stopped = frames[-1].t
    assert end.note is not None and "\n" not in end.note
    assert f"stopped at 0:{int(stopped + 0.1):02d} of 1:12" in end.note
    assert "sent nothing" in end.note
    assert src.stats().note == end.note
    ends = [e for e in src.events() if e.kind is StatusKind.END_OF_STREAM]
    assert [e.message for e in ends] == [end.note]  # the status line's last word


def test_a_whole_stream_over_http_ends_without_a_note():
    with MediaServer(DEMO.parent) as server:
        frames, _, end = drain(FileSource(server.url(DEMO.name), audio=False), timeout=60)
    assert end.reason == "end" and end.note is None and len(frames) == 720
