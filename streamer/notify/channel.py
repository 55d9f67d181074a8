"""A channel is a place alerts go, named by a URL; the scheme picks its kind, as for sources.

    mqtt://[user:pass@]host[:1883][/topic-prefix]     MQTT, Home Assistant discovery
    http(s)://host/path                               a webhook (JSON POST)
    ntfy://host/topic  or  https://host/topic?ntfy    ntfy (a phone app)

A channel's `key` is its URL without credentials: how the outbox knows its
backlog and what logs, stats and the page show. Credentials come from the URL
or from the user's notify config (`config.py`), and stay inside the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, urlunsplit

from streamer.errors import StreamerError
from streamer.notify.notice import Notice


class NotifyError(StreamerError):
    """A channel that cannot be used as named (one sentence)."""


class DeliveryError(Exception):
    """One delivery that did not go through; the worker tries again later."""


@dataclass(frozen=True)
class Secrets:
    """What a channel needs that must not be shown: a login, a webhook's signing secret."""

    user: str | None = None
    password: str | None = None
    secret: str | None = None  # webhook: the HMAC-SHA256 key
    token: str | None = None  # ntfy: an access token


class Channel:
    """Delivers one notice at a time; `send` returns once the receiver acknowledged it."""

    kind = "channel"

    def __init__(self, key: str, secrets: Secrets) -> None:
        self.key = key
        self.secrets = secrets

    def open(self) -> str | None:
        """Get ready (connect); a sentence when the receiver is not reachable yet."""
        return None

    def send(self, notice: Notice) -> None:
        """Deliver `notice`; raises DeliveryError when it was not acknowledged."""
        raise NotImplementedError

    def close(self) -> None:
        return None


def public_url(parts: SplitResult) -> str:
    """The URL without user, password or an ntfy marker: safe to show and log."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = "&".join(q for q in parts.query.split("&") if q and q != "ntfy")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
