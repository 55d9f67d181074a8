"""Standing questions checked on every new timeline event, in their own worker.

Perception hands each new event, object frame and observation to `Watches`
(a put on an unbounded queue of small messages: perception never waits); the
worker runs each watch's trigger and records an `Alert` per occurrence. How
watches and alerts are saved is `records.py`'s.

    watches = Watches(now=session.stream_time)
    w = watches.add("tell me when someone mentions the budget", at=12.0)
    ...                                   # perception: watches.text(i, event), ...
    for alert in watches.alerts(): print(alert.sentence)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from streamer.capture.base import JOIN_TIMEOUT
from streamer.errors import StreamerError
from streamer.reasoning.matcher import Matcher
from streamer.timeref import format_clock
from streamer.types import Evidence, FrameObjects, Observation, TextEvent
from streamer.watch.alert import Alert, Watch
from streamer.watch.check import FRAME_KINDS, FrameTrigger, Hit, SceneTrigger, TextTrigger
from streamer.watch.inbox import (
    Arrived,
    Message,
    ObjectsArrived,
    ObservationArrived,
    StopWatching,
    TextArrived,
)
from streamer.watch.records import saved_watches, watches_records
from streamer.watch.understand import condition, understand

log = logging.getLogger("streamer")

THUMBNAILS_KEPT = 240  # recent observations' thumbnails: evidence for alerts that arrive late
LOOK_EVERY = 5.0  # stream seconds between two looks of the vision-language model at a watch
LOOK_FRAMES = 4  # the newest frames it looks at
HEARD = ("speech", "mention")  # the kinds of watch that wait for words said

# question, newest (stream time, tokens) frames, now -> the condition holds
Looker = Callable[[str, Sequence[tuple[float, np.ndarray]], float], bool]


class WatchError(StreamerError):
    """A watch that cannot be registered as asked."""


@dataclass
class _Armed:
    watch: Watch
    text: TextTrigger | None = None
    frame: FrameTrigger | None = None
    scene: SceneTrigger | None = None
    looked_at: float = float("-inf")  # look: stream time of the last look
    on: bool = False  # look: the last look said yes


class Watches:
    """The session's watches, their worker thread and the alerts they fired."""

    def __init__(
        self,
        now: Callable[[], float],
        last_screen: Callable[[], str] = lambda: "",
        looker: Looker | None = None,
        words: Callable[[], Matcher] | None = None,
    ) -> None:
        """`words`: the matcher the session's answers use (paraphrases through its embedder),
        asked for at each check; word forms alone without it."""
        self._now, self._last_screen, self._looker = now, last_screen, looker
        self._words = words
        self._armed: dict[int, _Armed] = {}
        self._alerts: list[Alert] = []
        self._next_id = 1
        self._lock = threading.RLock()
        self._inbox: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._put = self._done = 0  # items queued / checked: `settle` waits for them to meet
        self._settled = threading.Condition()
        self._thumbs: deque[tuple[float, bytes]] = deque(maxlen=THUMBNAILS_KEPT)
        # (alert index, its time, its thumbnail's time): fired before a nearer frame arrived
        self._unpictured: list[tuple[int, float, float]] = []
        self._recent: deque[tuple[float, np.ndarray]] = deque(maxlen=LOOK_FRAMES)
        self._listeners: list[Callable[[Alert], None]] = []
        self._thread: threading.Thread | None = None
        self.can_look = False  # a vision-language model decides what no event can ("look")

    # -- watches -------------------------------------------------------------------
    def add(self, text: str, at: float | None = None) -> Watch:
        """Register `text` ("tell me when …", or just what to watch for) from stream time `at`."""
        if not text.strip(" ?.!"):
            raise WatchError("Say what to watch for, such as 'tell me when a person appears'.")
        cond = understand(text, self.can_look) or condition(
            text.lower().strip(" ?.!"), self.can_look
        )
        with self._lock:
            watch = Watch(self._next_id, text.strip(), cond, self._now() if at is None else at)
            self._next_id += 1
            self._armed[watch.id] = self._arm(watch)
        return watch

    def _arm(self, watch: Watch) -> _Armed:
        kind = watch.condition.kind
        if kind in FRAME_KINDS:
            return _Armed(watch, frame=FrameTrigger(watch.condition))
        if kind == "scene":
            return _Armed(watch, scene=SceneTrigger())
        if kind == "look":
            return _Armed(watch)
        return _Armed(watch, text=TextTrigger(watch.condition, self._last_screen(), self._words))

    def remove(self, which: int | str = "") -> list[Watch]:
        """Remove the watch with this id, those whose text contains `which`, or all ('')."""
        with self._lock:
            gone = [
                a.watch
                for a in self._armed.values()
                if (a.watch.id == which if isinstance(which, int) else _names(a.watch, which))
            ]
            for w in gone:
                del self._armed[w.id]
        return gone

    def listens(self) -> bool:
        """Whether a watch waits for words said (speech is worth hearing while it goes on)."""
        with self._lock:
            return any(a.watch.condition.kind in HEARD for a in self._armed.values())

    def watching(self) -> list[Watch]:
        with self._lock:
            return [a.watch for a in self._armed.values()]

    def alerts(self, since: int = 0) -> list[Alert]:
        """The alerts fired, oldest first, from the `since`-th on."""
        with self._lock:
            return self._alerts[since:]

    def on_alert(self, listener: Callable[[Alert], None]) -> None:
        """Call `listener(alert)` (from the worker thread) as each alert fires."""
        self._listeners.append(listener)

    # -- what perception hands over ------------------------------------------------
    def text(self, index: int, event: TextEvent) -> None:
        self._send(TextArrived(index, event))

    def objects(self, found: FrameObjects) -> None:
        self._send(ObjectsArrived(found))

    def observation(self, obs: Observation) -> None:
        self._send(ObservationArrived(obs))

    def _send(self, item: Arrived) -> None:
        with self._settled:
            self._put += 1
        self._inbox.put(item)

    def settle(self, timeout: float = JOIN_TIMEOUT) -> bool:
        """Wait (bounded) until everything handed over so far has been checked."""
        if self._thread is None or not self._thread.is_alive():
            return self._done >= self._put
        with self._settled:
            return self._settled.wait_for(lambda: self._done >= self._put, timeout)

    # -- the worker ----------------------------------------------------------------
    def start(self) -> Watches:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="watches", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        self.settle(timeout)
        if self._thread is not None and self._thread.is_alive():
            self._inbox.put(StopWatching())
            self._thread.join(timeout)

    def _work(self) -> None:
        while not isinstance(item := self._inbox.get(), StopWatching):
            try:
                self._check(item)
            except Exception:  # one bad check never ends the watching
                log.exception("a watch could not be checked")
            finally:
                with self._settled:
                    self._done += 1
                    self._settled.notify_all()

    def _check(self, item: Arrived) -> None:
        with self._lock:
            armed = list(self._armed.values())
        match item:
            case ObservationArrived(obs):
                self._see(obs, armed)
            case TextArrived(index, event):
                for a in armed:
                    if a.text is not None:
                        self._maybe_fire(a, a.text.on_text(index, event))
            case ObjectsArrived(found):
                for a in armed:
                    if a.frame is not None:
                        self._maybe_fire(a, a.frame.on_objects(found))

    def _see(self, obs: Observation, armed: list[_Armed]) -> None:
        """Keep the observation's picture and tokens; check scene and look watches on it."""
        self._thumbs.append((obs.t, obs.thumbnail))
        self._recent.append((obs.t, obs.tokens))
        self._picture(obs)
        for a in armed:
            hit = a.scene.on_observation(obs) if a.scene is not None else None
            if a.watch.condition.kind == "look":
                hit = self._look(a, obs.t)
            self._maybe_fire(a, hit)

    def _look(self, a: _Armed, t: float) -> Hit | None:
        """Ask the vision-language model, at most every LOOK_EVERY stream seconds."""
        if self._looker is None or t - a.looked_at < LOOK_EVERY or t < a.watch.since:
            return None
        a.looked_at = t
        frames = list(self._recent)
        question = f"Is it true that {a.watch.condition.phrase}?"
        yes = self._looker(question, frames, t)
        fire, a.on = yes and not a.on, yes
        if not fire:
            return None
        what = f"the model saw that {a.watch.condition.phrase}"
        return Hit(frames[0][0] if frames else t, t, what, "frame", what)

    def _maybe_fire(self, a: _Armed, hit: Hit | None) -> None:
        if hit is None or hit.t < a.watch.since:
            return
        with self._lock:
            if a.watch.id not in self._armed:
                return  # removed while this was being checked
            shot = self._nearest(hit.t)
            if shot is None or shot[0] < hit.t:  # its own frame's observation may come next
                had = shot[0] if shot is not None else float("-inf")
                self._unpictured.append((len(self._alerts), hit.t, had))
            alert = Alert(
                a.watch.id,
                a.watch.text,
                hit.t,
                hit.known,
                max(self._now(), hit.known),
                time.time(),
                f"At {format_clock(hit.t)} {hit.sentence}.",
                Evidence(hit.t, hit.known, hit.kind, hit.text, 1.0, shot[1] if shot else None),
            )
            self._alerts.append(alert)
        for listener in self._listeners:
            listener(alert)

    def _nearest(self, t: float) -> tuple[float, bytes] | None:
        """The kept (time, thumbnail) nearest to stream time `t`."""
        if not self._thumbs:
            return None
        return min(self._thumbs, key=lambda tb: abs(tb[0] - t))

    def _picture(self, obs: Observation) -> None:
        """Give alerts that fired before their frame's observation arrived that frame.

        Perception hands a frame's OCR text and objects over before the frame's
        observation (a new scene is read before it is encoded, so a sign's alert
        is not held up by the encoder and detector), so an alert for a sign that
        just appeared would otherwise show the frame before the sign.
        """
        if not self._unpictured:
            return
        with self._lock:
            waiting = []
            for i, t, had in self._unpictured:
                if abs(obs.t - t) < abs(had - t):
                    a = self._alerts[i]
                    self._alerts[i] = replace(
                        a, evidence=replace(a.evidence, thumbnail=obs.thumbnail)
                    )
                    had = obs.t
                if obs.t < t:
                    waiting.append((i, t, had))
            self._unpictured = waiting

    # -- persistence (the format is `records.py`'s) ----------------------------------
    def records(self) -> dict[str, Any]:
        """The watches and alerts as JSON-ready records (thumbnails as base64 JPEG)."""
        with self._lock:
            return watches_records(self._next_id, self.watching(), self._alerts)

    def restore(self, records: Any) -> None:
        """Take back what `records` wrote (each watch understood again from its text).

        Raises ValueError, saying what does not fit, for records `records()` cannot
        have written; then nothing is taken back.
        """
        saved = saved_watches(records)
        with self._lock:
            for w in saved.watches:
                cond = understand(w.text, self.can_look) or condition(w.text, self.can_look)
                watch = Watch(w.id, w.text, cond, w.since)
                self._armed[watch.id] = self._arm(watch)
            self._alerts = list(saved.alerts)
            self._unpictured = []
            self._next_id = max([saved.next_id, *[i + 1 for i in self._armed]])


def _names(watch: Watch, which: str) -> bool:
    which = which.lower().strip()
    return not which or which in watch.text.lower() or which in watch.description.lower()
