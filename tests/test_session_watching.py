"""A session's watches as a collaborator: all it reads of its session is a `WatchedStream`.

No media here: the stream is a pair of clocks a test moves by hand, the backend the
extractive one (it cannot look), so what is checked is the narrow interface itself —
where a watch starts, what it can look for, what it saves. The same watches on real
streams are in tests/watch/test_session_watches.py and, with a vlm that looks,
tests/models/vlm/test_watch_vlm.py.
"""

from __future__ import annotations

from pathlib import Path

from streamer.reasoning.backend import Backend
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.session import Session, SessionConfig
from streamer.session_watches import SessionWatches, WatchedStream
from streamer.watch import WATCHES_FILE


class Clocks:
    def __init__(self) -> None:
        self.perceived = 4.0  # seconds of stream perception has reached
        self.captured = 0.0  # seconds a source that plays on has captured
        self.backends_made = 0

    def backend(self) -> Backend:
        self.backends_made += 1
        return ExtractiveBackend()

    def watches(self) -> SessionWatches:
        return SessionWatches(
            WatchedStream(lambda: self.perceived, lambda: self.captured, lambda: None, self.backend)
        )


def test_a_watch_starts_where_the_picture_is_and_words_what_no_event_shows() -> None:
    clocks = Clocks()
    w = clocks.watches()
    door = w.watch("tell me when the door opens")
    assert door.since == 4.0  # a held replay: perception's time
    assert door.condition.kind == "mention"  # an extractive backend cannot look
    assert clocks.backends_made == 1  # asked for its backend: its type decides a look
    clocks.captured = 9.5  # a source that plays on, ahead of perception
    budget = w.watch("tell me when someone mentions the budget")
    assert budget.since == 9.5
    listed = w.watch_command("what are you watching for?")
    assert listed == f"I am watching for: 1. {door.description}; 2. {budget.description}."
    assert w.watch_command("stop watching the budget") == (
        f"I stopped watching for {budget.description}."
    )
    assert [x.id for x in w.watch_list()] == [door.id]
    assert w.watch_command("what time is it?") is None  # not about watches


def test_the_watches_are_saved_and_a_damaged_file_is_one_note(tmp_path: Path) -> None:
    w = Clocks().watches()
    w.watch("tell me when someone says Friday")
    w.save(tmp_path)
    back = Clocks().watches()
    assert back.load(tmp_path) is None
    assert [x.text for x in back.watch_list()] == ["tell me when someone says Friday"]
    (tmp_path / WATCHES_FILE).write_text("{not json", encoding="utf-8")
    fresh = Clocks().watches()
    note = fresh.load(tmp_path)
    assert note is not None and "were left out" in note and "not valid JSON" in note
    assert fresh.watch_list() == []


def test_a_session_owns_its_watches_before_it_starts() -> None:
    s = Session(SessionConfig())  # no source: never started, as the app's standby
    w = s.watches.watch("tell me when someone mentions the budget")
    assert s.watches.watch_list() == [w] and s.watches.alerts() == []
    assert s.stats().notify == []  # no notifier: no channel
