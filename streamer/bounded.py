"""One bounded queue between two threads, with an explicit policy (`Policy`).

- WAIT: back-pressure. `put` blocks while there is no room (or until `stop` is
  set); nothing is ever dropped. For a replay read as fast as it is taken.
- DROP_OLDEST: `put` never blocks; when there is no room, the oldest item of the
  same lane is dropped, counted and reported to `on_drop`. For live sources and
  paced replays, where falling behind must not grow a backlog.

A queue holds one or more lanes, each bounded by the weight of what it holds (a
frame weighs 1, a chunk of audio its seconds). An item that weighs nothing is a
marker (a drain request): it never waits and is never dropped. The end marker
(`close`) is held aside and handed out once, after everything else.

The capture queue (`capture/queue.py`: frames and audio) and perception's
hand-off (`perception/handoff.py`: samples and drain markers) are both this.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from streamer.types import EndOfStream, Policy

SLICE_S = 0.05  # seconds between checks of the stop event while waiting for room

T = TypeVar("T")


class Lane(Generic[T]):
    """Items in arrival order, bounded by their total weight. Not locked: the queue's lock is."""

    def __init__(self, capacity: float, weigh: Callable[[T], float | None]) -> None:
        if capacity <= 0:
            raise ValueError("queue bounds must be positive")
        self.capacity = capacity
        self._weigh = weigh  # None: a marker, outside the bound
        self.items: deque[T] = deque()
        self._held = 0  # items that count against the bound
        self._weight = 0.0
        self.dropped = 0
        self.dropped_weight = 0.0

    def full_for(self, item: T) -> bool:
        """No room for `item`; a lane holding nothing bounded takes one, whatever it weighs."""
        w = self._weigh(item)
        return w is not None and self._held > 0 and self._weight + w > self.capacity

    def push(self, item: T) -> None:
        self._count(item, +1)
        self.items.append(item)

    def pop(self) -> T:
        item = self.items.popleft()
        self._count(item, -1)
        return item

    def drop_oldest(self) -> T:
        """Remove and count the oldest bounded item (markers stay where they are)."""
        for i, item in enumerate(self.items):
            w = self._weigh(item)
            if w is not None:
                del self.items[i]
                self._count(item, -1)
                self.dropped += 1
                self.dropped_weight += w
                return item
        raise IndexError("no bounded item to drop")

    def _count(self, item: T, sign: int) -> None:
        w = self._weigh(item)
        if w is not None:
            self._held += sign
            self._weight += sign * w


class BoundedQueue(Generic[T]):
    """Lanes under one policy and one lock; the end marker comes out once, last.

    Subclasses with several lanes say which lane an item goes to (`_lane`) and
    which lane gives the next item (`_next`); the default is the first lane, FIFO.
    """

    def __init__(
        self,
        policy: Policy,
        lanes: Sequence[Lane[T]],
        on_drop: Callable[[T], None] | None = None,
    ) -> None:
        self.policy = policy
        self._lanes = tuple(lanes)
        self._on_drop = on_drop
        self._end: EndOfStream | None = None
        self._end_taken = False
        self._cond = threading.Condition()

    # -- producer side -------------------------------------------------------------
    def put(self, item: T, stop: threading.Event | None = None) -> bool:
        """Add an item. Returns False if `stop` was set while waiting (item not added)."""
        with self._cond:
            lane = self._lane(item)
            while lane.full_for(item):
                if self.policy is Policy.DROP_OLDEST:
                    dropped = lane.drop_oldest()
                    if self._on_drop is not None:
                        self._on_drop(dropped)
                elif stop is not None and stop.is_set():
                    return False
                else:
                    self._cond.wait(SLICE_S)
            lane.push(item)
            self._cond.notify_all()
            return True

    def close(self, marker: EndOfStream) -> None:
        """Send the end marker. Never blocks; later puts are still accepted but come before it."""
        with self._cond:
            if self._end is None:
                self._end = marker
            self._cond.notify_all()

    # -- consumer side -------------------------------------------------------------
    def get(self, timeout: float | None = None) -> T | EndOfStream | None:
        """The next item, the end marker once drained, or None after `timeout` seconds."""
        with self._cond:
            if not self._cond.wait_for(self._ready, timeout):
                return None
            lane = self._next()
            item: T | EndOfStream
            if lane is not None:
                item = lane.pop()
            else:
                assert self._end is not None
                self._end_taken, item = True, self._end
            self._cond.notify_all()
            return item

    def __iter__(self) -> Iterator[T | EndOfStream]:
        """Items until (and including) the end marker."""
        while True:
            item = self.get(timeout=0.1)
            if item is None:
                continue
            yield item
            if isinstance(item, EndOfStream):
                return

    def __len__(self) -> int:
        """Items waiting, markers included, the end marker not."""
        with self._cond:
            return sum(len(lane.items) for lane in self._lanes)

    # -- for subclasses (called with the lock held) --------------------------------
    def _lane(self, item: T) -> Lane[T]:
        return self._lanes[0]

    def _next(self) -> Lane[T] | None:
        """The lane to take from next; None when all are empty."""
        return next((lane for lane in self._lanes if lane.items), None)

    def _ready(self) -> bool:
        has_items = any(lane.items for lane in self._lanes)
        return has_items or (self._end is not None and not self._end_taken)
