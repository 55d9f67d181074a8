"""The Stats tab's ingest table says how many sentences were heard while being spoken."""

from __future__ import annotations

from streamer.perception.stats import PerceptionStats
from streamer.session_config import SessionStats
from streamer.types import AvSync, SourceStats
from ui.controller import LiveState
from ui.stats_view import render_stats


def live(drafts: int) -> LiveState:
    p = PerceptionStats(frames_in=20, frames_sampled=10, speech_drafts=drafts)
    stats = SessionStats("running", 10.0, None, p, None, 3, 0, [])
    return LiveState(1, "running", "demo", None, stats, None, ())


def test_drafted_sentences_are_shown_only_when_there_were_any() -> None:
    assert "sentences drafted while spoken</th><td>4<" in render_stats(live(4))
    assert "drafted" not in render_stats(live(0))
    assert "10 of 20" in render_stats(live(0))


def test_the_live_av_table_reads_the_typed_sync_checks() -> None:
    av = AvSync(
        sound=True,
        picture=True,
        audio_drift_ms=-12.4,
        av_offset_ms=3.0,
        audio_corrected_ms=-15.0,
        audio_gap_seconds=1.25,
        camera_reconnects=2,
        mic_reconnects=1,
        mic_overflows=4,
    )
    src = SourceStats(frames=30, frames_dropped=3, audio_seconds=2.0, video_seconds=3.0, av=av)
    src.audio_dropped_seconds = 0.5
    page = render_stats(LiveState(1, "running", "camera 0", None, with_source(src), None, ()))
    for row in (
        "sound</th><td>on<",
        "-12 ms (sample count against the clock)",
        "+3 ms after -15 ms fixed",
        "sound gaps</th><td>1.2 s<",
        "3 frames dropped, 2 reconnects",
        "0.5 s dropped, 1 reconnects, 4 overflows",
    ):
        assert row in page, row
    file_stats = SourceStats(frames=30, duration=12.0)  # a file: no devices to keep in sync
    plain = render_stats(LiveState(1, "running", "a.mp4", None, with_source(file_stats), None, ()))
    assert "Live A/V" not in plain and "Live A/V" in page


def with_source(src: SourceStats) -> SessionStats:
    return SessionStats("running", 3.0, src, None, None, 0, 0, [])
