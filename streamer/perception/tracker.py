"""Object identities across sampled frames: ByteTrack (Roboflow's `trackers`), one per class.

The same walker keeps one id from one detection sample to the next, so "how
many different people went by" counts tracks, not detections. Detections
arrive at the sampling rate (1 a second by default), not the 30 fps ByteTrack
is tuned for, and that changes three things:

- similarity is DIoU (IoU less the centres' distance over the enclosing box's
  diagonal), not IoU: at 1 sample a second a walker moves about a box width,
  so consecutive boxes of one person mostly do not overlap at all (on
  vtest.avi 63 % of person boxes overlap no box of the sample before by 0.1);
  DIoU still ranks the nearest box first and the Kalman filter's velocity
  moves the prediction on after the second sample;
- a lost track waits `MAX_GAP_S` seconds of stream (ByteTrack counts the
  buffer in 30 fps frames: the time is converted), long enough for the
  detector to miss a partly hidden walker for two or three samples;
- every detection gets an id from the first sample it is in: ByteTrack holds
  back an id until a track's second match, and the object log judges
  persistence itself (memory/objects.py), so a new track's first detection
  gets the id the track will keep.

Ids count up from 1 and are never reused. The library is imported on first
use: it comes with the perception extra, as the detector does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.protocols import Detection

# Seconds a track may go unseen before it ends. On vtest.avi at 1 sample a second (about 20
# walkers crossing, counted by eye; the IoU tracker this replaced made 38 persisting person
# tracks) the persisting person tracks at DIoU -0.5 were 30 at 3 s, 27 at 4 s, 24 at 5 s.
MAX_GAP_S = 5.0
# DIoU from which a detection may continue a track: below 0 for boxes that do not overlap.
# On vtest.avi (5 s) the persisting person tracks were 36 at -0.4, 24 at -0.5, 23 at -0.6.
MIN_DIOU = -0.6
# Boxes are tracked in pixels of a nominal frame this wide: ByteTrack's Kalman noise is set
# for boxes in pixels, while detections come relative to the frame (0..1).
SCALE = 1000.0
# Detections reach the tracker already above perception's score floor; ByteTrack's low-score
# second round gets no boxes, and every box may start a track.
ACTIVATION = 0.0

Box = tuple[float, float, float, float]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _ClassTracks:
    """One label's ByteTrack and our id for each of its tracklets."""

    tracker: Any  # trackers.ByteTrackTracker (imported on first use)
    # tracklet -> our track id; keyed by the object (held, so its id() is never reused)
    ours: dict[Any, int] = field(default_factory=dict)


def _byte_track(max_gap: float) -> Any:
    from trackers import ByteTrackTracker
    from trackers.utils.iou import DIoU

    return ByteTrackTracker(
        lost_track_buffer=max(1, round(max_gap * 30)),  # the library counts 30 fps frames
        frame_rate=1.0,  # only for the first step: every update gives its stream time
        track_activation_threshold=ACTIVATION,
        high_conf_det_threshold=ACTIVATION,
        minimum_consecutive_frames=1,
        minimum_iou_threshold=MIN_DIOU,
        iou=DIoU(),
    )


class ObjectTracker:
    """Gives each detection a track id; one ByteTrack per class, so a person never
    continues a car."""

    def __init__(self, max_gap: float = MAX_GAP_S) -> None:
        self.max_gap = max_gap
        self._classes: dict[str, _ClassTracks] = {}
        self._next_id = 1

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def update(self, t: float, detections: list[Detection]) -> list[int]:
        """Track ids of `detections` (same order), seen at stream time `t`."""
        ids = [0] * len(detections)
        by_label: dict[str, list[int]] = {}
        for i, d in enumerate(detections):
            by_label.setdefault(d.label, []).append(i)
        for label, where in by_label.items():
            tracks = self._classes.get(label)
            if tracks is None:
                tracks = self._classes[label] = _ClassTracks(_byte_track(self.max_gap))
            found = self._update_class(tracks, t, [detections[i] for i in where])
            for i, track in zip(where, found):
                ids[i] = track
        for label, tracks in self._classes.items():
            if label not in by_label:  # an empty sample ages this class's tracks too
                self._update_class(tracks, t, [])
        return ids

    def _update_class(self, tracks: _ClassTracks, t: float, found: list[Detection]) -> list[int]:
        """Our ids for one label's detections (same order)."""
        import supervision as sv

        tracker = tracks.tracker
        before = list(tracker.tracks)  # held until the end: their id()s stay theirs
        xyxy = np.array([d.box for d in found], np.float64).reshape(-1, 4) * SCALE  # (n, 4)
        result = tracker.update(
            sv.Detections(
                xyxy=xyxy,
                confidence=np.array([d.score for d in found], np.float64),
                data={"index": np.arange(len(found))},
            ),
            timestamp=t,
        )
        if not found:  # nothing to name (and the library's empty answer has no "index")
            tracks.ours = {tl: tracks.ours[tl] for tl in tracker.tracks if tl in tracks.ours}
            return []
        by_library = {tl.tracker_id: tl for tl in tracker.tracks if tl.tracker_id >= 0}
        old = {id(tl) for tl in before}
        spawned = [tl for tl in tracker.tracks if id(tl) not in old]
        ids = [0] * len(found)
        for index, library_id in zip(result.data["index"], result.tracker_id):
            tracklet = by_library.get(int(library_id)) if library_id >= 0 else None
            if tracklet is None:  # a new track's first box: it is the box it started from
                box = xyxy[int(index)]
                tracklet = next(
                    (tl for tl in spawned if np.allclose(tl.get_state_bbox(), box)), None
                )
            if tracklet is None:
                ids[int(index)] = self._new_id()
                continue
            if tracklet not in tracks.ours:
                tracks.ours[tracklet] = self._new_id()
            ids[int(index)] = tracks.ours[tracklet]
        tracks.ours = {tl: tracks.ours[tl] for tl in tracker.tracks if tl in tracks.ours}
        return ids
