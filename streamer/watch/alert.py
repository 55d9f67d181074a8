"""A standing question and one occurrence of what it looks for, as every layer passes them."""

from __future__ import annotations

from dataclasses import dataclass

from streamer.types import Evidence
from streamer.watch.understand import Condition


@dataclass(frozen=True)
class Watch:
    """A standing question."""

    id: int
    text: str  # as the user wrote it
    condition: Condition
    since: float  # stream time it was registered: only later events fire it

    @property
    def description(self) -> str:
        return self.condition.describe()


@dataclass(frozen=True)
class Alert:
    """One occurrence of what a watch looks for."""

    watch: int  # Watch.id
    watch_text: str
    t: float  # stream time the occurrence began, seconds
    known: float  # stream time it could first be known (a sentence's end, a frame's time)
    at: float  # stream time when the alert fired (the newest captured moment), seconds
    wall: float  # time.time() when it fired
    sentence: str  # 'At 0:12 someone said "the budget is due".'
    evidence: Evidence

    @property
    def delay(self) -> float:
        """Stream seconds from the moment the occurrence could be known to the alert."""
        return max(0.0, self.at - self.known)
