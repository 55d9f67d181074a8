"""The channel a `--notify` URL names: the scheme picks its kind, as for sources.

mqtt://[user:pass@]host[:1883][/topic-prefix]     MQTT, Home Assistant discovery
http(s)://host/path                               a webhook (JSON POST)
ntfy://host/topic  or  https://host/topic?ntfy    ntfy (a phone app)
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

from streamer.notify.channel import Channel, NotifyError, Secrets, public_url
from streamer.notify.web import NtfyChannel, WebhookChannel

SCHEMES = "mqtt://host:port/topic-prefix, http(s)://… (a webhook), ntfy://host/topic"


def parse_channel(url: str, saved: dict[str, Secrets] | None = None) -> Channel:
    """The channel `url` names; NotifyError in one sentence for one that names none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise NotifyError(f"{_shown(url)} is not a URL; give --notify {SCHEMES}.") from None
    if not parts.hostname:
        raise NotifyError(f"{_shown(url)} names no host; give --notify {SCHEMES}.")
    key = public_url(parts)
    given = Secrets(parts.username, parts.password)
    secrets = _merged(given, (saved or {}).get(key))
    scheme = parts.scheme.lower()
    ntfy = "ntfy" in parts.query.split("&")
    if scheme == "mqtt":
        from streamer.notify.mqtt import MqttChannel  # paho: the notify extra, only for MQTT

        return MqttChannel(key, secrets, parts.hostname, port or 1883, parts.path.strip("/"))
    if scheme == "ntfy" or (scheme in ("http", "https") and ntfy):
        https = scheme != "http"
        return NtfyChannel(key, secrets, _web_url(parts, https, port))
    if scheme in ("http", "https"):
        return WebhookChannel(key, secrets, _web_url(parts, scheme == "https", port))
    raise NotifyError(
        f"Alerts cannot go to a {parts.scheme or 'scheme-less'} URL; give --notify {SCHEMES}."
    )


def _web_url(parts: SplitResult, https: bool, port: int | None) -> str:
    host = parts.hostname or ""
    netloc = f"{host}:{port}" if port else host
    query = "&".join(q for q in parts.query.split("&") if q and q != "ntfy")
    return urlunsplit(("https" if https else "http", netloc, parts.path or "/", query, ""))


def _merged(given: Secrets, saved: Secrets | None) -> Secrets:
    if saved is None:
        return given
    return Secrets(
        given.user or saved.user,
        given.password or saved.password,
        saved.secret,
        saved.token,
    )


def _shown(url: str) -> str:
    """`url` as an error may show it: no password."""
    head, at, tail = url.rpartition("@")
    return f'"{tail}"' if at else f'"{url}"'
