"""kv memory positions: retrieved blocks re-indexed into one compact range before the question.

On the tiny LLaVA-OneVision (1-D RoPE), Qwen2.5-VL (M-RoPE) and SmolVLM2: a stored key
turned by d equals the key encoded d further on, at every layer; a one-layer LM
(where a block's keys and values depend on nothing but its own tokens and
positions) answers over sinks + retrieved blocks exactly as one full pass over
the compacted turn; a long stream (past the tiny LMs' 4,096 positions) keeps the
question under `max_position_embeddings` while retrieval chooses what it chose.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from models.vlm.kv import block_scores, turn_keys
from streamer.memory.kv_stream import MAX_GAP_S, KvStream
from tests.conftest import DEMO
from tests.models.vlm.test_qwen_aspect import fitted, phone

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
LONG_FRAMES = 24  # 24 x 196 = 4,704 positions of LLaVA-OV frames: past the tiny LM's 4,096
NEW_TOKENS = 4


def one_layer(load: Any, folder: Path) -> Any:
    """A fresh adapter of the checkpoint in `folder` with only its LM's first layer.

    At one layer a block's keys are RoPE(k_proj(x), p) and its values v_proj(x): nothing
    it attended to when encoded is in them, so re-indexing moves exactly what a full
    pass at the new positions would compute.
    """
    vlm = load(folder)
    lm = vlm._kv_lm()
    lm.layers = lm.layers[:1]
    lm.config.num_hidden_layers = vlm._model.config.text_config.num_hidden_layers = 1
    return vlm


def logit_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.abs(ours - theirs).max())


def assert_answer_reads(stream: KvStream, vlm: Any, blocks: list[list[int]]) -> None:
    """The generated answer and the option scores read the compacted cache, as the logits
    do; and the positions change what the model reads (re-indexed logits are not the
    stream-position ones)."""
    logits = stream.answer_logits(QUESTION, blocks)[-1]
    first = vlm._tok.decode([int(logits.argmax())])
    text = "".join(stream.answer(QUESTION, max_new_tokens=NEW_TOKENS, blocks=blocks))
    assert first and text.startswith(first)
    ids, _ = vlm.kv_text(first)
    shifted = logits.astype(np.float64) - logits.max()
    logp = float(shifted[ids[0]] - np.log(np.exp(shifted).sum()))
    (score,) = stream.option_logprobs(QUESTION, [first], blocks)
    assert len(ids) == 1 and abs(score - logp) < 1e-3
    stream.reindex = False
    assert logit_diff(stream.answer_logits(QUESTION, blocks)[-1], logits) > 1e-3
    stream.reindex = True


@pytest.fixture(scope="module")
def long_frames(llava) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """(14, 14, 64) tokens of LONG_FRAMES frames of assets/demo.mp4, 3 s apart."""
    import av

    images: list[np.ndarray] = []
    with av.open(str(DEMO)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= 3.0 * len(images):
                images.append(frame.to_ndarray(format="rgb24"))
            if len(images) == LONG_FRAMES:
                break
    assert len(images) == LONG_FRAMES
    return [f.tokens for f in llava.encode(images)]


def test_turned_keys_equal_keys_encoded_at_the_new_positions(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """1-D RoPE: one frame encoded at 10.. and at 3010.. alone (all layers see the same
    relative positions), so its keys differ only by RoPE's turn of 3,000 positions."""
    rows = llava.encode(demo_frames[:1])[0].tokens.reshape(-1, 64)  # (196, 64)
    at = 10 + np.arange(len(rows))
    near = llava.kv_pass(rows, [], at).kv
    far = llava.kv_pass(rows, [], at + 3000).kv
    for (k_near, _), (k_far, _) in zip(near, far):
        assert logit_diff(k_near, k_far) > 0.1  # the position is in the keys
        turned = turn_keys(k_near, np.full(len(rows), 3000), llava.kv_rotary)
        np.testing.assert_allclose(turned, k_far, atol=ATOL)


