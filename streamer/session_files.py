"""The files of a saved session, as its manifest lists them: each with its size and checksum.

    files = list_files(folder)          # {"timeline.jsonl": {"bytes": 812, "sha256": "…"}, …}
    check_files(folder, files)          # StoreError naming the first missing or changed file

A session whose timeline was deleted or edited would otherwise open as less than
was saved (an empty timeline answers "I have not seen anything") without a word.
A save killed between its files and its manifest leaves `SAVING_MARK` behind:
such a folder opens as its files stand, with a note (a crash must not cost the
whole session).
The kv memory's layer files are the exception: they grow by appends while the
session runs (streamer/memory/kv_store.py), so for them the manifest keeps the
size at the save, and the file must hold at least that much; hashing them each
autosave would read gigabytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.atomic import TMP_MARK
from models.weights import sha256_file
from streamer.folder_lock import LOCK_FILE
from streamer.store import StoreError, damaged

MANIFEST_FILE = "manifest.json"
# There while a save writes its files, gone once its manifest is written: a folder whose
# writer died holding it was caught mid-save, so its files may be newer than its manifest.
SAVING_MARK = ".saving"
APPEND_ONLY_SUFFIX = ".kv"  # the kv memory's layer files: size checked, not hashed


def _listed(path: Path, folder: Path) -> bool:
    """A file the session consists of (not its manifest, lock or a write in progress)."""
    return (
        path.is_file()
        and path.relative_to(folder).as_posix() not in (MANIFEST_FILE, LOCK_FILE, SAVING_MARK)
        and TMP_MARK not in path.name
    )


def list_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file of the session in `folder`: relative path -> {"bytes", "sha256"}."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*")):
        if not _listed(path, folder):
            continue
        name = path.relative_to(folder).as_posix()
        entry: dict[str, Any] = {"bytes": path.stat().st_size}
        if not name.endswith(APPEND_ONLY_SUFFIX):
            entry["sha256"] = sha256_file(path)
        out[name] = entry
    return out


def files_problem(files: Any) -> str | None:
    """Why a manifest's `files` value is not a listing, or None."""
    if not isinstance(files, dict):
        return f"'files' is {type(files).__name__}"
    for name, entry in files.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("bytes"), int):
            return f"the entry of {name!r} has no size"
        if "sha256" in entry and not isinstance(entry["sha256"], str):
            return f"the checksum of {name!r} is not a text"
        if name.startswith("/") or ".." in Path(name).parts:
            return f"{name!r} is not inside the session folder"
    return None


def changed_file(folder: Path, name: str, entry: dict[str, Any]) -> StoreError | None:
    """The sentence for a listed file that is missing or not as saved, or None."""
    path = folder / name
    if not path.is_file():
        return StoreError(
            f"Session {folder} is missing its file {name}; it cannot be loaded "
            "(copy the whole folder, or reopen another session)."
        )
    size = path.stat().st_size
    if name.endswith(APPEND_ONLY_SUFFIX):
        if size < entry["bytes"]:
            return damaged(path, f"{size} bytes, but {entry['bytes']} were saved")
        return None
    if size != entry["bytes"]:
        return damaged(path, f"{size} bytes, but {entry['bytes']} were saved")
    if "sha256" in entry and sha256_file(path) != entry["sha256"]:
        return damaged(path, "its checksum differs from the one saved")
    return None
