"""The object log: what the detector saw, as merged events and as distinct tracked objects.

Consecutive frames with the same objects (the same count of each class) merge
into one `ObjectEvent` whose span grows, as identical screens merge on the
timeline; the event keeps the boxes of its first frame for evidence. Every
tracked object (`ObjectTrack`) keeps when it was first and last seen, its
most frequent colour and its latest box, so "how many cars went by" counts
objects, not detections. Both grow with the stream by bytes a second at most
(one record per change of scene), like the text timeline.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from streamer.perception.objects import counts, describe_objects, describe_shown
from streamer.types import FrameObjects, SeenObject, ShownShape

MERGE_GAP = 3.0  # seconds: frames this close with the same objects extend one event
# An object counts once the tracker has it in this many consecutive detection samples: on
# vtest.avi, bikes.mp4 and the demo at 1 sample a second, every "sports ball", "skis", "vase",
# "bus" and "handbag" the detector fired on clutter was one sample alone.
PERSIST_SAMPLES = 2
# ... spanning this much stream: a cut samples again at once, and bikes.mp4's taxi roof was a
# "mouse" (0.70, 0.47) in two samples 0.08 s apart at a cut, then never again; its cyclist's
# longest run spans 0.44 s of that cut-heavy clip.
PERSIST_SECONDS = 0.25
OBJECTS_FILE = "objects.jsonl"


@dataclass(frozen=True)
class ObjectEvent:
    """A stretch of stream in which the same objects were in view."""

    start: float  # stream time, seconds
    end: float  # stream time, seconds
    objects: tuple[SeenObject, ...]  # as detected in the event's first frame
    scene_colour: str = ""
    shown: tuple[ShownShape, ...] = ()  # shapes on a plain backdrop in its first frame

    @property
    def counts(self) -> dict[str, int]:
        return dict(counts(self.objects))

    @property
    def text(self) -> str:
        """'2 people (left, centre); shown: a red circle (centre)'."""
        parts = [describe_objects(self.objects), describe_shown(self.shown)]
        return "; shown: ".join(p for p in parts if p) if parts[1] else parts[0]

    def alike(self, objects: tuple[SeenObject, ...], shown: tuple[ShownShape, ...]) -> bool:
        """Whether a frame with `objects` and `shown` looks the same (it extends this event)."""
        same_shown = [s.words for s in self.shown] == [s.words for s in shown]
        return counts(self.objects) == counts(objects) and same_shown


@dataclass
class ObjectTrack:
    """One distinct object, followed by the tracker across frames."""

    track: int
    label: str
    first: float  # stream time first seen, seconds
    last: float  # stream time last seen (the end of that frame's span), seconds
    box: tuple[float, float, float, float]  # latest box, relative to the frame
    frames: int = 0  # sampled frames it was detected in
    colours: Counter[str] = field(default_factory=Counter)
    run: int = 0  # most consecutive detection samples it was seen in
    held: float = 0.0  # seconds of stream the longest of those runs spanned
    streak: int = 0  # consecutive detection samples up to the one it was last seen in
    streak_from: float = 0.0  # stream time the current streak began
    seen_at: float = -1.0  # stream time of the last detection sample that saw it

    @property
    def persists(self) -> bool:
        """Seen in `PERSIST_SAMPLES` consecutive samples over `PERSIST_SECONDS` or more:
        a fact, not detector noise."""
        return self.run >= PERSIST_SAMPLES and self.held >= PERSIST_SECONDS

    @property
    def colour(self) -> str:
        return self.colours.most_common(1)[0][0] if self.colours else ""


class ObjectLog:
    """Thread-safe object events and tracks; perception writes, questions read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ObjectEvent] = []
        self._tracks: dict[int, ObjectTrack] = {}
        self._last_sample = -1.0  # stream time of the latest detection sample logged

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def add(self, found: FrameObjects) -> ObjectEvent:
        """Record one frame's objects; returns the event they went into (new or extended)."""
        with self._lock:
            for o in found.objects:
                tr = self._tracks.get(o.track)
                if tr is None:
                    tr = self._tracks[o.track] = ObjectTrack(
                        o.track, o.label, found.t, found.end, o.box
                    )
                tr.last, tr.box, tr.frames = max(tr.last, found.end), o.box, tr.frames + 1
                if tr.streak and tr.seen_at == self._last_sample:
                    tr.streak += 1
                else:
                    tr.streak, tr.streak_from = 1, found.t
                if tr.streak >= tr.run:
                    tr.run, tr.held = tr.streak, max(tr.held, found.t - tr.streak_from)
                tr.seen_at = found.t
                if o.colour:
                    tr.colours[o.colour] += 1
            self._last_sample = found.t
            last = self._events[-1] if self._events else None
            if (
                last is not None
                and last.alike(found.objects, found.shown)
                and found.t - last.end <= MERGE_GAP
            ):
                merged = replace(last, end=max(last.end, found.end))
                self._events[-1] = merged
                return merged
            event = ObjectEvent(found.t, found.end, found.objects, found.scene_colour, found.shown)
            self._events.append(event)
            return event

    def events(
        self, lo: float = 0.0, hi: float = float("inf"), persistent: bool = False
    ) -> list[ObjectEvent]:
        """Events overlapping [lo, hi], in time order; `persistent`: with only the objects
        that persisted (see `PERSIST_SAMPLES`), events left alike merged again."""
        with self._lock:
            found = [e for e in self._events if e.end >= lo and e.start <= hi]
            if not persistent:
                return found
            # what the latest sample holds is not yet judged: it is the best word on "now"
            keep = {
                t.track
                for t in self._tracks.values()
                if t.persists or t.seen_at == self._last_sample
            }
        out: list[ObjectEvent] = []
        for e in found:
            objects = tuple(o for o in e.objects if o.track in keep)
            last = out[-1] if out else None
            if last is not None and last.alike(objects, e.shown):
                if e.start - last.end <= MERGE_GAP:
                    out[-1] = replace(last, end=max(last.end, e.end))
                    continue
            out.append(replace(e, objects=objects))
        return out

    def tracks(self, lo: float = 0.0, hi: float = float("inf")) -> list[ObjectTrack]:
        """Distinct objects seen within [lo, hi], in order of first appearance."""
        with self._lock:
            return [t for t in self._tracks.values() if t.last >= lo and t.first <= hi]

    # -- persistence ---------------------------------------------------------------
    def lines(self) -> str:
        """The log as JSON lines: events, then tracks."""
        with self._lock:
            rows = [{"event": _event_record(e)} for e in self._events]
            rows += [{"track": _track_record(t)} for t in self._tracks.values()]
        return "".join(json.dumps(r) + "\n" for r in rows)

    @classmethod
    def load(cls, path: Path) -> ObjectLog:
        """A log saved with `lines()`; a missing file is an empty log."""
        from streamer.store import damaged, read_jsonl

        log = cls()
        if not path.exists():
            return log
        try:
            for row in read_jsonl(path):
                if "event" in row:
                    log._events.append(_event(row["event"]))
                else:
                    tr = _track(row["track"])
                    log._tracks[tr.track] = tr
        except (KeyError, TypeError, ValueError) as err:
            raise damaged(path, f"a record does not fit: {err}") from None
        return log


