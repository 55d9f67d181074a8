"""Time references in words, resolved against the question's stream time."""

from __future__ import annotations

import pytest

from streamer.timeref import format_clock, parse_clock, parse_moment, parse_window


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


@pytest.mark.parametrize(
    "question, window",
    [
        ("what was shown about 3 minutes in?", (150.0, 240.0)),
        ("what was on screen 3 min into the video", (150.0, 240.0)),
        ("which secret word was said about 5 minutes in?", (270.0, 360.0)),
        ("which secret word was said about 6 minutes in?", (330.0, 420.0)),
        ("what was said around minute 1?", (45.0, 75.0)),
        ("what was shown near the 2-minute mark?", (105.0, 135.0)),
        ("what did he say at minute 7", (405.0, 435.0)),
        ("what was shown at the 5 minute mark", (285.0, 315.0)),
        ("what was said in the tenth minute?", (540.0, 600.0)),
        ("during the 3rd minute", (120.0, 180.0)),
        ("in minute 10", (540.0, 600.0)),
        ("what was said towards the end?", (810.0, 900.0)),
        ("what did the sign say near the start?", (0.0, 90.0)),
        ("what was said in the middle?", (360.0, 540.0)),
        ("halfway through, what was shown?", (360.0, 540.0)),
    ],
)
def test_moments_said_the_way_people_say_them(question, window):
    assert parse_window(question, now=900.0) == pytest.approx(window)


def test_the_middle_of_the_frame_is_a_place_not_a_time():
    assert parse_window("is there a car in the middle of the frame?", now=900.0) is None


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


@pytest.mark.parametrize(
    "question, now",
    [
        ("Which train leaves at 16:45?", 72.0),  # beyond the stream so far, after "leaves at"
        ("What does the sign say happens at 18:00?", 72.0),
        ("what opens at 9:40?", 7200.0),  # within a two-hour stream, but a timetable's verb
        ("what was said at 9:40?", 300.0),  # 9:40 is past 5:00 of stream: a time of day
        ("what is at 4:30 pm?", 7200.0),
        ("who comes between 9:00 am and 10:00 am?", 7200.0),
        ("who comes between 9:00 and 10:00?", 300.0),  # both ends past now
    ],
)
def test_times_of_day_are_not_stream_windows(question, now):
    assert parse_window(question, now=now) is None


@pytest.mark.parametrize(
    "question, now, window",
    [
        ("what was said at 0:30", 72.0, (28.0, 32.0)),
        ("what was said at 1:05", 7200.0, (63.0, 67.0)),
        ("between 1:00 and 2:00", 90.0, (60.0, 90.0)),  # partly past now: cut at now
        ("in the first minute", 72.0, (0.0, 60.0)),
        ("2 minutes ago", 300.0, (165.0, 195.0)),
    ],
)
def test_stream_times_still_are(question, now, window):
    assert parse_window(question, now=now) == pytest.approx(window)


def test_a_time_of_day_stays_in_the_topic():
    from streamer.reasoning.question import parse_question

    q = parse_question("Which train leaves at 16:45?", 72.0)
    assert q.window is None and q.topic == "train leaves 16 45"
    q = parse_question("What does the sign say happens at 18:00?", 72.0)
    assert q.window is None and "18" in q.terms and q.wants == ("ocr",)
    q = parse_question("What was said at 0:30?", 72.0)
    assert q.window == (28.0, 32.0) and "30" not in q.terms


@pytest.mark.parametrize(
    ("text", "now", "at"),
    [
        ("How many people were there at 0:40?", 80.0, 40.0),
        ("what was said at 5:37?", 1800.0, 337.0),
        ("what did the screen say at 1:02:03", 4000.0, 3723.0),
        ("what is on screen at 500 s", 100.0, 100.0),  # not yet streamed: now
        ("which train leaves at 16:45?", 72.0, None),  # a time of day, not a moment
        ("what was said about 5 minutes in?", 1800.0, None),  # a span
        ("how many people are there now?", 80.0, None),
    ],
)
def test_the_one_moment_a_question_names(text: str, now: float, at: float | None) -> None:
    assert parse_moment(text, now) == at


def test_before_a_time_is_a_window_and_before_a_thing_an_anchor() -> None:
    from streamer.reasoning.question import parse_question

    q = parse_question("What was said before 2:00?", 300.0)
    assert q.anchor is None and q.window == (0.0, 120.0) and q.topic == ""
    q = parse_question("What was said after the 3-minute mark?", 300.0)
    assert q.anchor is None and q.window == (180.0, 300.0)
    q = parse_question("What was said right before the sign about the gate?", 300.0)
    assert q.anchor == ("before", "the sign about the gate") and q.window is None


@pytest.mark.parametrize(
    "question",
    [
        "Were there about 5 people?",  # a number of things
        "What was said about 7?",  # the number 7 is what is asked about
        "Did the car stay for about 5 minutes?",  # a length
        "What was the first thing she said?",  # an nth, not the start
        "Is there a car in the middle of the road?",  # a place
    ],
)
def test_numbers_and_words_that_are_not_times(question: str) -> None:
    assert parse_window(question, now=900.0) is None


@pytest.mark.parametrize(
    ("question", "nth"),
    [
        ("What was said in the last ten minutes?", None),  # a window, not the last one
        ("What did the sign say in the first five minutes?", None),
        ("What was the last thing she said?", -1),
        ("What was the first thing she said?", 1),  # the first one, not the first 30 s
    ],
)
def test_the_nth_one_is_not_a_time_window(question: str, nth: int | None) -> None:
    from streamer.reasoning.question import parse_question

    q = parse_question(question, 1800.0)
    assert q.nth == nth and (q.window is None) == (nth is not None)
