"""Evidence thumbnails an answer pointed to, served at /v1/thumbnails/{id}.jpg.

Kept by content hash in a bounded, most-recent-first store: an answer's URLs
stay valid for the next THUMBNAILS_KEPT thumbnails handed out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

THUMBNAILS_KEPT = 1024  # ~10 KB JPEG each: ~10 MB at most


class Thumbnails:
    def __init__(self, kept: int = THUMBNAILS_KEPT) -> None:
        self.kept = kept
        self._jpegs: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, jpeg: bytes) -> str:
        """The file name (`<sha1>.jpg`) under which `jpeg` is served."""
        key = hashlib.sha1(jpeg).hexdigest()[:20]
        with self._lock:
            self._jpegs[key] = jpeg
            self._jpegs.move_to_end(key)
            while len(self._jpegs) > self.kept:
                self._jpegs.popitem(last=False)
        return f"{key}.jpg"

    def get(self, name: str) -> bytes | None:
        with self._lock:
            return self._jpegs.get(name.removesuffix(".jpg"))
