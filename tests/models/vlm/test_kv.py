"""ReKV-style KV streaming on the tiny LLaVA-OneVision, against the library's one-pass forward.

The heart is `test_full_window_and_full_retrieval_equal_one_full_pass`: frames
prefilled block by block (each attending to the sinks and every earlier block),
then the question over sinks + all blocks, give the logits of the model's own
`forward` on the whole turn's `inputs_embeds` at every question position, and
the blocks' stored keys and values are that forward's cache at their positions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.vlm.kv import KvLanguageModel, block_scores
from streamer.memory.kv_stream import KvStream

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
TOKENS = 196  # 14 x 14 tokens a frame
BLOCK_BYTES = 2 * 2 * 2 * TOKENS * 16 * 4  # layers x (k, v) x kv heads x tokens x head_dim x 4 B


@pytest.fixture(scope="module")
def frames(llava, demo_frames) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return [f.tokens for f in llava.encode(demo_frames)]  # (14, 14, 64) each


def full_pass(llava, frames, question, mask=None):  # type: ignore[no-untyped-def]
    """The library's forward over the whole turn [frames..., question] in one pass."""
    embeds = llava.prompt_embeds([*frames, question])
    with torch.inference_mode():
        return embeds, llava.model(inputs_embeds=embeds, attention_mask=mask, use_cache=True)


def test_the_adapter_is_a_kv_language_model(llava) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(llava, KvLanguageModel)
    layout = llava.kv_layout
    assert (layout.n_layers, layout.heads, layout.kv_heads, layout.head_dim) == (2, 4, 2, 16)
    head, tail = llava.kv_head(), llava.kv_tail(QUESTION)
    whole = llava.prompt_embeds([np.zeros((TOKENS, 64), np.float32), QUESTION])[0].numpy()
    assert len(head) + TOKENS + len(tail) == len(whole)
    np.testing.assert_array_equal(head, whole[: len(head)])
    np.testing.assert_array_equal(tail, whole[len(head) + TOKENS :])


