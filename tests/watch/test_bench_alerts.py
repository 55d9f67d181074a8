"""The alert benchmark's plan and scoring (the replay itself is `bench alerts`, not a test)."""

from __future__ import annotations

import pytest

from streamer.bench.alerts import (
    RED_WATCH,
    SIGN_WATCH,
    SPEECH_WATCH,
    Planted,
    plan,
    score,
)
from streamer.watch import understand
from streamer.watch.check import words_in


def test_the_plan_plants_events_and_near_misses_that_do_not_overlap():
    script, items = plan(30.0, 40, seed=0)
    assert len(items) == 80 and sum(real for _, _, real, _ in items) == 40
    times = sorted(t for _, t, _, _ in items)
    assert all(b - a >= 6.0 for a, b in zip(times, times[1:]))  # a card and a gap each
    assert times[-1] < script.duration - 5.0
    budget = understand(SPEECH_WATCH)
    for s in script.speech:  # a sentence is an occurrence exactly when it says "budget"
        real = next(r for w, t, r, _ in items if w == SPEECH_WATCH and t == s.t)
        assert words_in(budget.words, s.text) == real, s.text
    sign = understand(SIGN_WATCH)
    for c in script.cards:
        real = next(r for w, t, r, _ in items if t == c.start)
        if c.text:
            assert words_in(sign.words, c.text) == real, c.text
        else:
            assert (c.background == (200, 30, 30)) == real


def test_too_many_events_for_the_stream_are_refused():
    with pytest.raises(ValueError, match="do not fit"):
        plan(1.0, 40)


def test_scoring_matches_each_event_once_within_the_tolerance():
    events = [
        Planted(SPEECH_WATCH, 10.0, 13.0, True, "budget"),
        Planted(SPEECH_WATCH, 40.0, 43.0, False, "report"),
        Planted(RED_WATCH, 60.0, 60.0, True, "red"),
        Planted(SIGN_WATCH, 80.0, 80.0, True, "EXIT"),
    ]
    alerts = [
        {"watch": SPEECH_WATCH, "t": 10.5, "at": 14.0, "wall": 14.5},  # hit: 1 s after its end
        {"watch": SPEECH_WATCH, "t": 11.0, "at": 14.2, "wall": 14.6},  # the same event again
        {"watch": SPEECH_WATCH, "t": 40.0, "at": 43.5, "wall": 44.0},  # the distractor
        {"watch": RED_WATCH, "t": 60.2, "at": 61.0, "wall": 62.0},  # hit
        {"watch": SPEECH_WATCH, "t": 80.0, "at": 80.5, "wall": 81.0},  # wrong watch
    ]
    r = score(events, alerts)
    assert (r["events"], r["distractors"], r["alerts"]) == (3, 1, 5)
    assert r["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["precision"] == pytest.approx(2 / 5, abs=1e-4)
    assert r["p50_delay_s"] == pytest.approx(1.0)  # delays 1.0 and 1.0
    assert r["missed"] == [f"{SIGN_WATCH} @ 80.0 s: EXIT"]
    fast = score(events, alerts, speed=4.0)  # at 4x, 13 s of stream is 3.25 s of wall
    assert fast["p50_wall_s"] == pytest.approx(((14.5 - 3.25) + (62.0 - 15.0)) / 2)
