"""Loads the packaged models once, in the background, and warms them up.

The first load takes 10-20 s (Whisper, MiniLM, the frame encoder's ONNX graph);
the page shows "loading" meanwhile instead of freezing. Warming up runs each
model once on a small synthetic image or sentence, so the first frames of a
stream are not dropped while onnxruntime allocates its buffers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import cv2
import numpy as np

from streamer.errors import USER_ERRORS, StreamerError
from streamer.modelset import ModelSet, load_models

log = logging.getLogger(__name__)

WARM_SIZE = (360, 640)  # px (H, W): the demo clip's frame size


class ModelLoader:
    """One `ModelSet` for the whole app, loaded in a thread; `get()` waits for it."""

    def __init__(self, load: Callable[[], ModelSet] | None = None) -> None:
        self._load = load or load_models
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._models: ModelSet | None = None
        self.error: str | None = None  # one sentence when loading failed

    @property
    def state(self) -> str:
        """idle | loading | ready | failed"""
        if self._done.is_set():
            return "ready" if self._models is not None else "failed"
        return "loading" if self._thread is not None else "idle"

    def start(self) -> ModelLoader:
        """Begin loading in a background thread (once)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ui-models", daemon=True)
                self._thread.start()
        return self

    def get(self, timeout: float | None = None) -> ModelSet:
        """The loaded models; raises the load error, or StreamerError if still loading."""
        self.start()
        if not self._done.wait(timeout):
            raise StreamerError("The models are still loading; try again in a few seconds.")
        if self._models is None:
            raise StreamerError(self.error or "The models could not be loaded.")
        return self._models

    def _run(self) -> None:
        try:
            models = self._load()
            warm_up(models)
            self._models = models
        except USER_ERRORS as e:
            self.error = str(e)
        except Exception as e:  # shown in the page; the traceback goes to the log
            log.exception("loading the models failed")
            self.error = f"Loading the models failed: {type(e).__name__}: {e}."
        finally:
            self._done.set()


def warm_up(models: ModelSet) -> None:
    """Load every model now and run each once, so the first real call is fast."""
    models.load_all()
    image = np.full((*WARM_SIZE, 3), 40, np.uint8)  # (H, W, 3) uint8 RGB
    cv2.putText(image, "WARM UP 123", (60, 200), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (255,) * 3, 4)
    models.encoder.encode([image])
    if models.reader is not None:
        models.reader.read(image)
    models.embedder.embed(["warm up"])
