"""The hand-off between perception's reader and its vision thread: samples and markers.

The reader takes every item off the source (audio straight to the speech worker,
so sound never waits behind OCR or the detector) and hands the sampled frames
over here. A replay's hand-off waits when full (back-pressure, nothing lost); a
live one drops its oldest sample, counted, so a slow vision thread never grows
a backlog. Markers (a drain request, the end) are never dropped and never wait:
the one bounded queue of `streamer.bounded`, with one lane.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from streamer.bounded import BoundedQueue, Lane
from streamer.perception.sampler import Sample
from streamer.types import EndOfStream, Policy

MAX_SAMPLES = 16  # samples waiting for the vision thread (a second of cuts, or 16 s at 1 fps)


@dataclass
class Drain:
    """Encode what was handed over before this; `done` is set once it is."""

    done: threading.Event = field(default_factory=threading.Event)


Handed = Sample | Drain | EndOfStream


def _weigh(item: Sample | Drain) -> float | None:
    return 1.0 if isinstance(item, Sample) else None  # a drain marker is outside the bound


class Handoff(BoundedQueue[Sample | Drain]):
    """Samples in time order, bounded: a live source's drop their oldest, a replay's wait."""

    def __init__(
        self,
        policy: Policy,
        on_drop: Callable[[Sample], None],
        max_samples: int = MAX_SAMPLES,
    ) -> None:
        def dropped(item: Sample | Drain) -> None:
            assert isinstance(item, Sample)  # only samples count against the bound
            on_drop(item)

        lane: Lane[Sample | Drain] = Lane(max_samples, _weigh)
        super().__init__(policy, (lane,), dropped)