@pytest.mark.parametrize("upright", [False, True], ids=["16:9", "9:16-phone"])
def test_mrope_turns_only_the_time_axis(qwen, demo_frames, upright: bool) -> None:  # type: ignore[no-untyped-def]
    """M-RoPE: a frame placed 100 s later in the video moves on t only (h, w stay), and
    its keys turned by that t shift are the keys encoded there, at every layer."""
    images = phone(demo_frames[:1]) if upright else demo_frames[:1]
    qwen = fitted(qwen, images[0].shape[:2])
    tokens = qwen.encode(images)[0].tokens  # (9, 16, 64); upright (16, 9, 64)
    h, w = tokens.shape[:2]
    rows = tokens.reshape(h * w, -1)
    first, _ = qwen.kv_block_positions(20, 20, (h, w), 0.0, h * w)  # (3, n)
    later, _ = qwen.kv_block_positions(20, 20, (h, w), 100.0, h * w)
    shift = later - first
    assert (shift[0] == 200).all() and not shift[1:].any()  # 2 tokens a second, on t alone
    near, far = qwen.kv_pass(rows, [], first).kv, qwen.kv_pass(rows, [], later).kv
    for (k_near, _), (k_far, _) in zip(near, far):
        assert logit_diff(k_near, k_far) > 0.1
        np.testing.assert_allclose(turn_keys(k_near, shift, qwen.kv_rotary), k_far, atol=ATOL)


def test_one_layer_answer_equals_one_pass_over_the_retrieved_frames(  # type: ignore[no-untyped-def]
    tiny_llava, demo_frames, tmp_path: Path
) -> None:
    """Blocks 0 and 2 of three read as if frame 1 had never been: the question right after
    them, the logits of one pass over [frame 0, frame 2, question]; before: not."""
    from models.vlm.llava_onevision import LlavaOneVision

    vlm = one_layer(LlavaOneVision.load, tiny_llava)
    frames = [f.tokens for f in vlm.encode(demo_frames)]
    stream = KvStream(vlm, tmp_path, ram_bytes=1 << 30, window=0)
    ids = [stream.add_frame(f) for f in frames]
    chosen = [[ids[0], ids[2]]]
    ours = stream.answer_logits(QUESTION, chosen)
    with torch.inference_mode():
        ref = vlm.model(inputs_embeds=vlm.prompt_embeds([frames[0], frames[2], QUESTION]))
    theirs = ref.logits[0, -len(ours) :].numpy()
    print(f"one layer, blocks 0 and 2: max |logit diff| {logit_diff(ours, theirs):.2e}")
    assert logit_diff(ours, theirs) < ATOL and ours[-1].argmax() == theirs[-1].argmax()
    first = next(iter(vlm.generate([frames[0], frames[2], QUESTION], max_new_tokens=3)), "")
    assert "".join(stream.answer(QUESTION, max_new_tokens=3, blocks=chosen)).startswith(first)
    stream.reindex = False  # the stream positions: block 2 and the question 196 further on
    assert logit_diff(stream.answer_logits(QUESTION, chosen), theirs) > 1e-3
    stream.close()


