"""The one protocol every reasoning backend follows, and the draft it fills in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from streamer.memory.timeline import Timeline
from streamer.reasoning.evidence import HeldFrame
from streamer.reasoning.question import Question
from streamer.types import Evidence


@dataclass
class Draft:
    """What a backend reads (timeline, frames held) and writes (evidence, chosen option)."""

    timeline: Timeline
    frames: Sequence[HeldFrame]  # memory items up to the question's time, in time order
    evidence: list[Evidence] = field(default_factory=list)
    option_index: int | None = None


class Backend(Protocol):
    name: str

    def respond(self, q: Question, draft: Draft) -> Iterator[str]:
        """Yield the answer's tokens; fill `draft.evidence` (and `option_index` for choices)."""
        ...
