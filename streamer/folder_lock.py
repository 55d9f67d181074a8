"""One writer per session folder: an OS file lock, released by the system when its process dies.

    lock = FolderLock(Path("saved/talk"))
    lock.acquire()          # StoreError in one sentence if another process writes there
    ...                     # save, autosave
    lock.release()

The lock is `flock` on `folder/.lock` (on Windows, `msvcrt.locking` on its first
byte). It belongs to the open file, not to a pid, so a killed process leaves no
stale lock behind, and two sessions of one process are kept apart as well. The
file holds the owner's pid, only for the sentence a second writer reads.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from streamer.store import StoreError

LOCK_FILE = ".lock"  # a hidden name: no loader and no listing looks at it


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on `fd` without waiting. False if another holder has it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    """'(pid 123)' from the lock file, or '' when it cannot be read."""
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(path.read_text().strip())})"
    return ""


def unwritable(folder: Path, why: str) -> StoreError:
    return StoreError(
        f"The session cannot be saved into {folder} ({why}); give a folder you can write to."
    )


class FolderLock:
    """The exclusive right to write one session folder."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None
        self._made = False  # the folder did not exist before acquire()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Create the folder if needed and lock it (StoreError in one sentence if it cannot)."""
        if self._fd is not None:
            return
        if self.folder.exists() and not self.folder.is_dir():
            raise unwritable(self.folder, "it is a file, not a folder")
        path = self.folder / LOCK_FILE
        made = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise unwritable(self.folder, e.strerror or type(e).__name__) from None
        if not _try_lock(fd):
            os.close(fd)
            raise StoreError(
                f"{self.folder} is being saved by another streamer process{_holder(path)}; "
                "give another folder, or wait for that one to finish."
            )
        with contextlib.suppress(OSError):  # the pid is only for the sentence above
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        self._fd, self._made = fd, made

    def release(self, remove: bool = False) -> None:
        """Unlock (closing the file releases the lock).

        `remove`: nothing was saved; the lock file goes, and the folder too if
        acquire() made it and it is empty (a source that never played leaves nothing).
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                (self.folder / LOCK_FILE).unlink()
                if self._made:
                    self.folder.rmdir()
        os.close(fd)


def is_locked(folder: Path | str) -> bool:
    """Whether a live process (this one included) holds `folder`'s lock now."""
    path = Path(folder) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)  # closing drops the lock this probe may have taken