def test_full_window_and_full_retrieval_equal_one_full_pass(llava, frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stream = KvStream(llava, tmp_path, ram_bytes=BLOCK_BYTES, window=len(frames))
    ids = [stream.add_frame(f) for f in frames]
    assert stream.store.on_disk(0) and not stream.store.on_disk(ids[-1])  # one block fits in RAM
    every = [ids] * llava.kv_layout.n_layers
    assert stream.retrieve(QUESTION, top_k=len(frames)) == every
    ours = stream.answer_logits(QUESTION, every)  # (Lq, V)
    _, ref = full_pass(llava, frames, QUESTION)
    theirs = ref.logits[0, -len(ours) :].numpy()
    diff = float(np.abs(ours - theirs).max())
    print(f"max |logit diff| over {len(ours)} question positions: {diff:.2e}")
    assert diff < ATOL
    assert ours[-1].argmax() == theirs[-1].argmax()  # the answer's first token
    for layer, cached in enumerate(ref.cache.layers):
        for block, positions in zip(ids, stream.positions):
            k, v = stream.store.get([block], layer)[0]
            np.testing.assert_allclose(k, cached.keys[0][:, positions].numpy(), atol=ATOL)
            np.testing.assert_allclose(v, cached.values[0][:, positions].numpy(), atol=ATOL)
    first = next(iter(llava.generate([*frames, QUESTION], max_new_tokens=4)), "")
    assert "".join(stream.answer(QUESTION, max_new_tokens=4)).startswith(first)
    stream.close()


def window_mask(n_head: int, n_blocks: int, window: int, n_tail: int) -> torch.Tensor:
    """(1, 1, L, L) additive mask, all causal: block b sees the head, blocks b-window..b."""
    n = n_head + n_blocks * TOKENS + n_tail
    block = np.full(n, -1)
    block[n_head : n_head + n_blocks * TOKENS] = np.repeat(np.arange(n_blocks), TOKENS)
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    seen = (j <= i) & ((block[j] < 0) | (block[i] < 0) | (block[i] - block[j] <= window))
    out = np.where(seen, 0.0, np.finfo(np.float32).min).astype(np.float32)
    return torch.from_numpy(out)[None, None]


def test_a_small_window_matches_one_masked_pass(llava, frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = 1
    stream = KvStream(llava, tmp_path, ram_bytes=1 << 30, window=window)
    ids = [stream.add_frame(f) for f in frames]
    n_head, n_tail = len(llava.kv_head()), len(llava.kv_tail(QUESTION))
    mask = window_mask(n_head, len(frames), window, n_tail)
    _, ref = full_pass(llava, frames, QUESTION, mask)
    _, unmasked = full_pass(llava, frames, QUESTION)
    worst = 0.0
    for layer, cached in enumerate(ref.cache.layers):
        for block, positions in zip(ids, stream.positions):
            k, v = stream.store.get([block], layer)[0]
            worst = max(worst, float(np.abs(k - cached.keys[0][:, positions].numpy()).max()))
            np.testing.assert_allclose(v, cached.values[0][:, positions].numpy(), atol=ATOL)
    print(f"max |key diff| against the masked pass: {worst:.2e}")
    assert worst < ATOL
    last = stream.store.get([ids[-1]], 1)[0][1]  # block 2 saw only block 1: not the full pass
    assert not np.allclose(last, unmasked.cache.layers[1].values[0][:, stream.positions[-1]])
    stream.close()


def test_block_scores_are_the_mean_attention_logits(llava, frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stream = KvStream(llava, tmp_path, ram_bytes=0, window=1)
    ids = [stream.add_frame(f) for f in frames]
    tail = llava.kv_tail(QUESTION)
    at = stream.positions[-1][-1] + 1 + np.arange(len(tail))
    queries = llava.kv_pass(tail, stream.sinks, at, queries=True).queries
    group = llava.kv_layout.heads // llava.kv_layout.kv_heads
    for layer, q in enumerate(queries):  # (heads, n, head_dim)
        keys = [k for k, _ in stream.store.get(ids, layer)]  # (kv_heads, 196, head_dim) each
        brute = [np.mean(np.einsum("htd,hsd->hts", q, np.repeat(k, group, 0))) for k in keys]
        got = block_scores(q, stream.store.representatives(layer))
        np.testing.assert_allclose(got, brute, rtol=1e-4, atol=1e-5)
    stream.close()


def aligned_frame(llava, queries: np.ndarray, positions: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(n, D) embeddings whose layer-0 keys, rotated at `positions`, point along `queries`' mean.

    At layer 0 a key is RoPE(k_proj(RMSNorm(x))); so each token's pre-RoPE key is the
    target turned back by its position, and x solves k_proj for it (least squares).
    """
    from transformers.models.qwen2.modeling_qwen2 import apply_rotary_pos_emb

    lm = llava.model.model.language_model
    attn, layout = lm.layers[0].self_attn, llava.kv_layout
    mean = queries.mean(axis=1).reshape(layout.kv_heads, -1, layout.head_dim).mean(axis=1)
    target = torch.from_numpy(mean / np.linalg.norm(mean, axis=-1, keepdims=True))
    target = target[None, :, None].expand(1, -1, len(positions), -1).contiguous()  # (1, g, n, d)
    cos, sin = lm.rotary_emb(target, torch.from_numpy(-positions)[None])  # the inverse turn
    back, _ = apply_rotary_pos_emb(target, target, cos, sin)
    want = back[0].transpose(0, 1).reshape(len(positions), -1)  # (n, kv_heads * head_dim)
    with torch.no_grad():
        weight, bias = attn.k_proj.weight, attn.k_proj.bias  # (kv_heads * head_dim, D)
        rows = torch.linalg.lstsq(weight, (100.0 * want - bias).T).solution.T  # (n, D)
        rows = rows / lm.layers[0].input_layernorm.weight
    return rows.numpy().astype(np.float32)


def test_a_frame_aligned_with_the_question_is_retrieved(llava, frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stream = KvStream(llava, tmp_path, ram_bytes=0, window=1, top_k=1)
    n_head, tail = len(llava.kv_head()), llava.kv_tail(QUESTION)
    at = n_head + 4 * TOKENS + np.arange(len(tail))  # where the question will sit after 4 frames
    queries = llava.kv_pass(tail, [], at, queries=True).queries  # layer 0 ignores the context
    distinct = aligned_frame(llava, queries[0], n_head + 2 * TOKENS + np.arange(TOKENS))
    for tokens in [frames[0], frames[1], distinct, frames[2]]:
        stream.add_frame(tokens)
    assert stream.retrieve(QUESTION)[0] == [2]
    scores = block_scores(queries[0], stream.store.representatives(0))
    print(f"layer-0 block scores: {np.round(scores, 2)}")
    assert scores[2] > 2 * np.delete(scores, 2).max()
    assert len(stream.retrieve(QUESTION, top_k=3)[0]) == 3
    assert list(stream.retrieve(QUESTION, top_k=3)[1]) == sorted(stream.retrieve(QUESTION, 3)[1])
    stream.close()


def test_option_scores_over_the_cache_equal_the_full_pass(llava, frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The multiple-choice fallback: a letter's log-likelihood over sinks + every block."""
    stream = KvStream(llava, tmp_path, ram_bytes=1 << 30, window=len(frames))
    ids = [stream.add_frame(f) for f in frames]
    every = [ids] * llava.kv_layout.n_layers
    for letter in ("A.", "B."):
        ours = stream.option_logprob(QUESTION, letter, every)
        theirs = llava.option_logprob([*frames, QUESTION], letter)
        assert abs(ours - theirs) < ATOL * 10, (letter, ours, theirs)
    stream.close()


def test_embedding_retrieval_finds_the_frame_that_looks_like_the_question(llava, frames) -> None:  # type: ignore[no-untyped-def]
    """`--kv-retrieve embedding`: a frame whose tokens are the question's mean embedding."""
    from models.vlm.adapter import frame_features as _features
    from streamer.memory.kv import KvConfig, KvMemory
    from streamer.types import Observation

    memory = KvMemory(KvConfig(retrieve="embedding", top_k=1, window=1), llava.info, llava)
    _, rows = llava.kv_text(QUESTION)
    needle = np.broadcast_to(rows.mean(axis=0), (14, 14, rows.shape[1])).astype(np.float32)
    for i, tokens in enumerate([frames[0], frames[1], needle, frames[2]]):
        f = _features(np.ascontiguousarray(tokens), llava.info.space)
        memory.write(Observation(float(i), i, b"jpeg", (), f.feature, f.tokens, space=f.space))
    assert memory.settle(60)
    assert memory.retrieve(QUESTION, 4) == [[2]] * llava.kv_layout.n_layers
    assert memory.retrieve(QUESTION, 2)[0] == [0] or memory.retrieve(QUESTION, 2)[0] == [1]
    used, pieces = memory.answer(QUESTION, asked_at=3.0, max_tokens=2)
    assert [it.t for it in used] == [2.0] and isinstance("".join(pieces), str)
    memory.finish()
