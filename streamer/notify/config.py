"""Where notifications keep their state: the user's notify config (credentials) and the outbox.

The config, `$XDG_CONFIG_HOME/streamer/notify.json` (~/.config/streamer/notify.json),
holds what must not show in a command line, a saved session or a log: a
channel's login, a webhook's signing secret, an ntfy token. It must be readable
by its owner only (chmod 600); `remember` writes it so.

    {"channels": [
        {"url": "mqtt://broker.local:1883/streamer", "user": "cam", "password": "..."},
        {"url": "https://example.org/hook", "secret": "..."},
        {"url": "ntfy://ntfy.sh/my-topic", "token": "tk_..."}
    ]}

A `--notify` URL picks up the entry whose URL is the same without credentials.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from models.atomic import atomic_file
from streamer.errors import StreamerError
from streamer.notify.channel import NotifyError, Secrets, public_url

CONFIG_NAME = "notify.json"
OUTBOX_NAME = "outbox.sqlite"
FIELDS = ("user", "password", "secret", "token")


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "streamer" / CONFIG_NAME


def outbox_path() -> Path:
    """$XDG_DATA_HOME/streamer/outbox.sqlite: beside the sessions, one for every command."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "streamer" / OUTBOX_NAME


def load_secrets(path: Path | None = None) -> dict[str, Secrets]:
    """The saved credentials by channel key; none when there is no config file."""
    path = path or config_path()
    if not path.exists():
        return {}
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise NotifyError(
            f"{path} holds notification credentials but others may read it; run chmod 600 {path}."
        )
    entries = _entries(path)
    out = {}
    for e in entries:
        parts = urlsplit(str(e["url"]))
        given = {k: e.get(k) for k in FIELDS}
        out[public_url(parts)] = Secrets(
            given["user"] or parts.username,
            given["password"] or parts.password,
            given["secret"],
            given["token"],
        )
    return out


def _entries(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise NotifyError(f"{path} cannot be read as JSON ({e}); fix or remove it.") from None
    entries = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("url"), str) for e in entries
    ):
        raise NotifyError(
            f'{path} must hold {{"channels": [{{"url": ...}}, ...]}}; fix or remove it.'
        )
    return entries


def remember(url: str, secret: str | None = None, path: Path | None = None) -> str:
    """Keep the credentials in `url` (and a webhook `secret`) in the config; the URL less them."""
    path = path or config_path()
    parts = urlsplit(url.strip())
    key = public_url(parts)
    entry: dict[str, Any] = {"url": key}
    if parts.username:
        entry["user"], entry["password"] = parts.username, parts.password
    if secret:
        entry["secret"] = secret
    if len(entry) == 1:
        return key  # nothing secret: nothing to keep
    entries = [e for e in (_entries(path) if path.exists() else []) if e.get("url") != key]
    _write_private(path, {"channels": [*entries, entry]})
    return key


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write `data` readable by its owner only, atomically (never a moment readable by others)."""
    try:
        with atomic_file(path) as tmp:  # created 0600 (mkstemp): never readable by others
            tmp.write_text(json.dumps(data, indent=2))
    except OSError as e:
        raise StreamerError(f"Cannot write {path} ({e.strerror}); check that folder.") from None
