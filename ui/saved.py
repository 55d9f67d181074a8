"""Saved sessions: folders under one sessions directory, named by the user.

A name typed in the page is turned into a safe folder name (letters, digits,
`.`, `_`, `-`); the page only ever lists and opens folders inside the
sessions directory, never a path typed by a visitor.

The running session autosaves into "autosave-<source>-<date>"; after a crash
the next start offers it first, marked as recovered.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Collection
from pathlib import Path

from streamer.errors import StreamerError
from streamer.manifest import MANIFEST_FILE, SavedSession, is_saved_session
from streamer.timeref import format_clock

MAX_NAME = 64  # characters of a folder name
AUTOSAVE_PREFIX = "autosave-"


def default_sessions_dir() -> Path:
    """$XDG_DATA_HOME/streamer/sessions (~/.local/share/streamer/sessions)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "streamer" / "sessions"


def safe_name(name: str | None) -> str:
    """A folder name made of the user's words, or a time stamp when none is given."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", (name or "").strip()).strip(".-")[:MAX_NAME]
    return cleaned or time.strftime("session-%Y%m%d-%H%M%S")


def autosave_name(source_name: str) -> str:
    """The folder a session watching `source_name` autosaves in: 'autosave-demo-20250101-0930'."""
    stem = safe_name(Path(source_name).stem or source_name)[: MAX_NAME // 2]
    return safe_name(f"{AUTOSAVE_PREFIX}{stem}-{time.strftime('%Y%m%d-%H%M%S')}")


def is_autosave(name: str) -> bool:
    return name.startswith(AUTOSAVE_PREFIX)


def offered_first(saved: list[SavedSession], own: Collection[str]) -> list[SavedSession]:
    """`saved` (newest first) with the autosaves of an earlier run, not in `own`, in front."""
    recovered = [s for s in saved if is_autosave(s.name) and s.name not in own]
    return recovered + [s for s in saved if s not in recovered]


def saved_label(s: SavedSession, own: Collection[str] = ()) -> str:
    """How the list shows a saved session: name, what was watched, how much, when."""
    m = s.manifest
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.saved_at))
    what = Path(m.source).name if m.source else "no source"
    mark = ""
    if is_autosave(s.name):
        mark = "autosaving now: " if s.name in own else "recovered autosave: "
    return f"{mark}{s.name} — {what}, {format_clock(m.stream_time)} seen, {when}"


def saved_folder(root: Path, name: str) -> Path:
    """The folder of a saved session picked by name (StreamerError if it is not one)."""
    folder = root / safe_name(name)
    if name and folder.is_dir() and not is_saved_session(folder):
        raise StreamerError(
            f"“{folder.name}” is a folder but not a saved session (it has no {MANIFEST_FILE}: "
            "its save never finished); pick another one from the list."
        )
    if not name or not is_saved_session(folder):
        raise StreamerError(f"No saved session named {name!r}; pick one from the list.")
    return folder


def free_name(root: Path, name: str) -> str:
    """`name-2`, `name-3`, ...: the first folder name under `root` not taken."""
    n = 2
    while (root / f"{name}-{n}").exists():
        n += 1
    return f"{name}-{n}"