def test_one_layer_smolvlm_blocks_move_with_their_stamps(  # type: ignore[no-untyped-def]
    tiny_smolvlm, demo_frames, tmp_path: Path
) -> None:
    """SmolVLM2 (a Llama LM; blocks of unequal length, each its "Frame from MM:SS:" stamp
    and image block): blocks 0 and 2 back to back, the stamps still giving the times."""
    from models.vlm.smolvlm import KV_INTRO, SmolVLM2, video_prompt

    vlm = one_layer(SmolVLM2.load, tiny_smolvlm)
    frames = [f.tokens for f in vlm.encode(demo_frames)]
    times = [5.0, 20.0, 40.0]
    stream = KvStream(vlm, tmp_path, ram_bytes=1 << 30, window=0)
    ids = [stream.add_frame(f, t) for f, t in zip(frames, times)]
    chosen = [[ids[0], ids[2]]]
    ours = stream.answer_logits(QUESTION, chosen)
    stamps = video_prompt(times, times[-1])[1:-1]
    parts = [KV_INTRO, stamps[0], frames[0], stamps[2], frames[2], "\n\n" + QUESTION]
    with torch.inference_mode():
        ref = vlm.model(inputs_embeds=vlm.prompt_embeds(parts))
    theirs = ref.logits[0, -len(ours) :].numpy()
    print(f"one layer SmolVLM2, blocks 0 and 2: max |logit diff| {logit_diff(ours, theirs):.2e}")
    assert logit_diff(ours, theirs) < ATOL and ours[-1].argmax() == theirs[-1].argmax()
    stream.reindex = False
    assert logit_diff(stream.answer_logits(QUESTION, chosen), theirs) > 1e-3
    stream.close()


@pytest.mark.parametrize("upright", [False, True], ids=["16:9", "9:16-phone"])
def test_one_layer_qwen_keeps_the_time_axis_with_long_gaps_cut(  # type: ignore[no-untyped-def]
    tiny_qwen, demo_frames, tmp_path: Path, upright: bool
) -> None:
    """Every block retrieved, frames at 5 s, 65 s and 10 min: the answer is one pass over the
    same video with the gaps cut to MAX_GAP_S (t at 0, 60, 120), h and w as encoded."""
    from models.vlm.qwen2_5_vl import Qwen25VL

    images = phone(demo_frames) if upright else demo_frames
    vlm = one_layer(partial(Qwen25VL.load, frame_size=images[0].shape[:2]), tiny_qwen)
    frames = [f.tokens for f in vlm.encode(images)]
    assert frames[0].shape[:2] == ((16, 9) if upright else (9, 16))
    times = [5.0, 65.0, 600.0]
    stream = KvStream(vlm, tmp_path, ram_bytes=1 << 30, window=3)
    ids = [stream.add_frame(f, t) for f, t in zip(frames, times)]
    every = [ids]
    ours = stream.answer_logits(QUESTION, every)
    cut = [0.0, MAX_GAP_S, 2 * MAX_GAP_S]
    embeds, positions = vlm.prompt_inputs([*frames, QUESTION], cut)
    with torch.inference_mode():
        ref = vlm.model(inputs_embeds=embeds, position_ids=positions)
    theirs = ref.logits[0, -len(ours) :].numpy()
    print(f"one layer Qwen, gaps cut: max |logit diff| {logit_diff(ours, theirs):.2e}")
    assert logit_diff(ours, theirs) < ATOL and ours[-1].argmax() == theirs[-1].argmax()
    read = stream.compact(every)
    assert read.start == int(positions[:, 0, : len(embeds[0]) - len(ours)].max()) + 1
    assert read.moved == 2  # the first frame stays at t = 0; the two after it move
    stream.reindex = False
    assert logit_diff(stream.answer_logits(QUESTION, every), theirs) > 1e-3
    stream.close()


def test_a_long_stream_keeps_the_question_under_the_trained_context(  # type: ignore[no-untyped-def]
    llava, long_frames, tmp_path: Path
) -> None:
    """24 frames (4,704 positions) on an LM trained on 4,096: top 4 blocks per layer are
    read right after the sinks, so the question and its answer sit under 1,000."""
    limit = llava.model.config.text_config.max_position_embeddings
    stream = KvStream(llava, tmp_path, ram_bytes=4 * 2 * 2 * 196 * 16 * 4 * 2, top_k=4)
    for tokens in long_frames:
        stream.add_frame(tokens)
    assert stream.store.on_disk(0)  # blocks read back from disk are moved as well
    n_tail = len(llava.kv_tail(QUESTION))
    chosen = stream.retrieve(QUESTION)
    stream.reindex = False
    before = stream.compact(chosen).start + n_tail + NEW_TOKENS
    stream.reindex = True
    after = stream.compact(chosen)
    n_head = len(llava.kv_head())
    print(f"question's last position: {before} before, {after.start + n_tail} after")
    assert before > limit
    assert after.start == n_head + 4 * 196 and after.start + n_tail + NEW_TOKENS < limit
    assert after.moved > 0 and len(set(map(tuple, chosen))) > 1  # layers read their own blocks
    for layer, ids in enumerate(chosen):  # what retrieval chose, values as stored, in order
        values = np.concatenate([v for _, v in stream.store.get(ids, layer)], 1)
        np.testing.assert_array_equal(after.context[layer][1][:, n_head:], values)
    assert_answer_reads(stream, llava, chosen)
    stream.close()


