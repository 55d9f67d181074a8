"""The one bounded queue (`streamer.bounded`) under both policies, on its own."""

from __future__ import annotations

import threading

import pytest

from streamer.bounded import BoundedQueue, Lane
from streamer.types import EndOfStream, Policy

MARK = "mark"  # a string is a marker here: it weighs nothing


def weigh(item: float | str) -> float | None:
    return None if isinstance(item, str) else float(item)


def queue(policy: Policy, capacity: float, dropped: list[float | str] | None = None):
    lane: Lane[float | str] = Lane(capacity, weigh)
    on_drop = None if dropped is None else dropped.append
    return BoundedQueue(policy, (lane,), on_drop), lane


def test_drop_removes_the_oldest_counts_it_and_keeps_markers() -> None:
    dropped: list[float | str] = []
    q, lane = queue(Policy.DROP_OLDEST, 3.0, dropped)
    for item in (1.0, MARK, 1.0, 2.0, MARK, 0.5):
        assert q.put(item)  # never waits
    # 1 + 1 + 2 > 3: the first 1.0 goes; 1 + 2 + 0.5 > 3: the second goes
    assert dropped == [1.0, 1.0] and lane.dropped == 2 and lane.dropped_weight == 2.0
    q.close(EndOfStream("end"))
    assert list(q)[:-1] == [MARK, 2.0, MARK, 0.5] and len(q) == 0


def test_an_empty_lane_takes_one_item_heavier_than_its_bound() -> None:
    q, lane = queue(Policy.WAIT, 1.0)
    assert q.put(5.0, threading.Event())
    assert lane.full_for(0.1) and not lane.full_for(MARK)


def test_wait_blocks_until_there_is_room() -> None:
    q, _ = queue(Policy.WAIT, 1.0)
    assert q.put(1.0)
    done: list[bool] = []
    putter = threading.Thread(target=lambda: done.append(q.put(1.0, threading.Event())))
    putter.start()
    putter.join(0.3)
    assert putter.is_alive() and len(q) == 1  # full: it waits, nothing is dropped
    assert q.get(0.1) == 1.0
    putter.join(2)
    assert done == [True] and len(q) == 1


def test_wait_gives_up_when_stopped_and_markers_never_wait() -> None:
    q, lane = queue(Policy.WAIT, 1.0)
    stop = threading.Event()
    assert q.put(1.0, stop) and q.put(MARK, stop)  # the marker goes in although full
    done: list[bool] = []
    putter = threading.Thread(target=lambda: done.append(q.put(1.0, stop)))
    putter.start()
    stop.set()
    putter.join(2)
    assert done == [False] and len(q) == 2 and lane.dropped == 0


def test_the_end_marker_comes_once_after_everything_and_get_times_out() -> None:
    q, _ = queue(Policy.WAIT, 4.0)
    assert q.get(0.01) is None
    q.close(EndOfStream("stopped"))
    q.close(EndOfStream("end"))  # the first end is the one delivered
    q.put(1.0)
    first, end = q.get(0.1), q.get(0.1)
    assert first == 1.0 and isinstance(end, EndOfStream) and end.reason == "stopped"
    assert q.get(0.01) is None


def test_a_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Lane(0, weigh)
