"""The Stats tab's ingest table says how many sentences were heard while being spoken."""

from __future__ import annotations

from streamer.perception.stats import PerceptionStats
from streamer.session_config import SessionStats
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
