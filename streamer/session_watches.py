"""The watching side of a `Session`: standing questions, their alerts, and the chat phrases.

A collaborator the session owns (`session.watches`), with its own state; what it
reads of the session is a `WatchedStream` of callables, each asked when needed.

    s.watches.watch("tell me when someone mentions the budget")   # -> Watch
    s.watches.watch_command("stop watching the budget")           # -> the reply in words
    for alert in s.watches.alerts(): print(alert.sentence)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamer.memory.timeline import Timeline
from streamer.notify import ChannelStats, Notifier
from streamer.reasoning.backend import Backend
from streamer.reasoning.matcher import Matcher, matcher
from streamer.reasoning.vlm import VlmBackend
from streamer.store import StoreError, read_json, write_json_atomic
from streamer.types import FrameObjects, Observation, TextEvent
from streamer.watch import (
    WATCHES_FILE,
    Alert,
    Watch,
    Watches,
    asks_for_watches,
    stop_target,
    understand,
)
from streamer.watch.watches import LOOK_EVERY


@dataclass(frozen=True)
class WatchedStream:
    """What the watches read of their session, each asked for when it is needed."""

    stream_time: Callable[[], float]  # seconds perceived: the 'now' of a question
    # seconds of video a source that plays on (live, a real-time replay) has captured, ahead
    # of perception when it lags; 0.0 for a held replay, whose picture is perception's time
    captured: Callable[[], float]
    timeline: Callable[[], Timeline | None]  # the text timeline (None before start or open)
    backend: Callable[[], Backend]  # the session's backend, made on first need (a model loads)


class SessionWatches:
    """A session's watches: registered, checked beside perception, alerted, saved with it."""

    def __init__(self, stream: WatchedStream) -> None:
        self._stream = stream
        self._watches = Watches(self._alert_clock, self._screen_now, self._look, self._words)
        self.notifier: Notifier | None = None  # where alerts are delivered beyond the session

    def _words(self) -> Matcher:
        """The word matcher of the session's answers: a watch meets words as they do."""
        timeline = self._stream.timeline()
        return matcher(timeline.embedder if timeline is not None else None)

    def _alert_clock(self) -> float:
        """The stream time an alert fires at: where the picture is now.

        For a source that plays on (live, a real-time replay) that is the newest
        captured moment, ahead of perception when perception lags; for a held
        replay (`pace="none"`), perception's time.
        """
        return max(self._stream.stream_time(), self._stream.captured())

    def _screen_now(self) -> str:
        timeline = self._stream.timeline()
        last = timeline.last("ocr") if timeline is not None else None
        return last.text if last is not None else ""

    def _look(self, question: str, frames: Sequence[tuple[float, np.ndarray]], now: float) -> bool:
        backend = self._stream.backend()
        return isinstance(backend, VlmBackend) and backend.looks(question, frames, now)

    # -- the API -------------------------------------------------------------------
    def watch(self, text: str) -> Watch:
        """Register a standing question from now on; raises WatchError if it says nothing.

        A watch for what no event shows is a look when the session's backend is a
        vision-language model (made now if the session has not started yet).
        """
        self._watches.can_look = isinstance(self._stream.backend(), VlmBackend)
        return self._watches.add(text, self._alert_clock())

    def unwatch(self, which: int | str = "") -> list[Watch]:
        """Remove a watch by id, those whose words contain `which`, or all ('')."""
        return self._watches.remove(which)

    def watch_list(self) -> list[Watch]:
        return self._watches.watching()

    def alerts(self, since: int = 0) -> list[Alert]:
        """The alerts fired so far, oldest first (from the `since`-th)."""
        return self._watches.alerts(since)

    def on_alert(self, listener: Callable[[Alert], None]) -> None:
        """Call `listener(alert)` (from the watches' worker thread) as each alert fires."""
        self._watches.on_alert(listener)

    def notify_to(self, notifier: Notifier, name: str) -> None:
        """Deliver each alert from now on through `notifier`, as session `name` (MQTT topics)."""
        self.notifier = notifier
        self._watches.on_alert(notifier.listener(name))

    def notify_stats(self) -> list[ChannelStats]:
        return self.notifier.stats() if self.notifier is not None else []

    def watch_command(self, text: str) -> str | None:
        """The reply to a chat line that registers, lists or removes watches; None otherwise."""
        if asks_for_watches(text):
            return watching_sentence(self.watch_list())
        target = stop_target(text)
        if target is not None:
            gone = self.unwatch(_what(target))
            if not gone:
                return f'I was not watching for "{target}". {watching_sentence(self.watch_list())}'
            return "I stopped watching for " + "; ".join(w.description for w in gone) + "."
        if understand(text) is None:
            return None
        return registered_sentence(self.watch(text))

    # -- what the session's perception hands over ----------------------------------
    def listens(self) -> bool:
        """Whether a watch waits for words said (drafts of speech are worth hearing)."""
        return self._watches.listens()

    def text(self, index: int, event: TextEvent) -> None:
        self._watches.text(index, event)

    def objects(self, found: FrameObjects) -> None:
        self._watches.objects(found)

    def observation(self, obs: Observation) -> None:
        self._watches.observation(obs)

    def start(self) -> None:
        self._watches.start()

    def settle(self) -> bool:
        """Wait (bounded) until everything handed over so far has been checked."""
        return self._watches.settle()

    def stop(self) -> None:
        self._watches.stop()

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: Path) -> None:
        write_json_atomic(folder / WATCHES_FILE, self._watches.records())

    def load(self, folder: Path) -> str | None:
        """Take back the saved watches; a damaged file leaves them out: returns that note."""
        path = folder / WATCHES_FILE
        if not path.exists():  # sessions saved before watches existed have none
            return None
        try:
            self._watches.restore(read_json(path))
        except StoreError:
            return watches_note(folder, "not valid JSON")
        except ValueError as e:
            return watches_note(folder, " ".join(str(e).split()))
        return None


def watches_note(folder: Path, why: str) -> str:
    return (
        f"The watches of {folder} were left out ({WATCHES_FILE}: {why}); the rest of the "
        "session is here, and 'tell me when …' starts a new watch."
    )


def _what(target: str) -> int | str:
    """'for the budget' / 'all' / '2' -> what `unwatch` takes."""
    target = target.lower().strip()
    target = target.removeprefix("for ").removeprefix("the ").removeprefix("watch ").strip()
    if target.isdigit():
        return int(target)
    return "" if target in ("", "all", "everything", "anything") else target


def registered_sentence(w: Watch) -> str:
    """What the chat says when a watch is registered."""
    c = w.condition
    how = ""
    if c.kind == "look":
        how = f" The vision-language model looks at the newest frames every {LOOK_EVERY:g} s."
    elif c.kind == "mention":
        how = (
            " No timeline event can show that, so I watch for these words in speech and "
            "on-screen text; a vision-language model (--backend vlm:…) could look for it."
        )
    return f"I will tell you when I notice {c.describe()} (watch {w.id}).{how}"


def watching_sentence(watches: list[Watch]) -> str:
    if not watches:
        return "I am not watching for anything; say 'tell me when …' to start."
    return "I am watching for: " + "; ".join(f"{w.id}. {w.description}" for w in watches) + "."
