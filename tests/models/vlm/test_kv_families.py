"""ReKV beyond LLaVA-OneVision: Qwen2.5-VL's M-RoPE and SmolVLM2, block by block = one pass.

The tiny Qwen2.5-VL (real architecture, 3-D rotary sections [2, 3, 3]) against
the library's forward on the whole turn with the (t, h, w) position ids
`Qwen25VL.prompt_inputs` gives a video of the same frames at the same times, on
16:9 frames and on upright phone frames (a 16 x 9 grid).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.vlm.kv import KvLanguageModel
from streamer.memory.kv_stream import KvStream
from tests.models.vlm.conftest import FRAME_TIMES
from tests.models.vlm.test_qwen_aspect import fitted, phone

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4


@pytest.mark.parametrize("upright", [False, True], ids=["16:9", "9:16-phone"])
def test_full_window_and_retrieval_equal_one_full_pass(  # type: ignore[no-untyped-def]
    qwen, demo_frames, tmp_path: Path, upright: bool
) -> None:
    images = phone(demo_frames) if upright else demo_frames
    qwen = fitted(qwen, images[0].shape[:2])  # read at the stream's own aspect
    assert isinstance(qwen, KvLanguageModel)
    frames = [f.tokens for f in qwen.encode(images)]  # (9, 16, 64) each; upright (16, 9, 64)
    times = list(FRAME_TIMES)  # 5, 20, 40 s: 30 and 70 temporal positions apart
    stream = KvStream(qwen, tmp_path, ram_bytes=1 << 30, window=len(frames))
    ids = [stream.add_frame(f, t) for f, t in zip(frames, times)]
    every = [ids] * qwen.kv_layout.n_layers
    ours = stream.answer_logits(QUESTION, every)

    embeds, positions = qwen.prompt_inputs([*frames, QUESTION], times)
    head = len(qwen.kv_head())
    n = frames[0].shape[0] * frames[0].shape[1]
    for b, block in enumerate(stream.positions):  # the library's positions for each frame
        np.testing.assert_array_equal(block, positions[:, 0, head + b * n : head + (b + 1) * n])
    with torch.inference_mode():
        ref = qwen.model(inputs_embeds=embeds, position_ids=positions, use_cache=True)
    theirs = ref.logits[0, -len(ours) :].numpy()
    diff = float(np.abs(ours - theirs).max())
    print(f"max |logit diff| over {len(ours)} question positions: {diff:.2e}")
    assert diff < ATOL and ours[-1].argmax() == theirs[-1].argmax()
    for layer, cached in enumerate(ref.cache.layers):  # stored keys: rotated as the model did
        k, _ = stream.store.get([ids[-1]], layer)[0]
        np.testing.assert_allclose(k, cached.keys[0][:, head + 2 * n : head + 3 * n], atol=ATOL)
    first = next(iter(qwen.generate([*frames, QUESTION], 3, times=times)), "")
    assert "".join(stream.answer(QUESTION, max_new_tokens=3)).startswith(first)
    stream.close()


def test_frame_times_move_the_positions(qwen, demo_frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same frames 1 s apart read differently: time is in the positions, not lost."""
    frames = [f.tokens for f in qwen.encode(demo_frames)]
    logits = []
    for times in (list(FRAME_TIMES), [0.0, 1.0, 2.0]):
        stream = KvStream(qwen, tmp_path / str(times[1]), ram_bytes=1 << 30, window=3)
        ids = [stream.add_frame(f, t) for f, t in zip(frames, times)]
        logits.append(stream.answer_logits(QUESTION, [ids] * qwen.kv_layout.n_layers)[-1])
        stream.close()
    assert float(np.abs(logits[0] - logits[1]).max()) > 1e-3


def test_smolvlm_blocks_equal_one_full_pass(smolvlm, demo_frames, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SmolVLM2: each block is "Frame from MM:SS:" + the frame's image block, 1-D positions."""
    from models.vlm.smolvlm import KV_INTRO, video_prompt

    assert isinstance(smolvlm, KvLanguageModel)
    frames = [f.tokens for f in smolvlm.encode(demo_frames)]  # (8, 8, 64) each
    times = list(FRAME_TIMES)
    stream = KvStream(smolvlm, tmp_path, ram_bytes=1 << 30, window=len(frames))
    ids = [stream.add_frame(f, t) for f, t in zip(frames, times)]
    ours = stream.answer_logits(QUESTION, [ids] * smolvlm.kv_layout.n_layers)

    parts: list[object] = [KV_INTRO]
    for stamp, f in zip(video_prompt(times, times[-1])[1:-1], frames):
        parts += [stamp, f]
    parts.append("\n\n" + QUESTION)
    embeds = smolvlm.prompt_embeds(parts)
    with torch.inference_mode():
        ref = smolvlm.model(inputs_embeds=embeds)
    assert embeds.shape[1] == len(smolvlm.kv_head()) + sum(len(p) for p in stream.positions) + len(
        ours
    )  # the same tokens, block for block
    theirs = ref.logits[0, -len(ours) :].numpy()
    diff = float(np.abs(ours - theirs).max())
    print(f"SmolVLM2: max |logit diff| over {len(ours)} question positions: {diff:.2e}")
    assert diff < ATOL and ours[-1].argmax() == theirs[-1].argmax()
    assert len({len(p) for p in stream.positions}) > 1  # stamps of unequal length
    chosen = stream.retrieve(QUESTION, top_k=2)  # so one choice serves every layer
    assert chosen[0] == chosen[1] and len(chosen[0]) == 2
    first = next(iter(smolvlm.generate(parts, 3)), "")
    assert "".join(stream.answer(QUESTION, max_new_tokens=3, blocks=[ids] * 2)).startswith(first)
    stream.close()
