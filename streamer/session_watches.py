"""The watching side of a `Session`: standing questions, their alerts, and the chat phrases.

s.watch("tell me when someone mentions the budget")   # -> Watch
s.watch_command("stop watching the budget")           # -> the reply in words
for alert in s.alerts(): print(alert.sentence)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from streamer.capture.base import Source
from streamer.memory.timeline import Timeline
from streamer.notify import Notifier
from streamer.reasoning.backend import Backend
from streamer.reasoning.matcher import Matcher, matcher
from streamer.reasoning.registry import make_backend
from streamer.reasoning.vlm import VlmBackend
from streamer.session_config import SessionConfig
from streamer.store import StoreError, read_json, write_json_atomic
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


class SessionWatching:
    """Mixed into `Session`; it owns `self.watches`, fed by the session's perception hooks."""

    config: SessionConfig
    source: Source | None
    timeline: Timeline | None
    _backend: Backend | None
    watches: Watches
    notifier: Notifier | None = None  # where alerts are delivered beyond the session

    def stream_time(self) -> float:
        raise NotImplementedError

    def _make_watches(self) -> Watches:
        return Watches(self._alert_clock, self._screen_now, self._look, self._words)

    def _words(self) -> Matcher:
        """The word matcher of the session's answers: a watch meets words as they do."""
        return matcher(self.timeline.embedder if self.timeline is not None else None)

    def _alert_clock(self) -> float:
        """The stream time an alert fires at: where the picture is now.

        For a source that plays on (live, a real-time replay) that is the newest
        captured moment, ahead of perception when perception lags; for a held
        replay (`pace="none"`), perception's time.
        """
        t = self.stream_time()
        source = self.source
        if source is not None and not self.config.is_replay:
            t = max(t, source.stats().video_seconds)
        return t

    def _screen_now(self) -> str:
        last = self.timeline.last("ocr") if self.timeline is not None else None
        return last.text if last is not None else ""

    def _look(self, question: str, frames: Sequence[tuple[float, np.ndarray]], now: float) -> bool:
        backend = self._backend
        return isinstance(backend, VlmBackend) and backend.looks(question, frames, now)

    def _vlm_ready(self) -> bool:
        """True with a vision-language backend (made now if the session has not started yet)."""
        if self._backend is None and self.config.backend.startswith("vlm"):
            self._backend = make_backend(self.config.backend, self.config.device)
        return isinstance(self._backend, VlmBackend)

    # -- the API -------------------------------------------------------------------
    def watch(self, text: str) -> Watch:
        """Register a standing question from now on; raises WatchError if it says nothing."""
        self.watches.can_look = self._vlm_ready()
        return self.watches.add(text, self._alert_clock())

    def unwatch(self, which: int | str = "") -> list[Watch]:
        """Remove a watch by id, those whose words contain `which`, or all ('')."""
        return self.watches.remove(which)

    def watch_list(self) -> list[Watch]:
        return self.watches.watching()

    def notify_to(self, notifier: Notifier, name: str) -> None:
        """Deliver each alert from now on through `notifier`, as session `name` (MQTT topics)."""
        self.notifier = notifier
        self.watches.on_alert(notifier.listener(name))

    def alerts(self, since: int = 0) -> list[Alert]:
        """The alerts fired so far, oldest first (from the `since`-th)."""
        return self.watches.alerts(since)

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

    # -- persistence ---------------------------------------------------------------
    def _save_watches(self, folder: Path) -> None:
        write_json_atomic(folder / WATCHES_FILE, self.watches.records())

    def _load_watches(self, folder: Path) -> str | None:
        """Take back the saved watches; a damaged file leaves them out: returns that note."""
        from streamer.session_store import watches_note

        path = folder / WATCHES_FILE
        if not path.exists():  # sessions saved before watches existed have none
            return None
        try:
            self.watches.restore(read_json(path))
        except StoreError:
            return watches_note(folder, "not valid JSON")
        except ValueError as e:
            return watches_note(folder, " ".join(str(e).split()))
        return None


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
