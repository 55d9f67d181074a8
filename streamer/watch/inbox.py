"""What perception hands the watch worker: one small message per timeline event, object
frame or observation, and the message that ends the worker."""

from __future__ import annotations

from dataclasses import dataclass

from streamer.types import FrameObjects, Observation, TextEvent


@dataclass(frozen=True)
class TextArrived:
    """A timeline event (speech, OCR, tags) and its index in the timeline."""

    index: int
    event: TextEvent


@dataclass(frozen=True)
class ObjectsArrived:
    found: FrameObjects


@dataclass(frozen=True)
class ObservationArrived:
    obs: Observation


@dataclass(frozen=True)
class StopWatching:
    """The worker ends once what was sent before this is checked."""


Arrived = TextArrived | ObjectsArrived | ObservationArrived  # each is counted until checked
Message = Arrived | StopWatching
