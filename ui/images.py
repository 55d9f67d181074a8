"""JPEG files the page shows (evidence thumbnails, a moment): written once, never changed.

Handed a PIL image or an array, Gradio saves it to `<cache>/<hash>/image.jpeg`
with a plain `write_bytes` every time it is returned: when two viewers are
shown the same evidence, one truncates and rewrites the file while the other
is still downloading it ("Too little data for declared Content-Length"). So the
app writes each image itself, named by a hash of its bytes, under a temporary
name renamed into place, and never writes an existing name again: a served file
never changes (its mtime, and so its ETag, stays too). Handing a file out again
refreshes its ctime, the age Gradio's `delete_cache` goes by, so only images
nobody was shown for the cache age are removed.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from gradio.utils import get_upload_folder
from PIL import Image, ImageDraw

from models.atomic import atomic_file

FOLDER = "images"  # inside Gradio's cache: served from there without another copy
TILE = (160, 90)  # px: the tile shown for evidence without a thumbnail


def image_file(jpeg: bytes, root: Path | None = None) -> str:
    """The path of a file holding these JPEG bytes (made once per content)."""
    folder = (root or Path(get_upload_folder())) / FOLDER
    path = folder / f"{hashlib.sha256(jpeg).hexdigest()[:32]}.jpeg"
    try:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same times, a new ctime
        return str(path)
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as staging:  # a concurrent writer of the same bytes is harmless
        staging.write_bytes(jpeg)
    return str(path)


def tile(text: str) -> bytes:
    """A plain JPEG tile with a word on it, for evidence that has no thumbnail."""
    image = Image.new("RGB", TILE, (60, 64, 80))
    ImageDraw.Draw(image).text((10, TILE[1] // 2 - 6), text, fill=(230, 230, 240))
    buf = io.BytesIO()
    image.save(buf, format="JPEG")
    return buf.getvalue()
