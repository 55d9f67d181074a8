"""The app's standing questions: the current session's watches, kept from one Start to the next.

`AppController.watching` (no Gradio in here). A watch registered before
anything plays waits in a session that is never started (the standby); each
session the app starts is given the watches of the one it replaces before its
source opens, so its first events are checked too.

    app.watching.watch_command("tell me when the sign says gate 7")  # 'I will tell you when …'
    generation, alerts = app.watching.alerts()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from streamer.notify import ChannelStats, Notifier, parse_channel
from streamer.notify.config import load_secrets, remember
from streamer.session import Session, SessionConfig
from streamer.watch import Alert, Watch


class AppWatches:
    """Watches and alerts of whichever session is current (the standby when none is)."""

    def __init__(self, current: Callable[[], tuple[Session | None, int]]) -> None:
        self._current = current  # the app's current session and its generation
        self._standby = Session(SessionConfig())  # holds the watches while nothing plays
        self._lock = threading.Lock()  # one notifier, made once
        self.notifier: Notifier | None = None  # alerts beyond the page: --notify, the tab

    def watch_command(self, text: str) -> str | None:
        """The chat's reply to a line that registers, lists or removes watches; None otherwise.

        A vlm session that has not made its backend yet makes it here (a model
        loads): call it from a worker thread, as every handler of the page is.
        """
        return self._watched()[0].watches.watch_command(text)

    def watch(self, text: str) -> Watch:
        """Register a standing question; raises WatchError when it says nothing to watch for."""
        return self._watched()[0].watches.watch(text)

    def unwatch(self, which: int | str) -> list[Watch]:
        return self._watched()[0].watches.unwatch(which)

    def watch_list(self) -> list[Watch]:
        return self._watched()[0].watches.watch_list()

    def alerts(self, since: int = 0) -> tuple[int, list[Alert]]:
        """(the generation of their session, its alerts from the `since`-th on, oldest first)."""
        session, generation = self._watched()
        return generation, session.watches.alerts(since)

    def notify_add(self, url: str, secret: str = "") -> str:
        """Send the alerts fired from now on to `url` too; the reply in words.

        A login in the URL and a webhook secret go into the user's notify config
        (chmod 600), never into a saved session or the page.
        """
        key = remember(url, secret or None)
        channel = parse_channel(key, load_secrets())
        with self._lock:
            if self.notifier is None:
                from streamer.notify import Outbox
                from streamer.notify.config import outbox_path

                self.notifier = Notifier([], Outbox(outbox_path()))
                self.notifier.start()
                session = self._current()[0]
                if session is not None:  # the playing session's alerts from now on
                    self.notify(session, Path(session.config.save_dir or "session").name)
            notifier = self.notifier
        note = notifier.add(channel)
        return note or f"Alerts go to {key} from now on."

    def notify(self, session: Session, name: str) -> None:
        """Deliver `session`'s alerts through the notifier, if any, as `name` (MQTT topics)."""
        if self.notifier is not None:
            session.watches.notify_to(self.notifier, name)

    def notify_stats(self) -> list[ChannelStats]:
        notifier = self.notifier
        return notifier.stats() if notifier is not None else []

    def _watched(self) -> tuple[Session, int]:
        session, generation = self._current()
        return session or self._standby, generation

    def carry(self, new: Session, old: Session | None) -> None:
        """Give `new` the watches `old` (or the standby) has: add the missing, drop the gone.

        Called before `new` starts and once more when it has become current, so
        a watch added or removed while its source was opening is not lost.
        """
        wanted = [w.text for w in (old or self._standby).watches.watch_list()]
        for w in new.watches.watch_list():
            if w.text in wanted:
                wanted.remove(w.text)
            else:
                new.watches.unwatch(w.id)
        for text in wanted:
            new.watches.watch(text)
