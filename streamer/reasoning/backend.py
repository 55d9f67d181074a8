"""What every reasoning backend reads (`Context`) and returns (`Reply`).

A backend answers one `Question` from a `Context`: the text timeline and a
`MemoryView` read for that question (its time window, `now=asked_at`, and a
query vector where the backend has one). It returns a `Reply` at once: the
answer's tokens as they are produced, and, when they are all out, the
`Grounds` it rests on (evidence, the chosen option).

    def respond(self, q: Question, ctx: Context) -> Reply:
        return Reply(self._tokens(q, ctx))      # a generator that yields tokens ...

    def _tokens(self, q, ctx) -> Generator[str, None, Grounds]:
        yield "At 0:03 ..."
        return Grounds(evidence=[...])          # ... and returns its grounds
"""

from __future__ import annotations

import abc
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import numpy as np

from models.protocols import FrameEncoder
from streamer.memory.base import Memory
from streamer.memory.items import MemoryView
from streamer.memory.timeline import Timeline
from streamer.reasoning.evidence import question_time
from streamer.reasoning.question import Question
from streamer.timeref import TimeRef
from streamer.types import Evidence


@dataclass(frozen=True)
class Context:
    """What a backend reads for one question."""

    timeline: Timeline
    view: MemoryView  # the memory read for this question: never past `asked_at`
    memory: Memory | None = None  # the memory itself, for a backend that reads it its own way (kv)
    # The question's time, resolved once (Reasoner.context: its anchor found, cut at asked_at):
    # the one window and moment every answerer reads, through `time_of`.
    time: TimeRef | None = None

    def time_of(self, q: Question) -> TimeRef:
        """The time `q` is about: the one carried, or (a Context built by hand) resolved now."""
        return self.time if self.time is not None else question_time(q, self.timeline)


@dataclass(frozen=True)
class Grounds:
    """What a finished answer rests on."""

    evidence: list[Evidence] = field(default_factory=list)
    option_index: int | None = None  # 0-based, for a multiple-choice question


TokenStream = Generator[str, None, Grounds]


class Reply:
    """A backend's answer: iterate it for tokens; then `grounds` is set."""

    def __init__(self, tokens: TokenStream) -> None:
        self._tokens = tokens
        self._grounds: Grounds | None = None

    @classmethod
    def text(cls, text: str, grounds: Grounds | None = None) -> Reply:
        """A reply whose whole text is known at once, streamed a word at a time."""

        def words() -> TokenStream:
            yield from stream_words(text)
            return grounds or Grounds()

        return cls(words())

    def __iter__(self) -> Iterator[str]:
        self._grounds = yield from self._tokens

    @property
    def grounds(self) -> Grounds:
        if self._grounds is None:
            raise RuntimeError("the reply's grounds are known once all its tokens are read")
        return self._grounds


def stream_words(text: str) -> Iterator[str]:
    """Yield `text` a word at a time (with its trailing space), as a model would."""
    yield from re.findall(r"\S+\s*", text)


class Backend(abc.ABC):
    """A way of answering: extractive, a local text LLM, a vision-language model."""

    name: str

    @abc.abstractmethod
    def respond(self, q: Question, ctx: Context) -> Reply:
        """Start answering `q`; returns at once (the work happens as tokens are read)."""

    def frame_encoder(self) -> FrameEncoder | None:
        """The encoder whose tokens this backend reads, when it reads frames itself.

        A vision-language backend returns its own vision side, so that the session's
        memory holds exactly what the model will see; text backends return None and
        the packaged frame encoder fills the memory.
        """
        return None

    def frame_side(self) -> int | None:
        """Longest side, px, of the frame JPEGs the memory keeps, when this backend sends them.

        A backend that sends images to a model server reads the held frames' JPEGs
        (normally small thumbnails); the others return None and keep the default.
        """
        return None

    def query_vector(self, q: Question) -> np.ndarray | None:
        """(D,) vector in the memory's feature space to rank held frames by, if any.

        Text backends have none: the view is the question's time window, in time order.
        """
        return None
