"""Atomic writes: a file or folder appears complete under its final name, or not at all.

The one way anything in this project writes a file that must survive a crash:
weights assembled from parts, the ONNX export, saved sessions and memories
(`streamer/store.py` writes through `atomic_file`).

The data goes to a temporary name in the destination folder, is fsynced, then
renamed over the final name (rename is atomic within one file system). If the
writer fails, the temporary entry is deleted; if the process dies mid-write,
the entry is left under a name no loader looks for and `remove_stale_tmp`
clears it later.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STALE_TMP_S = 3600.0  # a temporary entry untouched for an hour belongs to a dead process
TMP_MARK = ".tmp-"  # temporary entries are named ".<final name>.tmp-<random>"


def remove_stale_tmp(root: Path, older_than: float = STALE_TMP_S) -> None:
    """Delete temporary entries left by processes that died mid-write.

    `older_than=0` removes every one: only for a folder no one is writing into.
    """
    now = time.time()
    for entry in root.glob(f".*{TMP_MARK}*"):
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime < older_than:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(dest: Path) -> Iterator[Path]:
    """Yield a temporary path next to `dest`; on success it is fsynced and renamed to `dest`.

    If the block raises, the temporary file is deleted and `dest` is untouched.

    Example:
        >>> with atomic_file(Path("model.onnx")) as tmp:  # doctest: +SKIP
        ...     tmp.write_bytes(b"...")
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}{TMP_MARK}", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder next to `dest`; on success it is fsynced and renamed to `dest`.

    If `dest` appeared meanwhile (another process finished first), the new
    folder is discarded and `dest` is kept. If the block raises, the temporary
    folder is deleted.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}{TMP_MARK}", dir=dest.parent))
    try:
        yield tmp
        for item in (p for p in tmp.iterdir() if p.is_file()):
            with open(item, "rb") as f:
                os.fsync(f.fileno())
        fsync_dir(tmp)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not dest.is_dir():
                raise
        fsync_dir(dest.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
