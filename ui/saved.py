"""Saved sessions: folders under one sessions directory, named by the user.

A name typed in the page is turned into a safe folder name (letters, digits,
`.`, `_`, `-`); the page only ever lists and opens folders inside the
sessions directory, never a path typed by a visitor.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from streamer.errors import StreamerError
from streamer.store import read_json
from streamer.timeref import format_clock

MANIFEST = "manifest.json"  # written by Session.save
MAX_NAME = 64  # characters of a folder name


def default_sessions_dir() -> Path:
    """$XDG_DATA_HOME/streamer/sessions (~/.local/share/streamer/sessions)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "streamer" / "sessions"


def safe_name(name: str | None) -> str:
    """A folder name made of the user's words, or a time stamp when none is given."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", (name or "").strip()).strip(".-")[:MAX_NAME]
    return cleaned or time.strftime("session-%Y%m%d-%H%M%S")


@dataclass(frozen=True)
class SavedSession:
    name: str  # folder name inside the sessions directory
    source: str | None
    stream_time: float  # seconds of stream the session had seen
    saved_at: float  # time.time()
    memory: str

    @property
    def label(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        what = Path(self.source).name if self.source else "no source"
        return f"{self.name} — {what}, {format_clock(self.stream_time)} seen, {when}"


def list_saved(root: Path) -> list[SavedSession]:
    """Saved sessions in `root`, newest first (folders without a readable manifest skipped)."""
    out = []
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            m = read_json(folder / MANIFEST)
            out.append(
                SavedSession(
                    folder.name,
                    m.get("source"),
                    float(m.get("stream_time", 0.0)),
                    float(m.get("saved_at", 0.0)),
                    str(m.get("memory", "?")),
                )
            )
        except (OSError, ValueError, TypeError, AttributeError, StreamerError):
            continue
    return sorted(out, key=lambda s: s.saved_at, reverse=True)


def saved_folder(root: Path, name: str) -> Path:
    """The folder of a saved session picked by name (StreamerError if it is not one)."""
    folder = root / safe_name(name)
    if not name or not (folder / MANIFEST).exists():
        raise StreamerError(f"No saved session named {name!r}; pick one from the list.")
    return folder
