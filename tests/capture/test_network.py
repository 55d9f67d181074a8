"""Network streams that stop: what was seen is kept, and the end says where and why."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from streamer.capture import FileConfig, FileSource, file
from streamer.errors import SourceError
from streamer.session_config import SessionStats
from streamer.types import EndOfStream, Frame, StatusKind
from tests.capture.helpers import drain, write_hls, write_ts
from tests.capture.servers import MediaServer
from tests.conftest import DEMO
from ui.controller import STATUS_WORDS, LiveState
from ui.live_view import render_live


@pytest.fixture
def quick_timeout(monkeypatch):
    """A 2 s read timeout instead of 10 s, so a stall is noticed quickly."""
    monkeypatch.setattr(file, "READ_TIMEOUT", 2.0)


def test_a_server_that_stalls_mid_stream_ends_with_what_was_seen(quick_timeout):
    whole, _, _ = drain(FileSource(FileConfig(str(DEMO), audio=False)))
    stall = int(os.path.getsize(DEMO) * 0.4)
    with MediaServer(DEMO.parent, stall_after=stall) as server:
        src = FileSource(FileConfig(server.url(DEMO.name), audio=False, max_attempts=2))
        frames, _, end = drain(src, timeout=60)
    assert end.reason == "end" and end.error is None  # not "cannot be reached"
    assert 50 < len(frames) < len(whole)
    assert [f.t for f in frames] == [f.t for f in whole[: len(frames)]]  # nothing seen is lost
    stopped = frames[-1].t
    assert end.note is not None and "\n" not in end.note
    assert f"stopped at 0:{int(stopped + 0.1):02d} of 1:12" in end.note
    assert "sent nothing" in end.note and "did not come back after 2 attempts" in end.note
    assert src.stats().note == end.note
    ends = [e for e in src.events() if e.kind is StatusKind.END_OF_STREAM]
    assert [e.message for e in ends] == [end.note]  # the status line's last word


def test_a_whole_stream_over_http_ends_without_a_note():
    with MediaServer(DEMO.parent) as server:
        frames, _, end = drain(
            FileSource(FileConfig(server.url(DEMO.name), audio=False)), timeout=60
        )
    assert end.reason == "end" and end.note is None and len(frames) == 720


@pytest.fixture(scope="module")
def hls_demo(tmp_path_factory) -> Path:
    """assets/demo.mp4 as an HLS VOD playlist (demo.m3u8) and its MPEG-TS segments."""
    folder = tmp_path_factory.mktemp("hls")
    write_hls(DEMO, folder / "demo.m3u8")
    return folder


def restart_after(server: MediaServer, down_at: float, down_for: float) -> threading.Thread:
    """Kill `server` `down_at` seconds from now and bring it back `down_for` seconds later."""

    def run() -> None:
        time.sleep(down_at)
        server.kill()
        time.sleep(down_for)
        server.revive()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", ["demo.mp4", "demo.m3u8"])
def test_a_server_restart_mid_stream_loses_nothing(name, hls_demo):
    """The stream reconnects, goes on where it was, and counts the time it was away."""
    root = DEMO.parent if name.endswith(".mp4") else hls_demo
    with MediaServer(root, rate=60_000) as server:  # ~6 s for the 336 kB file
        whole, whole_audio, _ = drain(FileSource(FileConfig(server.url(name))))  # no restart
        src = FileSource(FileConfig(server.url(name)))
        restarting = restart_after(server, down_at=2.0, down_for=2.0)
        frames, audio, end = drain(src, timeout=60)
        restarting.join(10)
    assert end.reason == "end" and end.note is None, end
    times, whole_times = [round(f.t, 3) for f in frames], [round(f.t, 3) for f in whole]
    assert times == sorted(set(times)) and set(times) <= set(whole_times)  # none twice
    missing = sorted(set(whole_times) - set(times))
    if name.endswith(".mp4"):
        assert not missing
    else:  # the B-frames of the segment cut in half are lost (its P-frames came through)
        assert not missing or missing[-1] - missing[0] < 6.0, missing  # the longest segment
    heard = sum(c.duration for c in audio)
    assert heard == pytest.approx(sum(c.duration for c in whole_audio), abs=0.2)
    starts = [c.t for c in audio]
    assert starts == sorted(starts)
    stats = src.stats()
    assert stats.reconnects == 1 and 1.9 < stats.gap_seconds < 6.0
    events = src.events()
    kinds = [e.kind for e in events]
    assert kinds.index(StatusKind.RECONNECTING) < kinds.index(StatusKind.RECONNECTED)
    back = next(e for e in events if e.kind is StatusKind.RECONNECTED)
    status = STATUS_WORDS[back.kind].format(message=back.message)
    assert status == f"reconnected: back after {stats.gap_seconds:.1f} s"
    session = SessionStats("running", frames[-1].t, stats, None, None, 0, 0, [])
    health = render_live(LiveState(1, "running", name, frames[-1], session, None, (), status))
    assert f"reconnected once, {stats.gap_seconds:.1f} s missed" in health


def test_a_stream_that_does_not_come_back_ends_with_what_it_had():
    with MediaServer(DEMO.parent, rate=60_000) as server:
        src = FileSource(FileConfig(server.url(DEMO.name), audio=False, max_attempts=3))
        restarting = threading.Timer(1.5, server.kill)
        restarting.start()
        t0 = time.monotonic()
        frames, _, end = drain(src, timeout=60)
        took = time.monotonic() - t0
    assert end.reason == "end" and 0 < len(frames) < 720
    assert end.note is not None and "did not come back after 3 attempts" in end.note
    assert f"stopped at 0:{int(frames[-1].t + 0.1):02d} of 1:12" in end.note
    assert took < 1.5 + 0.5 + 1 + 2 + 3  # the waits: 0.5, 1, 2 s
    assert src.stats().reconnects == 0


def test_rtsp_goes_over_tcp_unless_udp_is_asked_for():
    assert (
        FileSource(FileConfig("rtsp://127.0.0.1:9/cam"))._target.options["rtsp_transport"] == "tcp"
    )
    udp = FileSource(FileConfig("rtsp://127.0.0.1:9/cam", rtsp_transport="udp"))
    assert udp._target.options["rtsp_transport"] == "udp"
    with pytest.raises(SourceError, match="rtsp_transport must be one of tcp, udp"):
        FileSource(FileConfig("rtsp://127.0.0.1:9/cam", rtsp_transport="http"))


def take_for(src: FileSource, seconds: float) -> list[Frame]:
    """The frames a started source gives in `seconds` of wall time (then it is stopped)."""
    frames: list[Frame] = []
    until = time.monotonic() + seconds
    try:
        while time.monotonic() < until:
            item = src.queue.get(timeout=1.0)
            if isinstance(item, EndOfStream):
                break
            if isinstance(item, Frame):
                frames.append(item)
    finally:
        src.stop()
    return frames


def test_a_live_stream_comes_back_after_the_gap(tmp_path):
    """A feed with no length (MPEG-TS over HTTP, no Content-Length) whose server restarts
    and starts its clock again: stream time runs on across the gap, which is counted."""
    write_ts(DEMO, tmp_path / "live.ts")
    before, _, _ = drain(FileSource(FileConfig(str(tmp_path / "live.ts"), audio=False)))
    with MediaServer(tmp_path, rate=60_000, live=True) as server:
        src = FileSource(FileConfig(server.url("live.ts"), audio=False))
        restarting = restart_after(server, down_at=2.0, down_for=2.0)
        frames = take_for(src.start(), 7.0)
        restarting.join(10)
    assert src.duration is None  # live: nothing to seek back to
    times = [f.t for f in frames]
    steps = np.diff(times)
    assert (steps > 0).all()  # monotonic, though the restarted feed began again at 0
    jumps = np.nonzero(steps > 1.0)[0]
    assert len(jumps) == 1
    cut = int(jumps[0]) + 1
    stats = src.stats()
    assert stats.reconnects == 1 and 1.9 < stats.gap_seconds < 6.0
    assert steps[cut - 1] == pytest.approx(stats.gap_seconds, abs=0.5)  # the gap, in stream time
    assert times[:cut] == pytest.approx([f.t for f in before[:cut]])  # nothing before it lost
    assert len(frames) - cut > 10  # and it went on after