def query_positions(stream: KvStream, vlm: Any) -> list[np.ndarray]:
    """The positions of every query pass `stream.retrieve` makes, recorded."""
    seen: list[np.ndarray] = []
    run = vlm.kv_pass

    def recording(*args: Any, **kw: Any) -> Any:
        if kw.get("queries"):
            seen.append(np.asarray(args[2]))
        return run(*args, **kw)

    vlm.kv_pass = recording
    try:
        stream.retrieve(QUESTION)
    finally:
        del vlm.kv_pass
    return seen


def scored_at_the_front(stream: KvStream, vlm: Any) -> list[list[int]]:
    """Retrieval done by hand: each block's keys turned to right after the sinks (where
    the answer would read it alone), their mean against the question's queries after it."""
    n_head = len(vlm.kv_head())
    moved = []  # per block: its new positions minus its stored ones
    end = 0
    for b, old in enumerate(stream.positions):
        grid = (int(stream.places[b][1]), int(stream.places[b][2]))
        new, after = vlm.kv_block_positions(n_head, n_head, grid, 0.0, old.shape[-1])
        moved.append(new - old)
        end = max(end, after)
    tail = vlm.kv_tail(QUESTION)
    queries = vlm.kv_pass(tail, stream.sinks, np.arange(end, end + len(tail)), queries=True)
    chosen = []
    for layer, q in enumerate(queries.queries):
        blocks = stream.store.get(list(range(len(moved))), layer)
        means = [turn_keys(k, d, vlm.kv_rotary).mean(axis=1) for (k, _), d in zip(blocks, moved)]
        scores = block_scores(q, np.stack(means))
        chosen.append(sorted(int(b) for b in np.argsort(-scores, kind="stable")[: stream.top_k]))
    return chosen


def test_retrieval_reads_every_block_after_the_sinks_under_the_trained_context(  # type: ignore[no-untyped-def]
    llava, long_frames, tmp_path: Path
) -> None:
    """24 frames (4,704 positions) on an LM trained on 4,096: the question's query pass ran
    after the last frame, past the trained context; re-indexed, each block is scored as if
    it lay alone right after the sinks (its mean key turned there: exact, a block moves as
    one), the queries after it, so retrieval reads no position the LM was not trained on."""
    limit = llava.model.config.text_config.max_position_embeddings
    stream = KvStream(llava, tmp_path, ram_bytes=1 << 30, top_k=4)
    for tokens in long_frames:
        stream.add_frame(tokens)
    stream.reindex = False
    (before,) = query_positions(stream, llava)
    stream.reindex = True
    (after,) = query_positions(stream, llava)
    n_head = len(llava.kv_head())
    print(f"retrieval's last query position: {before.max()} before, {after.max()} after")
    assert before.max() >= limit
    assert after.min() == n_head + 196 and after.max() < n_head + 196 + 100 < limit
    assert stream.retrieve(QUESTION) == scored_at_the_front(stream, llava)
    stream.close()


