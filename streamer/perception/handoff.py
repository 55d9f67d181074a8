"""The hand-off between perception's reader and its vision thread: samples and markers.

The reader takes every item off the source (audio straight to the speech worker,
so sound never waits behind OCR or the detector) and hands the sampled frames
over here. A replay's hand-off waits when full (back-pressure, nothing lost); a
live one drops its oldest sample, counted, so a slow vision thread never grows
a backlog. Markers (a drain request, the end) are never dropped and never wait.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from streamer.perception.sampler import Sample
from streamer.types import EndOfStream, Policy

MAX_SAMPLES = 16  # samples waiting for the vision thread (a second of cuts, or 16 s at 1 fps)
SLICE_S = 0.05  # seconds between checks of the stop condition while waiting for space


@dataclass
class Drain:
    """Encode what was handed over before this; `done` is set once it is."""

    done: threading.Event = field(default_factory=threading.Event)


Handed = Sample | Drain | EndOfStream


class Handoff:
    """Samples in time order, bounded: a live source's drop their oldest, a replay's wait."""

    def __init__(
        self,
        policy: Policy,
        on_drop: Callable[[Sample], None],
        max_samples: int = MAX_SAMPLES,
    ) -> None:
        self.policy, self.max_samples, self._on_drop = policy, max_samples, on_drop
        self._items: deque[Handed] = deque()
        self._samples = 0
        self._cond = threading.Condition()

    def put(self, item: Handed, quit_: threading.Event) -> bool:
        """Hand `item` over; False when `quit_` was set while waiting for space."""
        with self._cond:
            if isinstance(item, Sample):
                while self._samples >= self.max_samples:
                    if self.policy is Policy.DROP_OLDEST:
                        self._drop_one()
                    elif quit_.is_set():
                        return False
                    else:
                        self._cond.wait(SLICE_S)
                self._samples += 1
            self._items.append(item)
            self._cond.notify_all()
            return True

    def _drop_one(self) -> None:
        for i, old in enumerate(self._items):
            if isinstance(old, Sample):
                del self._items[i]
                self._samples -= 1
                self._on_drop(old)
                return

    def get(self, timeout: float) -> Handed | None:
        """The oldest item, or None after `timeout` seconds with nothing handed over."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._items), timeout):
                return None
            item = self._items.popleft()
            if isinstance(item, Sample):
                self._samples -= 1
            self._cond.notify_all()
            return item

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
