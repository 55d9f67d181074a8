"""The saving side of a `Session` (`SessionFolder`): its save folder, autosave, save, resume.

A session with a save folder (`SessionConfig.save_dir`) claims it before its source
opens: the folder must be one it can write (else one sentence, before any replay),
it is locked for as long as the session writes it (streamer/folder_lock.py), and
what it already holds decides what happens:

    nothing, or --overwrite       a new session is saved there
    a session of the same source  it is resumed: its memory, timeline and watches
                                  are loaded and the source plays on from where it ended
    a session of another source   refused in one sentence (the save is never replaced)

A session that never perceived a frame or a sound leaves no save behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streamer.capture import is_live
from streamer.capture.base import JOIN_TIMEOUT
from streamer.errors import USER_ERRORS, StreamerError
from streamer.folder_lock import LOCK_FILE, FolderLock, is_locked
from streamer.manifest import Manifest, is_saved_session, read_manifest, write_manifest
from streamer.memory import Memory, load_memory
from streamer.memory.timeline import Timeline
from streamer.modelset import ModelSet
from streamer.session_config import MEMORY_FOLDER, SessionConfig
from streamer.session_files import SAVING_MARK, changed_file
from streamer.session_watches import SessionWatches, watches_note
from streamer.store import StoreError, remove_orphaned_temp_files, write_bytes_atomic
from streamer.timeref import format_clock
from streamer.watch import WATCHES_FILE

SAVE_RETRIES = 10  # reads of a folder a live session is saving into, 0.3 s apart (a save ~1 s)


def same_source(a: str | None, b: str | None) -> bool:
    """Whether two source specs name one stream (one file under two paths counts)."""
    if a is None or b is None:
        return False
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return a.strip() == b.strip()


def check_files(folder: Path, manifest: Manifest) -> str | None:
    """Refuse a save whose files are missing or changed; a damaged watches file is a note."""
    note = None
    for name, entry in (manifest.files or {}).items():
        problem = changed_file(folder, name, entry)
        if problem is None:
            continue
        if name != WATCHES_FILE:
            raise problem
        note = watches_note(folder, "it is missing or not as saved")
    return note


Checked = tuple[Manifest, str | None]  # a manifest whose files check out, and a note on them


def read_checked(folder: Path) -> Checked:
    """The manifest of `folder` and a note on its watches, once every file it lists checks out.

    A folder a live session is saving into may be caught between its files and its
    manifest: it is read again until that save has finished.
    """
    for attempt in range(SAVE_RETRIES):
        manifest = read_manifest(folder)
        try:
            return manifest, check_files(folder, manifest)
        except StoreError:
            if is_locked(folder) and attempt < SAVE_RETRIES - 1:
                time.sleep(0.3)  # a live writer is mid-save: read it again
                continue
            if (folder / SAVING_MARK).exists() and not is_locked(folder):
                return manifest, interrupted_note(folder)
            raise
    raise AssertionError("unreachable")  # the last attempt returns or raises


def interrupted_note(folder: Path) -> str:
    return (
        f"The last save of {folder} was cut off (its process stopped mid-save), so it "
        "opens as its files stand, a few seconds newer than its manifest says."
    )


@dataclass(frozen=True)
class SavedParts:
    """What one save writes of a session, taken at the moment of the save."""

    timeline: Timeline
    memory: Memory
    watches: SessionWatches
    stream_time: float  # seconds of stream the save records


class SessionFolder:
    """The folder a session saves into: its claim, the save it continues, saves, autosave.

    A collaborator the session owns (`session.folder`); what it reads of the session
    is `parts` (what to write; None before anything can be saved), `perceived` (a frame
    or a sound came in) and `stop_stream` (an autosave that fails ends the stream).
    """

    def __init__(
        self,
        config: SessionConfig,
        parts: Callable[[], SavedParts | None],
        perceived: Callable[[], bool],
        stop_stream: Callable[[], None],
    ) -> None:
        self.config = config
        self._parts, self._perceived, self._stop_stream = parts, perceived, stop_stream
        self._lock: FolderLock | None = None  # the save folder, locked while this writes it
        self._saving = threading.Lock()  # one save at a time
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None
        self.resumed: Manifest | None = None  # the save in save_dir this session continues
        self.error: str | None = None  # why autosave stopped the stream

    # -- the save folder -----------------------------------------------------------
    def claim(self) -> None:
        """Lock the save folder and decide what its earlier contents mean (before the source)."""
        assert self.config.save_dir is not None
        folder = Path(self.config.save_dir)
        lock = FolderLock(folder)
        lock.acquire()
        try:
            self.resumed = self._earlier(folder)
        except BaseException:
            lock.release(remove=True)
            raise
        self._lock = lock

    def _earlier(self, folder: Path) -> Manifest | None:
        """The save in `folder` this session continues, or None (StoreError: refused)."""
        if not is_saved_session(folder):
            return None
        if self.config.overwrite:  # replaced by the first save: a source that fails keeps it
            return None
        source = self.config.source_spec
        replace = "give another folder, or --overwrite to replace it"
        try:
            manifest, _ = read_checked(folder)
        except StoreError as e:
            why = str(e).rstrip(".")
            raise StoreError(
                f"{folder} holds a saved session that cannot be continued ({why}); {replace}."
            ) from None
        if not same_source(manifest.source, source):
            seen = format_clock(manifest.stream_time)
            raise StoreError(
                f"{folder} holds a saved session of {manifest.source} ({seen} seen); {replace}."
            )
        if source is not None and is_live(source):
            raise StoreError(
                f"{folder} holds an earlier session of {source}, which a live source cannot "
                f"continue; {replace}."
            )
        if manifest.memory != self.config.memory:
            raise StoreError(
                f"{folder} holds a session of {source} kept in the {manifest.memory} memory; "
                f"give --memory {manifest.memory} to continue it, or {replace}."
            )
        return manifest

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release(remove=not is_saved_session(self._lock.folder))
            self._lock = None

    # -- saving --------------------------------------------------------------------
    def _seen_anything(self) -> bool:
        """Whether there is anything to autosave: a frame or a sound perceived, or a resume."""
        return self._perceived() or self.resumed is not None

    def save(self, folder: str | Path | None = None) -> Path:
        """Write the session (manifest, timeline, memory) atomically into `folder`."""
        where = folder or self.config.save_dir
        if not where:
            raise StreamerError("No folder to save the session in; choose one.")
        target = Path(where)
        parts = self._parts()
        if parts is None:
            raise StreamerError("Nothing to save yet: start the session first.")
        own = self._lock is not None and self._lock.folder == target
        lock = None if own else FolderLock(target)
        with self._saving:
            if lock is not None:
                lock.acquire()
            try:
                self._write(target, parts)
            except OSError as e:
                raise StoreError(
                    f"The session could not be saved into {target} "
                    f"({e.strerror or type(e).__name__}); free some space or give another folder."
                ) from None
            finally:
                if lock is not None:
                    lock.release()
        return target

    def _write(self, target: Path, parts: SavedParts) -> None:
        remove_orphaned_temp_files(target)
        write_bytes_atomic(target / SAVING_MARK, b"")
        parts.memory.save(target / MEMORY_FOLDER)  # first: if it cannot save, nothing is written
        parts.timeline.save(target)
        parts.watches.save(target)
        manifest = Manifest(
            source=self.config.source_spec,
            stream_time=parts.stream_time,
            memory=self.config.memory,
            config=self.config.saved(),
            embedder_dim=parts.timeline.dim,
        )
        write_manifest(target, manifest)
        (target / SAVING_MARK).unlink()

    def _autosave(self) -> None:
        """Save every few seconds; a save that fails stops the stream with its sentence."""
        assert self.config.save_dir is not None
        while not self._stop.wait(self.config.autosave_seconds):
            if not self._seen_anything():
                continue
            try:
                self.save(self.config.save_dir)
            except USER_ERRORS as e:  # what is watched from now on could not be kept
                self.error = str(e)
                logging.getLogger("streamer").warning("autosave failed: %s", e)
                self._stop_stream()
                return

    def start_autosave(self) -> None:
        if self.config.save_dir:
            self._saver = threading.Thread(target=self._autosave, name="autosave", daemon=True)
            self._saver.start()

    def finish(self) -> None:
        """The save at stop(), once autosave has ended: skipped when autosave already failed
        or nothing was perceived."""
        self._stop.set()
        if self._saver is not None:
            self._saver.join(JOIN_TIMEOUT)
        try:
            if self.config.save_dir and self.error is None and self._seen_anything():
                self.save(self.config.save_dir)
        finally:
            self.release()


def load_saved(
    folder: Path, manifest: Manifest, models: ModelSet, model: object
) -> tuple[Timeline, Memory]:
    """The timeline and memory of a checked save (`model`: a kv memory's vlm)."""
    embedder = models.embedder
    return Timeline.load(folder, embedder.embed, embedder.dim), load_memory(
        folder / MEMORY_FOLDER, model
    )


__all__ = [
    "LOCK_FILE",
    "MEMORY_FOLDER",
    "Checked",
    "SavedParts",
    "SessionFolder",
    "load_saved",
    "read_checked",
    "same_source",
]