def test_qwen_retrieval_moves_only_the_time_axis(  # type: ignore[no-untyped-def]
    qwen, demo_frames, tmp_path: Path
) -> None:
    """Frames at 0, 20 and 60 minutes: the query pass sat at t = 7,200 past 4,096; now
    each frame is scored at the video's first t, its h and w as encoded."""
    frames = [f.tokens for f in qwen.encode(demo_frames)]
    stream = KvStream(qwen, tmp_path, ram_bytes=1 << 30, window=1, top_k=1)
    for f, t in zip(frames, (0.0, 1200.0, 3600.0)):
        stream.add_frame(f, t)
    limit = qwen.model.config.text_config.max_position_embeddings
    stream.reindex = False
    (before,) = query_positions(stream, qwen)
    stream.reindex = True
    (after,) = query_positions(stream, qwen)
    assert before.max() > limit and after.max() < 1000
    moves = np.stack(stream._front, -1)  # (3, blocks): t only
    assert (moves[1:] == 0).all() and (moves[0, 1:] < 0).all()
    assert stream.retrieve(QUESTION) == scored_at_the_front(stream, qwen)
    stream.close()


def test_qwen_an_hour_of_stream_stays_under_the_trained_context(  # type: ignore[no-untyped-def]
    qwen, demo_frames, tmp_path: Path
) -> None:
    """M-RoPE counts time: frames at 0, 20 and 60 minutes put the question at t = 7,200
    (2 tokens a second) today, past 4,096; re-indexed, 2 x MAX_GAP_S later than the first."""
    frames = [f.tokens for f in qwen.encode(demo_frames)]
    stream = KvStream(qwen, tmp_path, ram_bytes=1 << 30, window=1)
    ids = [stream.add_frame(f, t) for f, t in zip(frames, (0.0, 1200.0, 3600.0))]
    limit = qwen.model.config.text_config.max_position_embeddings
    every = [ids] * qwen.kv_layout.n_layers
    stream.reindex = False
    assert stream.compact(every).start > limit
    stream.reindex = True
    read = stream.compact(every)
    n_head = len(qwen.kv_head())
    assert read.start == n_head + int(2 * MAX_GAP_S * qwen.tokens_per_second) + 1
    assert_answer_reads(stream, qwen, every)
    stream.close()


def test_the_positions_are_a_kv_setting(llava) -> None:  # type: ignore[no-untyped-def]
    """`ask --memory kv --kv-positions stream` keeps the stream positions (to compare a real
    LM's answers before and after); compact is the default; a typo is one sentence."""
    import argparse

    from cli.args import add_kv_options, kv_options
    from streamer.memory.items import MemoryConfigError
    from streamer.memory.kv import KvConfig, KvMemory

    parser = argparse.ArgumentParser()
    add_kv_options(parser)
    args = parser.parse_args(["--kv-positions", "stream"])
    args.memory = "kv"
    assert kv_options(args) == {"positions": "stream"}
    for options, reindex in ((kv_options(args), False), ({}, True)):
        memory = KvMemory(KvConfig(**options), llava.info, llava)  # type: ignore[arg-type]
        assert memory.stream.reindex is reindex
        memory.finish()
    with pytest.raises(MemoryConfigError, match="compact or stream, not 'absolute'"):
        KvConfig(positions="absolute")


def test_kv_bench_runs_a_vlm_folder(tmp_path: Path, tiny_qwen: Path) -> None:
    """`--model FOLDER`: any vlm folder the kv memory reads, M-RoPE's time included."""
    from streamer.bench.kv import bench_kv

    result = bench_kv(
        minutes=(2, 40), answers=1, tokens=2, device="cpu", out_dir=tmp_path, model=tiny_qwen
    )
    short, long = result["runs"]
    assert result["model"] == tiny_qwen.name and result["max_position_embeddings"] == 4096
    # at the stream's positions the question follows the last frame's t: 2 tokens a second
    # x (2,398 - 118) s later after 40 minutes than after 2, past the LM's 4,096
    assert long["last_position_before"] - short["last_position_before"] == 2 * 2280
    assert long["last_position_before"] > 4096
    assert long["last_position"] < 1000  # 16 blocks, gaps of at most 30 s: 60 positions
