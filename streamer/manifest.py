"""The saved-session format: one folder, one manifest, read back in one sentence or not at all.

    folder/
      manifest.json         this module's `Manifest`: format, version, source, stream time,
                            the session's config, every other file with its size and
                            checksum (streamer/session_files.py), and a checksum of
                            itself (written last: the commit point)
      timeline.jsonl        the text timeline (streamer/memory/timeline.py)
      timeline.safetensors  its sentence vectors
      memory/               the visual memory (streamer/memory/state.py)

Every file is written atomically (`streamer.store`); nothing is pickled. A
manifest this version cannot read — a newer format, a key it does not know,
a missing or mistyped field, a file it lists that is missing or changed —
raises `StoreError` with one sentence. Format 1 (before the listing) still opens.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamer import __version__
from streamer.session_files import MANIFEST_FILE, files_problem, list_files
from streamer.store import StoreError, damaged, read_json, write_json_atomic

__all__ = ["MANIFEST_FILE", "Manifest", "SavedSession", "read_manifest", "write_manifest"]

FORMAT_VERSION = 2  # bump when a reader of the old format could misread the new one
READABLE = (1, 2)  # format 1: saved before the manifest listed the files
CHECKSUM = "checksum"  # the manifest's own sha256, over its other keys


@dataclass(frozen=True)
class Manifest:
    """What a saved session says about itself."""

    source: str | None  # what was watched (a path, URL or device), None if reopened
    stream_time: float  # seconds of stream seen
    memory: str  # the memory strategy's name
    config: dict[str, Any]  # the SessionConfig, as plain JSON (see Session.open)
    embedder_dim: int  # size of the timeline's sentence vectors
    saved_at: float = field(default_factory=time.time)
    format: int = FORMAT_VERSION
    app: str = "streamer"
    version: str = __version__  # the streamer that saved it
    # relative path -> {"bytes", "sha256"}: every file of the session (None: format 1)
    files: dict[str, Any] | None = None


FIELDS = {f.name: f for f in dataclasses.fields(Manifest)}
REQUIRED = tuple(
    n
    for n, f in FIELDS.items()
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)
TYPES: dict[str, tuple[type, ...]] = {
    "source": (str, type(None)),
    "stream_time": (int, float),
    "memory": (str,),
    "config": (dict,),
    "embedder_dim": (int,),
    "saved_at": (int, float),
    "format": (int,),
    "app": (str,),
    "version": (str,),
    "files": (dict,),
}


def is_saved_session(folder: Path | str) -> bool:
    """Whether `folder` holds a saved session (it has a manifest)."""
    return (Path(folder) / MANIFEST_FILE).is_file()


def write_manifest(folder: Path, manifest: Manifest) -> Manifest:
    """Write the manifest last, listing the files now in `folder`: the session is complete."""
    manifest = dataclasses.replace(manifest, files=list_files(folder), format=FORMAT_VERSION)
    raw = dataclasses.asdict(manifest)
    write_json_atomic(folder / MANIFEST_FILE, {**raw, CHECKSUM: digest(raw)})
    return manifest


def digest(raw: dict[str, Any]) -> str:
    """sha256 of the manifest's keys in a canonical form (its own checksum left out)."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def read_manifest(folder: Path | str) -> Manifest:
    """The manifest of the session saved in `folder` (StoreError in one sentence if unusable)."""
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise StoreError(
            f"{folder} is not a saved session (it has no {MANIFEST_FILE}); "
            "pick the folder a session was saved in."
        )
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise damaged(path, "not a JSON object")
    fmt = raw.get("format")
    if isinstance(fmt, int) and fmt > FORMAT_VERSION:
        raise newer(folder, f"format {fmt}; this version reads format {FORMAT_VERSION}")
    checksum = raw.pop(CHECKSUM, None)
    if fmt != 1 and checksum != digest(raw):
        raise damaged(path, "its checksum is missing or differs from its contents")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise newer(folder, f"{names(unknown)}, which this version does not know")
    missing = [n for n in REQUIRED if n not in raw]
    if missing:
        raise damaged(path, f"it has no {', '.join(missing)}")
    for name, value in raw.items():
        if not isinstance(value, TYPES[name]) or isinstance(value, bool):
            raise damaged(path, f"{name!r} is {type(value).__name__}")
    if raw.get("format", FORMAT_VERSION) not in READABLE:
        raise damaged(path, f"format {raw['format']!r} is unknown")
    problem = _value_problem(raw)
    if problem:
        raise damaged(path, problem)
    return Manifest(**raw)


def _value_problem(raw: dict[str, Any]) -> str | None:
    """Why well-typed manifest values still cannot be a save's, or None."""
    for name in ("stream_time", "saved_at"):
        value = raw.get(name, 0.0)
        if not math.isfinite(value) or value < 0:
            return f"{name!r} is {value!r}"
    if raw["embedder_dim"] < 1:
        return f"'embedder_dim' is {raw['embedder_dim']}"
    if raw.get("format", FORMAT_VERSION) >= 2:
        if "files" not in raw:
            return "it lists no files"
        return files_problem(raw["files"])
    return None


def names(keys: list[str]) -> str:
    """Saved keys for a sentence: as they are, or quoted when they hold a line break."""
    return ", ".join(k if k.isprintable() else repr(k) for k in keys)


def newer(folder: Path, what: str) -> StoreError:
    """The sentence for a save this version cannot understand."""
    return StoreError(
        f"{folder} was saved by a newer streamer ({what}); update streamer to open it."
    )


@dataclass(frozen=True)
class SavedSession:
    """One saved session in a sessions folder, as a list shows it."""

    folder: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.folder.name


def list_saved(root: Path | str) -> list[SavedSession]:
    """The sessions saved in `root`'s subfolders, newest first (unreadable ones left out)."""
    root = Path(root)
    out = []
    for folder in root.iterdir() if root.is_dir() else ():
        if not is_saved_session(folder):
            continue
        try:
            out.append(SavedSession(folder, read_manifest(folder)))
        except StoreError:
            continue
    return sorted(out, key=lambda s: s.manifest.saved_at, reverse=True)
