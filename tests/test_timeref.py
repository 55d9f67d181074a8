"""Time references in words, resolved against the question's stream time."""

from __future__ import annotations

import pytest

from streamer.timeref import format_clock, parse_clock, parse_window


@pytest.mark.parametrize(
    "question, window",
    [
        ("what happened in the first minute?", (0.0, 60.0)),
        ("in the first 10 seconds", (0.0, 10.0)),
        ("anything in the last 30 s?", (270.0, 300.0)),
        ("the last two minutes", (180.0, 300.0)),
        ("between 2:00 and 3:00", (120.0, 180.0)),
        ("between 3:00 and 2:00", (120.0, 180.0)),
        ("what is on screen now?", (290.0, 300.0)),
        ("what happened just now", (270.0, 300.0)),
        ("two minutes ago", (165.0, 195.0)),
        ("at the start", (0.0, 30.0)),
        ("what was said at 1:05", (63.0, 67.0)),
    ],
)
def test_windows(question, window):
    assert parse_window(question, now=300.0) == pytest.approx(window)


def test_no_time_reference():
    assert parse_window("what did she say about the budget?", now=300.0) is None


def test_windows_never_reach_past_now():
    lo, hi = parse_window("in the first 10 minutes", now=42.0)
    assert (lo, hi) == (0.0, 42.0)


def test_clock_round_trip():
    assert parse_clock("1:02") == 62.0 and parse_clock("1:02:03") == 3723.0
    assert parse_clock("42 s") == 42.0
    assert format_clock(62.4) == "1:02" and format_clock(3723) == "1:02:03"


def test_the_anchor_does_not_decide_what_is_asked():
    from streamer.reasoning.question import parse_question

    q = parse_question("What was said right before the sign about the budget?", 60.0)
    assert q.wants == ("speech",) and q.anchor == ("before", "the sign about the budget")
    assert parse_question("What did the sign say?", 60.0).wants == ("ocr",)