def _object_record(o: SeenObject) -> list[Any]:
    return [o.label, o.score, list(o.box), o.colour, o.track]


def _object(r: list[Any]) -> SeenObject:
    label, score, box, colour, track = r
    return SeenObject(str(label), float(score), _box(box), str(colour), int(track))


def _box(values: list[Any]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in values)
    return (x0, y0, x1, y1)


def _event_record(e: ObjectEvent) -> dict[str, Any]:
    objects = [_object_record(o) for o in e.objects]
    shown = [[s.colour, s.shape, list(s.box)] for s in e.shown]
    return {
        "start": e.start,
        "end": e.end,
        "objects": objects,
        "scene_colour": e.scene_colour,
        "shown": shown,
    }


def _event(r: dict[str, Any]) -> ObjectEvent:
    objects = tuple(_object(o) for o in r["objects"])
    # a log saved before shapes were kept has no "shown"
    shown = tuple(ShownShape(str(c), str(k), _box(b)) for c, k, b in r.get("shown", []))
    scene = str(r.get("scene_colour", ""))
    return ObjectEvent(float(r["start"]), float(r["end"]), objects, scene, shown)


def _track_record(t: ObjectTrack) -> dict[str, Any]:
    return {
        "track": t.track,
        "label": t.label,
        "first": t.first,
        "last": t.last,
        "box": list(t.box),
        "frames": t.frames,
        "colours": dict(t.colours),
        "run": t.run,
        "held": t.held,
    }


def _track(r: dict[str, Any]) -> ObjectTrack:
    colours = Counter({str(k): int(v) for k, v in dict(r["colours"]).items()})
    return ObjectTrack(
        int(r["track"]),
        str(r["label"]),
        float(r["first"]),
        float(r["last"]),
        _box(r["box"]),
        int(r["frames"]),
        colours,
        # a log saved before runs were kept: its frames were mostly consecutive samples
        run=int(r.get("run", r["frames"])),
        held=float(r.get("held", float(r["last"]) - float(r["first"]))),
    )
