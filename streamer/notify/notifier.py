"""Delivery workers: one per channel, oldest alert first, retried with backoff until acknowledged.

A channel's next alert waits until the one before it was acknowledged, so a
receiver sees them in the order they fired, the backlog of an outage too. An
alert is delivered at least once: one sent but not acknowledged (a timeout) is
sent again, with the same id.

    notifier = Notifier.for_urls(["https://example.org/hook"])
    for line in notifier.start(): print(line)    # e.g. a broker that is not up yet
    session.watches.on_alert(notifier.listener("front-door"))
    left = notifier.close(wait=10.0)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streamer.notify.channel import Channel, DeliveryError
from streamer.notify.config import load_secrets, outbox_path
from streamer.notify.notice import Notice, notice_of
from streamer.notify.outbox import Outbox
from streamer.notify.urls import parse_channel

if TYPE_CHECKING:
    from streamer.watch import Alert

log = logging.getLogger("streamer")

BACKOFF_S = (0.5, 10.0)  # seconds before a retry: the first, doubled up to the longest
IDLE_S = 5.0  # a worker with nothing to send looks again this often (another process's alerts)
JOIN_S = 2.0


@dataclass(frozen=True)
class ChannelStats:
    """One channel as the Watches tab and `stats()` show it."""

    channel: str  # its URL without credentials
    kind: str  # webhook | ntfy | mqtt
    delivered: int  # alerts it acknowledged since this start
    pending: int  # alerts in the outbox waiting for it
    last_error: str | None  # why the last try failed, while it has not succeeded since


class Notifier:
    """The outbox and a delivery worker for each channel."""

    def __init__(self, channels: Sequence[Channel], outbox: Outbox) -> None:
        self.outbox = outbox
        self._channels: list[Channel] = []
        self._lock = threading.Lock()
        self._delivered: dict[str, int] = {}
        self._errors: dict[str, str | None] = {}
        self._wake: dict[str, threading.Event] = {}
        self._moved = threading.Condition()  # notified at each acknowledgement
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._started = False
        for c in channels:
            self._adopt(c)

    @classmethod
    def for_urls(
        cls, urls: Sequence[str], outbox: Path | None = None, config: Path | None = None
    ) -> Notifier:
        """Channels for `urls` (NotifyError, one sentence, for one that names none)."""
        secrets = load_secrets(config)
        channels = [parse_channel(u, secrets) for u in urls]
        return cls(channels, Outbox(outbox or outbox_path()))

    @property
    def channels(self) -> list[Channel]:
        with self._lock:
            return list(self._channels)

    def _adopt(self, channel: Channel) -> bool:
        with self._lock:
            if any(c.key == channel.key for c in self._channels):
                return False
            self._channels.append(channel)
            self._delivered[channel.key] = 0
            self._errors[channel.key] = None
            self._wake[channel.key] = threading.Event()
            return True

    def start(self) -> list[str]:
        """Connect the channels and start their workers (a backlog goes out at once).

        Returns a sentence for each receiver that is not reachable yet: its
        alerts wait in the outbox, the watching goes on.
        """
        self._started = True
        return [n for c in self.channels if (n := self._run(c)) is not None]

    def add(self, channel: Channel) -> str | None:
        """Another channel from now on (the app's Watches tab); a sentence as `start` gives."""
        if not self._adopt(channel):
            return None
        return self._run(channel) if self._started else None

    def _run(self, channel: Channel) -> str | None:
        note = channel.open()
        if note:
            log.warning(note)
            self._errors[channel.key] = note
        thread = threading.Thread(
            target=self._work, args=(channel,), name=f"notify-{channel.kind}", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return note

    def listener(self, session: str) -> Callable[[Alert], None]:
        """What `Watches.on_alert` calls: each alert of the session called `session` held."""
        return lambda alert: self.submit(notice_of(alert, session))

    def submit(self, notice: Notice) -> None:
        """Hold `notice` for every channel (on disk before this returns) and wake the workers."""
        channels = self.channels
        self.outbox.add(notice, [c.key for c in channels])
        for c in channels:
            self._wake[c.key].set()

    def _work(self, channel: Channel) -> None:
        key, wake, backoff = channel.key, self._wake[channel.key], BACKOFF_S[0]
        while not self._stop.is_set():
            wake.clear()
            item = self.outbox.next(key)
            if item is None:
                wake.wait(IDLE_S)
                continue
            seq, notice = item
            try:
                channel.send(notice)
            except DeliveryError as e:
                if self._errors.get(key) is None:
                    log.warning("Alerts for %s wait in the outbox: %s", key, e)
                self._errors[key] = str(e)
                self.outbox.failed(key, seq, str(e))
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_S[1])
                continue
            self.outbox.done(key, seq)
            backoff = BACKOFF_S[0]
            with self._moved:
                self._delivered[key] += 1
                self._errors[key] = None
                self._moved.notify_all()

    def pending(self) -> int:
        """Deliveries not acknowledged yet, over all channels."""
        return sum(self.outbox.pending(c.key) for c in self.channels)

    def wait(self, timeout: float) -> int:
        """Wait up to `timeout` s for every channel to catch up; the deliveries left."""
        end = time.monotonic() + timeout
        with self._moved:
            while (left := self.pending()) and (rest := end - time.monotonic()) > 0:
                self._moved.wait(min(rest, 0.5))
        return left

    def stats(self) -> list[ChannelStats]:
        return [
            ChannelStats(
                c.key,
                c.kind,
                self._delivered[c.key],
                self.outbox.pending(c.key),
                self._errors[c.key],
            )
            for c in self.channels
        ]

    def close(self, wait: float = 0.0) -> int:
        """Wait up to `wait` s for pending deliveries, then stop; the deliveries left."""
        left = self.wait(wait) if wait > 0 else self.pending()
        self._stop.set()
        for c in self.channels:
            self._wake[c.key].set()
        for t in self._threads:
            t.join(JOIN_S)
        for c in self.channels:
            c.close()
        if not any(t.is_alive() for t in self._threads):  # one stuck in a send still needs it
            self.outbox.close()
        return left
