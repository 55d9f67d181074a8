"""The app's own temp folder: private, gone when the app ends, and swept at the next start.

Gradio writes every picture it serves (evidence thumbnails, moments) and every
upload into its temp folder, readable by anyone on the machine (mode 0644 in
/tmp/gradio) and left there after the app quits. The app instead keeps all its
temp files in `$TMPDIR/streamer-<uid>-<pid>` (mode 0700): `GRADIO_TEMP_DIR` and
Python's `tempfile` point inside it, so it must be entered before Gradio is
imported (Gradio reads the variable then). It is removed when the app ends,
by Ctrl-C or SIGTERM too; folders left by an app that crashed (ours, of a dead
pid) are removed when the next one starts.

    with private_temp_dir():
        from ui.app import build_app, launch
        ...
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NAME_RE = re.compile(r"streamer-(\d+)-(\d+)")  # streamer-<uid>-<pid>
MODE = 0o700


def folder_name(pid: int) -> str:
    return f"streamer-{os.getuid()}-{pid}"


@contextmanager
def private_temp_dir(base: Path | None = None) -> Iterator[Path]:
    """Make the private folder, point Gradio and `tempfile` inside it, remove it at the end."""
    base = Path(base or tempfile.gettempdir())
    remove_stale(base)
    root = base / folder_name(os.getpid())
    shutil.rmtree(root, ignore_errors=True)  # a dead app's folder, left under a reused pid
    root.mkdir(mode=MODE, parents=True)
    os.chmod(root, MODE)  # whatever the umask
    (root / "tmp").mkdir(mode=MODE)
    atexit.register(shutil.rmtree, root, True)  # also if the `with` is never left normally
    saved = {k: os.environ.get(k) for k in ("GRADIO_TEMP_DIR", "TMPDIR")}
    saved_tempdir = tempfile.tempdir
    os.environ["GRADIO_TEMP_DIR"] = str(root / "gradio")
    os.environ["TMPDIR"] = tempfile.tempdir = str(root / "tmp")
    try:
        yield root
    finally:
        tempfile.tempdir = saved_tempdir
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)


def remove_stale(base: Path) -> list[Path]:
    """Remove folders of ours whose app is no longer running. Returns those removed."""
    removed = []
    for entry in base.glob("streamer-*-*"):
        m = NAME_RE.fullmatch(entry.name)
        if m is None or int(m.group(1)) != os.getuid() or int(m.group(2)) == os.getpid():
            continue
        try:
            st = entry.lstat()
        except FileNotFoundError:
            continue
        if not entry.is_dir() or entry.is_symlink() or st.st_uid != os.getuid():
            continue
        if not _alive(int(m.group(2)), st.st_mtime):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _alive(pid: int, made: float) -> bool:
    """Whether the app that made a folder (last changed at `made`, epoch s) still runs.

    A killed app whose parent has not reaped it is a zombie, and a pid can be reused
    by a later process: neither is the app that made the folder.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    started, zombie = _process(pid)
    if zombie:
        return False
    return started is None or started <= made + CLOCK_SLACK_S


CLOCK_SLACK_S = 2.0  # seconds: /proc start times are in clock ticks, folder times in ns


def _process(pid: int) -> tuple[float | None, bool]:
    """(start time in epoch seconds, is a zombie) from /proc; (None, False) where there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None, False
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (name) "; name may hold spaces
    state, ticks = fields[0], int(fields[19])  # fields 3 and 22 of proc(5)
    return boot + ticks / os.sysconf("SC_CLK_TCK"), state == "Z"
