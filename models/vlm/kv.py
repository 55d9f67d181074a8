"""KV-cache passes of a decoder LM (Qwen2 in LLaVA-OneVision, Qwen2.5 in Qwen2.5-VL) for ReKV.

A pass runs new embeddings over a given context (per layer, keys and values
of tokens already seen) at explicit absolute positions, and hands back the new
tokens' keys and values, optionally their logits and their attention queries.
Everything crossing this boundary is numpy, so a memory can keep, offload and
reassemble blocks without torch:

- keys are stored as the attention reads them, already rotated by RoPE at
  their token's absolute position (1-D, or M-RoPE's (t, h, w) for Qwen2.5-VL,
  whose positions are always passed explicitly); a context is any subset of earlier tokens,
  each keeping its own position (RoPE scores depend on q and k positions
  only through their difference, so a retrieved block placed anywhere in the
  context reads exactly as it did in the full sequence);
- queries are likewise returned rotated at their positions, so that
  q . mean_t(k_t) is exactly the mean attention logit (times sqrt(head_dim))
  the query gives a block's tokens.

The new tokens attend to the whole context and causally among themselves
(the library's own mask for a cache of that length).

A stored key can be moved to another position without the model (`turn_keys`):
RoPE turns each pair of a key's dimensions by position x frequency, so a key
rotated at p and turned by d more is the key rotated at p + d, exactly (up to
float rounding). A memory uses this to re-index retrieved blocks into one compact
range before a question (`streamer.memory.kv_stream`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "KvLanguageModel", "KvLayout", "KvPass", "LayerKV", "Rotary",
    "block_scores", "rotary_of", "run", "turn_keys",
]  # fmt: skip

# One layer's keys and values, each (kv_heads, n_tokens, head_dim) float32.
LayerKV = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class KvLayout:
    """The LM's cache geometry."""

    n_layers: int
    heads: int  # query heads
    kv_heads: int  # key/value heads (grouped-query attention: heads % kv_heads == 0)
    head_dim: int


@dataclass(frozen=True)
class KvPass:
    """What one pass over a context gives back for its new tokens."""

    kv: list[LayerKV]  # per layer, keys rotated at the tokens' positions, and values
    logits: np.ndarray | None  # (n, vocab) float32, when asked
    queries: list[np.ndarray] | None  # per layer (heads, n, head_dim), rotated, when asked


@dataclass(frozen=True)
class Rotary:
    """How the LM's RoPE turns a key: the angle of dimension pair f at position p is
    p[axis[f]] * inv_freq[f] (pairs f and f + head_dim/2, the `rotate_half` layout)."""

    inv_freq: np.ndarray  # (head_dim/2,) float64, the rotary embedding's own frequencies
    # (head_dim/2,) position axis each pair reads: None for 1-D RoPE; M-RoPE's sections
    # [t, h, w] (Qwen2.5-VL: [16, 24, 24] of 64 pairs) give 0, then 1, then 2
    axes: np.ndarray | None = None


