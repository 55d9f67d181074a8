"""Uploaded videos, kept under a private temp folder with generated names.

Gradio stores an upload in its own cache (which `Blocks(delete_cache=...)`
cleans while a long video may still be playing). The app takes its own link
(or copy) of the file under a name it makes up, so neither the user's file
name nor Gradio's cleanup ever decides a path the app reads.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

# Container suffixes kept on the generated name (FFmpeg probes the content anyway).
VIDEO_SUFFIXES = frozenset(
    ".mp4 .m4v .mov .mkv .webm .avi .ts .mts .flv .mpg .mpeg .ogv .wav .mp3 .m4a .ogg .flac".split()
)


class UploadStore:
    """Files the app imported from uploads; all removed by `clear()`."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = root  # made on the first upload when not given
        self._lock = threading.Lock()
        self._by_source: dict[tuple[str, int, int], Path] = {}  # (path, size, mtime_ns) -> copy

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="streamer-uploads-"))
            self._root.mkdir(parents=True, exist_ok=True)
            return self._root

    def add(self, uploaded: str | Path) -> Path:
        """The app's own copy of an uploaded file (made once per upload)."""
        src = Path(uploaded)
        st = src.stat()
        key = (str(src), st.st_size, st.st_mtime_ns)
        root = self.root
        with self._lock:
            known = self._by_source.get(key)
            if known is not None and known.exists():
                return known
            suffix = src.suffix.lower() if src.suffix.lower() in VIDEO_SUFFIXES else ".bin"
            dest = root / f"upload-{secrets.token_hex(8)}{suffix}"
            try:
                os.link(src, dest)  # same file system: instant, even for 2 GB
            except OSError:
                shutil.copyfile(src, dest)
            self._by_source[key] = dest
            return dest

    def keep_only(self, keep: set[Path]) -> None:
        """Delete imported files not in `keep` (those no session reads any more)."""
        with self._lock:
            for key, path in list(self._by_source.items()):
                if path not in keep:
                    path.unlink(missing_ok=True)
                    del self._by_source[key]

    def clear(self) -> None:
        with self._lock:
            self._by_source.clear()
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
