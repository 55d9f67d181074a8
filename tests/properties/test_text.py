"""Properties of the text parsers: questions, time phrases, chosen options."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from streamer.reasoning.question import parse_question
from streamer.reasoning.timeline_prompt import parse_option
from streamer.timeref import format_clock, parse_clock, parse_window, strip_time_phrases
from tests.properties.conftest import raises_only_sentences

TIMES = st.floats(min_value=-1e6, max_value=1e7, allow_nan=False)
STREAM_TIMES = st.floats(min_value=0, max_value=1e7, allow_nan=False)
# Words the time parser reacts to, so that arbitrary text often names a window.
WORDS = st.sampled_from(
    "between and at first last past previous ago in the now just recently start beginning "
    "minutes minute min seconds s sec hours h a one two thirty forty-five am pm leaves "
    "1:00 0:30 16:45 2:00:00 10 5.5 500 s 99999999999999999999:00 : . ?".split()
)
PHRASES = st.lists(WORDS | st.text(max_size=6), max_size=10).map(" ".join)
TEXTS = PHRASES | st.text(max_size=60)


@settings(max_examples=200, deadline=None)
@given(TEXTS, TIMES)
@example("what happened at 500 s?", 100.0)  # was (498, 100): a window starting after `now`
@example("between 10 s and 20 s", 5.0)  # was (10, 5)
@example("in the first minute", -5.0)  # was (0, -5): before the stream began
def test_parse_window_lies_within_the_stream_so_far(text: str, now: float) -> None:
    window = parse_window(text, now)
    if window is not None:
        start, end = window
        assert 0.0 <= start <= end <= max(0.0, now)


@settings(max_examples=200, deadline=None)
@given(TEXTS, TIMES)
def test_strip_time_phrases_takes_any_text(text: str, now: float) -> None:
    assert isinstance(strip_time_phrases(text, now), str)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_format_clock_round_trips_through_the_clock_parser(t: float) -> None:
    assert parse_clock(format_clock(t)) == int(t)


@settings(max_examples=200, deadline=None)
@given(TEXTS, TIMES, st.none() | st.lists(st.text(max_size=10), max_size=5))
@example("what was on screen at 500 s?", -3.0, None)  # its window came from the unclamped time
def test_parse_question_fails_only_in_one_sentence(
    text: str, t: float, options: list[str] | None
) -> None:
    q = raises_only_sentences(lambda: parse_question(text, t, options))
    if q is not None:
        assert q.asked_at == max(0.0, t)
        assert q.kind in ("what", "when", "yesno", "count", "choice")
        if q.window is not None:
            assert 0.0 <= q.window[0] <= q.window[1] <= q.asked_at


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=40) | st.sampled_from(["A", "B.", "(c)", "option D", "Answer: B", " z"]),
    st.lists(st.text(max_size=8), max_size=30),
)
def test_parse_option_is_none_or_an_index(text: str, options: list[str]) -> None:
    chosen = parse_option(text, options)
    assert chosen is None or 0 <= chosen < len(options)