@runtime_checkable
class KvLanguageModel(Protocol):
    """A VLM whose LM can be run block by block over a reassembled KV cache."""

    @property
    def kv_layout(self) -> KvLayout: ...

    def kv_head(self) -> np.ndarray:
        """(L0, D) embeddings of the turn's fixed start (system, user turn): the attention sinks."""
        ...

    def kv_tail(self, question: str) -> np.ndarray:
        """(Lq, D) embeddings of what follows the video: the question and the answer's start."""
        ...

    def kv_pass(
        self,
        embeds: np.ndarray,
        context: Sequence[LayerKV],
        positions: np.ndarray,
        logits: bool = False,
        queries: bool = False,
    ) -> KvPass:
        """Run (n, D) `embeds` at `positions` (n,) over `context` (per layer, or empty)."""
        ...

    def kv_frame_rows(self, tokens: np.ndarray, t: float) -> np.ndarray:
        """The (n, D) rows of the block of a frame seen at stream time `t`: its (h, w, D)
        visual tokens, with what the family writes around a frame (SmolVLM2: its
        "Frame from" stamp and image markers)."""
        ...

    def kv_block_positions(
        self, after: int, video_start: int, grid: tuple[int, int], seconds: float, n: int
    ) -> tuple[np.ndarray, int]:
        """Positions of one frame's block of `n` rows (`grid` visual tokens among them), and
        the first free position after it.

        `after`: the first free position before the block; `video_start`: where the
        video began (after the sinks); `seconds`: the frame's stream time after the
        video's first frame. A 1-D RoPE LM gives (n,) consecutive positions from
        `after`; Qwen2.5-VL's M-RoPE gives (3, n) (t, h, w) positions of one video.
        """
        ...

    def kv_text(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids (k,), embeddings (k, D)) of `text`'s tokens, as the answer would write them."""
        ...

    @property
    def kv_rotary(self) -> Rotary:
        """The LM's RoPE frequencies (and M-RoPE's axes), to move stored keys (`turn_keys`)."""
        ...

    def kv_generate(
        self,
        embeds: np.ndarray,
        context: Sequence[LayerKV],
        start: int,
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
    ) -> Any:
        """Greedy answer after (n, D) `embeds` (positions from `start`) over `context`."""
        ...


def cache_of(context: Sequence[LayerKV], device: Any, dtype: Any) -> Any:
    """A transformers DynamicCache holding `context` (empty when there is none)."""
    import torch
    from transformers import DynamicCache

    if not context:
        return DynamicCache()
    data = [
        (
            torch.from_numpy(np.ascontiguousarray(k))[None].to(device, dtype),
            torch.from_numpy(np.ascontiguousarray(v))[None].to(device, dtype),
        )
        for k, v in context
    ]  # per layer (1, kv_heads, n, head_dim)
    return DynamicCache(ddp_cache_data=data)


def run(
    lm: Any,
    lm_head: Any,
    embeds: np.ndarray,
    context: Sequence[LayerKV],
    positions: np.ndarray,
    logits: bool = False,
    queries: bool = False,
) -> KvPass:
    """One pass of the decoder `lm` (a transformers Qwen2Model) over `context`; see `KvPass`."""
    import torch

    weight = lm_head.weight
    n = int(embeds.shape[0])
    if positions.shape not in ((n,), (3, n)):
        raise ValueError(f"{n} embeddings need (n,) or (3, n) positions, not {positions.shape}")
    cache = cache_of(context, weight.device, weight.dtype)
    past = cache.get_seq_length()
    x = torch.from_numpy(np.ascontiguousarray(embeds, np.float32))[None].to(weight.device)
    pos = torch.from_numpy(positions.astype(np.int64))  # 1-D RoPE: (1, n); M-RoPE: (3, 1, n)
    pos = (pos[None] if positions.ndim == 1 else pos[:, None]).to(weight.device)
    seen: list[Any] = []  # per layer (1, n, heads * head_dim) from q_proj, before RoPE
    hooks = (
        [
            layer.self_attn.q_proj.register_forward_hook(lambda _m, _i, out: seen.append(out))
            for layer in lm.layers
        ]
        if queries
        else []
    )
    try:
        with torch.inference_mode():
            x = x.to(weight.dtype)
            out = lm(inputs_embeds=x, position_ids=pos, cache=cache, use_cache=True)
            kv = [
                (_numpy(layer.keys[0, :, past:]), _numpy(layer.values[0, :, past:]))
                for layer in out.cache.layers
            ]  # (kv_heads, n, head_dim) each
            scores = _numpy(lm_head(out.last_hidden_state)[0]) if logits else None
            rotated = _rotate(lm, seen, pos) if queries else None
    finally:
        for hook in hooks:
            hook.remove()
    return KvPass(kv, scores, rotated)


def _rotate(lm: Any, seen: list[Any], pos: Any) -> list[np.ndarray]:
    """Per layer (heads, n, head_dim) queries rotated at `pos`, as the attention applies RoPE."""
    from transformers.models.qwen2.modeling_qwen2 import apply_rotary_pos_emb

    out = []
    for q in seen:
        head_dim = lm.layers[0].self_attn.head_dim
        q = q.view(q.shape[0], q.shape[1], -1, head_dim).transpose(1, 2)  # (1, heads, n, hd)
        cos, sin = lm.rotary_emb(q, pos)
        rotated, _ = apply_rotary_pos_emb(q, q, cos, sin)
        out.append(_numpy(rotated[0]))
    return out


