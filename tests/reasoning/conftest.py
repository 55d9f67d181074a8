"""The hand-built timeline of tests/conftest.py with the real MiniLM embedder; reasoners on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from streamer.memory import make_memory
from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Backend
from streamer.reasoning.reasoner import Reasoner
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS

NOW = 140.0  # stream time after the last event of the hand-built timeline (2:10-2:14)

MakeReasoner = Callable[..., Reasoner]


@pytest.fixture(scope="session")
def embedder():
    from streamer.modelset import load_models

    return load_models(ocr=False, speech=False).embedder


@pytest.fixture(scope="session")
def timeline_of(embedder) -> Callable[..., Timeline]:
    """`timeline_of(*events)`: a new timeline holding `events`, on the real embedder."""

    def make(*events: TextEvent) -> Timeline:
        tl = Timeline(embedder.embed, embedder.dim)
        for e in events:
            tl.add(e)
        return tl

    return make


@pytest.fixture(scope="session")
def timeline(timeline_of) -> Timeline:
    """The hand-built timeline; read only by the tests that share it."""
    return timeline_of(*TIMELINE_EVENTS)


@pytest.fixture
def reasoner(timeline) -> Iterator[MakeReasoner]:
    """`reasoner(backend, at=NOW)`: a started reasoner whose questions are asked at `at`.

    Its memory is a real, empty one: the timeline is the only evidence.
    """
    started: list[Reasoner] = []

    def make(backend: Backend, at: float = NOW, on: Timeline | None = None) -> Reasoner:
        r = Reasoner(on if on is not None else timeline, make_memory("window"), backend, lambda: at)
        started.append(r.start())
        return r

    yield make
    for r in started:
        r.stop()
