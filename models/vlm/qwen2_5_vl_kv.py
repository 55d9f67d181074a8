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

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from models.vlm import decoding, kv
from models.vlm.mrope import temporal_offsets

__all__ = ["QwenKv"]


class QwenKv:
    """The `KvLanguageModel` half of `Qwen25VL` (mixed in; reads its model and tokenizer)."""

    _model: Any
    _tok: Any
    _stop_ids: set[int]
    tokens_per_second: float

    def _kv_turn(self, question: str) -> tuple[Any, int]:  # pragma: no cover - Qwen25VL's
        raise NotImplementedError

    @property
    def kv_layout(self) -> kv.KvLayout:
        text = self._model.config.text_config
        head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        return kv.KvLayout(
            text.num_hidden_layers, text.num_attention_heads, text.num_key_value_heads, head_dim
        )

    def _split(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """(L0, D) before the video's pad and (Lq, D) after it, of the turn [video, question]."""
        import torch

        ids, at = self._kv_turn(question)
        table = self._model.get_input_embeddings()
        with torch.inference_mode():
            head = table(ids[:at].to(self._model.device))
            tail = table(ids[at + 1 :].to(self._model.device))
        return head.float().cpu().numpy(), tail.float().cpu().numpy()

    def kv_head(self) -> np.ndarray:
        return self._split("")[0]

    def kv_tail(self, question: str) -> np.ndarray:
        return self._split(question)[1]

    def kv_block_positions(
        self, after: int, video_start: int, grid: tuple[int, int], seconds: float
    ) -> tuple[np.ndarray, int]:
        h, w = grid
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
        lm = self._model.model.language_model
        return kv.run(lm, self._model.lm_head, embeds, context, positions, logits, queries)

    def kv_text(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        import torch

        ids = self._tok(text, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"{text!r} has no tokens")
        table = self._model.get_input_embeddings()
        with torch.inference_mode():
            rows = table(torch.tensor(ids, device=self._model.device))
        return np.asarray(ids, np.int64), rows.float().cpu().numpy()

    def kv_generate(
        self,
        embeds: np.ndarray,
        context: Sequence[kv.LayerKV],
        start: int,
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        import torch

        weight = self._model.lm_head.weight
        cache = kv.cache_of(context, weight.device, weight.dtype)
        x = torch.from_numpy(np.ascontiguousarray(embeds, np.float32))[None]
        x = x.to(weight.device, weight.dtype)
        yield from decoding.greedy_pieces(  # text positions from `start`, on all three axes
            self._model, self._tok, x, self._stop_ids, max_new_tokens, stop, cache, start
        )
