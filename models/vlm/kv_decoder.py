"""What every family's `KvLanguageModel` shares: its LM run block by block over a cache.

Mixed into each adapter (`LlavaOneVision`, `Qwen25VL`, `SmolVLM2`), which adds
the family's own turn (`kv_head`, `kv_tail`) and, where it differs, how a frame's
block is written (`kv_frame_rows`) and placed (`kv_block_positions`): by default
a frame's block is its visual tokens alone, at the next 1-D positions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from models.vlm import decoding, kv

__all__ = ["KvDecoder"]


class KvDecoder:
    """`KvLanguageModel` over an adapter's `_model` (a transformers VLM) and `_tok`."""

    _model: Any
    _tok: Any
    _stop_ids: set[int]

    def _kv_lm(self) -> Any:
        """The decoder the passes run (the VLM's language model, without its head)."""
        return self._model.model.language_model

    @property
    def kv_layout(self) -> kv.KvLayout:
        text = self._model.config.text_config
        head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        return kv.KvLayout(
            text.num_hidden_layers, text.num_attention_heads, text.num_key_value_heads, head_dim
        )

    @property
    def kv_rotary(self) -> kv.Rotary:
        return kv.rotary_of(self._kv_lm().rotary_emb)

    def kv_frame_rows(self, tokens: np.ndarray, t: float) -> np.ndarray:
        """The (n, D) rows of the block of a frame seen at stream time `t`: its tokens."""
        return tokens.reshape(-1, tokens.shape[-1])

    def kv_block_positions(
        self, after: int, video_start: int, grid: tuple[int, int], seconds: float, n: int
    ) -> tuple[np.ndarray, int]:
        # 1-D RoPE: the block's n rows follow on, whatever the frame's time
        return np.arange(after, after + n, dtype=np.int64), after + n

    def kv_pass(
        self,
        embeds: np.ndarray,
        context: Sequence[kv.LayerKV],
        positions: np.ndarray,
        logits: bool = False,
        queries: bool = False,
    ) -> kv.KvPass:
        lm, head = self._kv_lm(), self._model.lm_head
        return kv.run(lm, head, embeds, context, positions, logits, queries)

    def answer_ids(self, text: str) -> list[int]:
        """The tokens the family's template writes for the assistant message `text`."""
        raise NotImplementedError

    def kv_text(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        ids = self.answer_ids(text)  # as the answer would be written (SmolVLM2: " " + text)
        if not ids:
            raise ValueError(f"{text!r} has no tokens")
        return np.asarray(ids, np.int64), self._kv_embed(ids)

    def _kv_embed(self, ids: Any) -> np.ndarray:
        """(k, D) float32 input embeddings of token `ids`."""
        import torch

        table = self._model.get_input_embeddings()
        with torch.inference_mode():
            rows = table(torch.as_tensor(ids, device=self._model.device))
        return np.ascontiguousarray(rows.float().cpu().numpy())

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
        # text positions from `start` (all three axes alike for M-RoPE)
        at = torch.arange(start, start + x.shape[1], device=weight.device)[None]  # (1, n)
        yield from decoding.greedy_pieces(
            self._model, self._tok, x, self._stop_ids, max_new_tokens, stop, cache, at
        )
