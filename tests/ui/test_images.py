"""Evidence pictures are files that never change once the page has been given them."""

from __future__ import annotations

import io
import os

import gradio as gr
import numpy as np
from PIL import Image

from streamer.types import Evidence
from ui.chat import gallery_items


def _jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (90, 160, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG")
    return buf.getvalue()


def _served_paths(gallery: gr.Gallery, items: tuple[Evidence, ...]) -> list[str]:
    """The files Gradio hands the page for these evidence items."""
    return [str(g.image.path) for g in gallery.postprocess(gallery_items(items)).root]


def test_evidence_shown_again_is_the_same_file_never_rewritten():
    gallery = gr.Gallery(format="jpeg")
    items = (
        Evidence(3.0, 6.0, "ocr", "GATE 7 CLOSES AT NOON", 1.0, _jpeg(1)),
        Evidence(8.0, 10.0, "speech", "The van arrived.", 0.5),  # no thumbnail: a drawn tile
    )
    first = _served_paths(gallery, items)
    for path in first:
        os.utime(path, ns=(0, 0))  # as if served long ago
    ctimes = [os.stat(p).st_ctime_ns for p in first]
    again = _served_paths(gallery, items)  # a second viewer, or the answer clicked again
    assert again == first
    for path, ctime in zip(first, ctimes):
        st = os.stat(path)
        assert st.st_mtime_ns == 0  # not written again: a download in progress stays whole
        assert st.st_ctime_ns >= ctime  # but touched, so delete_cache counts its age anew
    assert Image.open(first[0]).size == (160, 90)
    other = _served_paths(gallery, (Evidence(1.0, 2.0, "ocr", "EXIT", 1.0, _jpeg(2)),))
    assert other[0] != first[0]  # a different picture, a different name
