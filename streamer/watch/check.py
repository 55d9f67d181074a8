"""Deciding, event by event, when a watch's condition starts to hold: one `Hit` per occurrence.

Each trigger keeps the little state its hysteresis needs. A text condition (words
said or shown) holds on each matching event; matches closer than REARM_SECONDS
to the last one are the same occurrence (one sentence revised, one card read
again). An object or colour condition holds frame by frame; it fires when it
starts to hold after being off for at least REARM_SECONDS (a detector that misses
one frame does not alert twice), and "leaves" are confirmed by a second frame
without the object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from streamer.perception.objects import describe_objects
from streamer.reasoning.matcher import FORMS_ONLY, Matcher
from streamer.timeref import format_clock
from streamer.types import FrameObjects, Observation, SeenObject, TextEvent
from streamer.watch.understand import Condition

REARM_SECONDS = 3.0  # stream seconds a condition must be off before it can fire again
SAME_TEXT = 0.75  # character similarity from which two on-screen texts are one text misread
TEXT_KINDS = {"speech": ("speech",), "screen": ("ocr",), "mention": ("speech", "ocr")}
FRAME_KINDS = frozenset({"appear", "leave", "count", "colour"})


@dataclass(frozen=True)
class Hit:
    """One occurrence of a watch's condition."""

    t: float  # stream time it began, seconds
    known: float  # stream time it could first be known: a sentence's end, a frame's time
    sentence: str  # what happened, in words: 'At 0:12 someone said "the budget is due"'
    kind: str  # the evidence kind: speech | ocr | objects | frame
    text: str  # the event's own text


def words_in(words: tuple[str, ...], text: str, meets: Matcher = FORMS_ONLY) -> bool:
    """True when every one of `words` (already `terms`) is in `text`, in any form or (with a
    matcher that has an embedder) as a paraphrase: the answers' own matcher."""
    return meets.holds(words, text)


class TextTrigger:
    """Words said or shown; or the on-screen text changing."""

    def __init__(
        self, cond: Condition, last_screen: str = "", words: Callable[[], Matcher] | None = None
    ) -> None:
        self.cond = cond
        self._words = words or (lambda: FORMS_ONLY)  # the session's matcher, once it has one
        self.kinds = TEXT_KINDS.get(cond.kind, ("ocr",))
        self._index: int | None = None  # the timeline event of the last occurrence
        self._until = float("-inf")  # stream time the last occurrence was last seen
        self._screen = last_screen  # the on-screen text before this event (screen_change)

    def on_text(self, index: int, event: TextEvent) -> Hit | None:
        if event.kind not in self.kinds:
            return None
        if self.cond.kind == "screen_change":
            return self._changed(index, event)
        if self.cond.words and not words_in(self.cond.words, event.text, self._words()):
            return None
        same = index == self._index or event.start <= self._until + REARM_SECONDS
        self._index, self._until = index, max(event.end, self._until if same else event.end)
        if same:
            return None
        if event.kind == "speech":  # known once said to the end
            return Hit(
                event.start, event.end, f"someone said {_quote(event.text)}", "speech", event.text
            )
        return Hit(
            event.start, event.start, f"the screen read {_quote(event.text)}", "ocr", event.text
        )

    def _changed(self, index: int, event: TextEvent) -> Hit | None:
        before, self._screen = self._screen, event.text
        if index == self._index or not before or _same_text(before, event.text):
            self._index = index
            return None
        self._index = index
        what = f"the screen changed from {_quote(before)} to {_quote(event.text)}"
        return Hit(event.start, event.start, what, "ocr", event.text)


def _quote(text: str) -> str:
    return f'"{text.strip().rstrip(".!?")}"'


def _same_text(a: str, b: str) -> bool:
    """Two readings of one text (OCR misreads a letter or a space), not two texts."""
    na, nb = (" ".join(re.findall(r"\w+", x.lower())) for x in (a, b))
    return SequenceMatcher(None, na, nb).ratio() >= SAME_TEXT


class FrameTrigger:
    """Objects in view (appear, leave, a count crossed) or the picture's colour, frame by frame."""

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self._on = False  # the condition held on the last frame
        self._off_since = float("-inf")  # stream time it stopped holding
        self._present = False  # leave: the object has been seen since the last alert
        self._absent_at: FrameObjects | None = None  # leave: the first frame without it

    def matching(self, found: FrameObjects) -> list[SeenObject]:
        c = self.cond
        return [
            o
            for o in found.objects
            if o.label in c.labels and (not c.colour or o.colour == c.colour)
        ]

    def on_objects(self, found: FrameObjects) -> Hit | None:
        if self.cond.kind == "leave":
            return self._leave(found)
        seen = self.matching(found)
        holds = self._holds(found, seen)
        # back within the rearm time after a frame or two without it: the same occurrence
        fire = holds and not self._on and found.t - self._off_since >= REARM_SECONDS
        if self._on and not holds:
            self._off_since = found.t
        self._on = holds
        if not fire:
            return None
        if self.cond.kind == "colour":
            what = f"the picture turned {found.scene_colour}"
            return Hit(found.t, found.t, what, "frame", what)
        text = describe_objects(seen)
        return Hit(found.t, found.t, f"{text} in view", "objects", text)

    def _holds(self, found: FrameObjects, seen: list[SeenObject]) -> bool:
        c = self.cond
        if c.kind == "colour":
            return found.scene_colour == c.colour
        if c.kind == "count":
            return len(seen) <= c.at_most if c.at_most is not None else len(seen) >= c.at_least
        return bool(seen)

    def _leave(self, found: FrameObjects) -> Hit | None:
        if self.matching(found):
            self._present, self._absent_at = True, None
            return None
        if not self._present:
            return None
        if self._absent_at is None:  # one frame without it: wait for a second to confirm
            self._absent_at = found
            return None
        first, self._present, self._absent_at = self._absent_at, False, None
        what = f"no {self.cond.named or 'object'} in view any more"
        return Hit(first.t, found.t, what, "objects", what)


class SceneTrigger:
    """A change of scene (perception's cut detector)."""

    def __init__(self) -> None:
        self._seen = False

    def on_observation(self, obs: Observation) -> Hit | None:
        first, self._seen = not self._seen, True
        if not obs.scene_change or first:
            return None
        return Hit(
            obs.t, obs.t, "a new scene began", "frame", f"new scene at {format_clock(obs.t)}"
        )
