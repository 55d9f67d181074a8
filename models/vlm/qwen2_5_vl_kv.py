"""Qwen2.5-VL's LM run block by block over a reassembled KV cache (`models.vlm.kv`), M-RoPE.

ReKV's users asked for this port: Qwen2.5-VL's positions are 3-D (t, h, w), so a
frame's block cannot simply take the next 196 positions. Here the stream is one
video after the sinks (the turn's fixed start, up to `<|vision_start|>`): the
frame seen `seconds` after the first one has its token (i, j) at
(p + tau, p + i, p + j), p the video's start and tau = floor(seconds *
tokens_per_second), exactly where Qwen2.5-VL's own `get_rope_index` puts that
frame of a video with those frame times; text after the video goes on from the
largest position so far + 1. Every pass gets its positions explicitly (3, 1, n),
text on all three axes alike, so keys are stored rotated as the attention
rotates them, and a retrieved block reads as it did when it was encoded
(tests/models/vlm/test_qwen_kv.py checks this against one full pass).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from models.vlm import kv
from models.vlm.kv_decoder import KvDecoder
from models.vlm.mrope import temporal_offsets

__all__ = ["QwenKv"]


class QwenKv(KvDecoder):
    """The `KvLanguageModel` half of `Qwen25VL` (mixed in; reads its model and tokenizer)."""

    tokens_per_second: float

    def _kv_turn(self, question: str) -> tuple[Any, int]:  # pragma: no cover - Qwen25VL's
        raise NotImplementedError

    def _split(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """(L0, D) before the video's pad and (Lq, D) after it, of the turn [video, question]."""
        ids, at = self._kv_turn(question)
        return self._kv_embed(ids[:at]), self._kv_embed(ids[at + 1 :])

    def kv_head(self) -> np.ndarray:
        return self._split("")[0]

    def kv_tail(self, question: str) -> np.ndarray:
        return self._split(question)[1]

    def kv_block_positions(
        self, after: int, video_start: int, grid: tuple[int, int], seconds: float, n: int
    ) -> tuple[np.ndarray, int]:
        h, w = grid
        if n != h * w:
            raise ValueError(f"a Qwen2.5-VL block is its {h}x{w} visual tokens, not {n} rows")
        tau = temporal_offsets([0.0, seconds], self.tokens_per_second)[1]
        rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        positions = np.stack([np.full(h * w, tau), rows.ravel(), cols.ravel()]) + video_start
        return positions.astype(np.int64), max(after, int(positions.max()) + 1)

    def kv_pass(
        self,
        embeds: np.ndarray,
        context: Sequence[kv.LayerKV],
        positions: np.ndarray,
        logits: bool = False,
        queries: bool = False,
    ) -> kv.KvPass:
        if positions.ndim == 1:  # text: the same position on the three axes
            positions = np.broadcast_to(positions, (3, len(positions)))
        return super().kv_pass(embeds, context, positions, logits, queries)