def block_scores(queries: np.ndarray, representatives: np.ndarray) -> np.ndarray:
    """(n_blocks,) mean attention logit of `queries` on each block, from its mean key.

    `queries` (heads, n, head_dim), `representatives` (n_blocks, kv_heads, head_dim); each
    query head reads its key/value group (heads // kv_heads query heads per group). The
    score is the dot product averaged over heads and query tokens: by linearity the mean,
    over the block's tokens, of the logits q . k_t the attention would compute.
    """
    heads, kv_heads = queries.shape[0], representatives.shape[1]
    if heads % kv_heads:
        raise ValueError(f"{heads} query heads cannot share {kv_heads} key heads")
    group = np.arange(heads) // (heads // kv_heads)  # the key head each query head reads
    mean_q = queries.astype(np.float64).mean(axis=1)  # (heads, head_dim)
    reps = representatives[:, group].astype(np.float64)  # (n_blocks, heads, head_dim)
    scores: np.ndarray = np.einsum("bhd,hd->b", reps, mean_q) / heads
    return scores


def turn_keys(keys: np.ndarray, shift: np.ndarray, rotary: Rotary) -> np.ndarray:
    """(kv_heads, n, head_dim) `keys` rotated at positions p, as they would be at p + `shift`.

    `shift` is (n,) for 1-D RoPE, (3, n) (t, h, w) for M-RoPE. Exact: RoPE(k, p) turned
    by d is RoPE(k, p + d). The angles are float64, so the only error is the keys' own
    float32 rounding; a key at a zero shift comes back unchanged.
    """
    shift = np.asarray(shift, np.float64)
    if shift.shape[-1] and (shift == shift[..., :1]).all():
        shift = shift[..., :1]  # a block moved as one (the usual case): one row of angles
    if rotary.axes is None:
        angles = shift[:, None] * rotary.inv_freq  # (n or 1, head_dim/2)
    else:
        angles = shift[rotary.axes].T * rotary.inv_freq  # each pair reads its own axis
    cos, sin = np.cos(angles), np.sin(angles)
    c = np.concatenate([cos, cos], -1).astype(keys.dtype)  # (n or 1, head_dim)
    s = np.concatenate([-sin, sin], -1).astype(keys.dtype)
    # k * c + rotate_half(k) * s, with rotate_half's halves swapped in place: contiguous
    # rows of head_dim, 0.15 ms a 196-token block on a busy core (strided halves: twice that)
    half = keys.shape[-1] // 2
    out = np.empty(keys.shape, keys.dtype)  # (kv_heads, n, head_dim)
    out[..., :half], out[..., half:] = keys[..., half:], keys[..., :half]
    out *= s
    out += keys * c
    return out


def rotary_of(rotary_emb: Any) -> Rotary:
    """The `Rotary` of a transformers rotary embedding module (Qwen2's, Qwen2.5-VL's, Llama's).

    Exact for RoPE types whose frequencies the config fixes (default, linear, yarn, llama3:
    their cos/sin scaling is in the stored key already, and a turn is a pure rotation);
    a "dynamic" RoPE changes its frequencies with the sequence's length, which no family
    here uses.
    """
    inv_freq = rotary_emb.inv_freq.detach().double().cpu().numpy()  # (head_dim/2,)
    sections = getattr(rotary_emb, "mrope_section", None)
    if sections is None:
        return Rotary(inv_freq)
    if sum(sections) != len(inv_freq):
        raise ValueError(f"M-RoPE sections {sections} do not cover {len(inv_freq)} pairs")
    return Rotary(inv_freq, np.repeat(np.arange(len(sections)), sections))


def _numpy(t: Any) -> np.ndarray:
    return np.ascontiguousarray(t.detach().float().cpu().numpy())
