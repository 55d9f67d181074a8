"""Qwen2.5-VL adapter against transformers' own video path, on a tiny random model.

The heart is `test_logits_and_positions_match_library`: our frames (encoded one by
one by `encode`, spliced into `inputs_embeds`, with the 3-D M-RoPE position ids we
compute) give the same logits at every position as the model's `forward` given
`input_ids` with the expanded `<|video_pad|>`, `pixel_values_videos`,
`video_grid_thw` and `mm_token_type_ids`, i.e. the library placing the video and
computing its own rope index; and our position ids are its `get_rope_index`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from models.protocols import FrameEncoder
from models.vlm import UnsupportedModelError, VisionLanguageModel
from models.vlm.families import QWEN2_5_VL, QWEN2_5_VL_3B, QWEN2_5_VL_7B
from models.vlm.mrope import VisualRun, position_ids, temporal_offsets
from models.vlm.qwen2_5_vl import DEFAULT_SYSTEM, Qwen25VL, render_turn
from models.weights import ModelMissingError

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
GRID = (9, 16)  # 252 x 448 px / 28 px per merged token
VIDEO = "<|vision_start|><|video_pad|><|vision_end|>"


def library_inputs(qwen: Qwen25VL, prompt: str, frames_per_video: list[int]) -> dict[str, Any]:
    """input_ids with each video pad expanded as Qwen2_5_VLProcessor expands it, and its types."""
    n = GRID[0] * GRID[1]
    pieces = prompt.split("<|video_pad|>")
    expanded = pieces[0] + "".join(
        "<|video_pad|>" * (k * n) + p for k, p in zip(frames_per_video, pieces[1:])
    )
    ids = torch.tensor([qwen.tokenizer(expanded, add_special_tokens=False)["input_ids"]])
    grid = torch.tensor([[k, *qwen.patch_grid] for k in frames_per_video])
    types = (ids == qwen.video_token_id).int() * 2  # 2: video, as the processor marks it
    return {"input_ids": ids, "video_grid_thw": grid, "mm_token_type_ids": types}


def template_prompt(qwen: Qwen25VL, content: list[dict[str, str]]) -> str:
    """The family chat template's own text for one user turn (its default system line)."""
    messages = [{"role": "user", "content": content}]
    text = qwen.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert isinstance(text, str)
    return text


def doubled_video_rows(qwen: Qwen25VL, frames: list[np.ndarray]) -> torch.Tensor:
    """pixel_values_videos of the video [f0, f0, f1, f1, ...], laid out by hand as the video
    processor lays out (grid_t, 2, C, H, W) clips: rows (t, h/2, w/2, 2, 2), each (C, 2, 14, 14)."""
    from PIL import Image

    mean = np.array(qwen._proc.image_mean, np.float32)[:, None, None]
    std = np.array(qwen._proc.image_std, np.float32)[:, None, None]
    h, w = qwen.input_size
    clip = []
    for f in frames:
        x = np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BICUBIC), np.float32)
        x = (x.transpose(2, 0, 1) / 255.0 - mean) / std  # (C, H, W)
        clip += [x, x]
    gh, gw = qwen.patch_grid
    v = np.stack(clip).reshape(len(frames), 2, 3, gh // 2, 2, 14, gw // 2, 2, 14)
    v = v.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)  # (t, h/2, w/2, 2, 2, C, 2, 14, 14)
    return torch.from_numpy(np.ascontiguousarray(v).reshape(-1, 3 * 2 * 14 * 14))


@pytest.fixture(scope="module")
def video(qwen, demo_frames):  # type: ignore[no-untyped-def]
    """Our parts for the three demo frames and the question, and the library's inputs."""
    parts = [f.tokens for f in qwen.encode(demo_frames)] + [QUESTION]
    content = [{"type": "video"}, {"type": "text", "text": QUESTION}]
    inputs = library_inputs(qwen, template_prompt(qwen, content), [len(demo_frames)])
    inputs["pixel_values_videos"] = qwen.pixels(demo_frames)
    return parts, inputs


def test_the_adapter_is_a_frame_encoder_and_a_vlm(qwen) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(qwen, FrameEncoder) and isinstance(qwen, VisionLanguageModel)
    assert qwen.info.space == f"qwen2.5-vl:{qwen.name}"
    assert qwen.info.grid == GRID and qwen.info.dim == 64 and qwen.patch_grid == (18, 32)


def test_encode_gives_merged_tokens_per_frame(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    feats = qwen.encode(demo_frames)
    assert len(feats) == len(demo_frames)
    for f in feats:
        assert f.tokens.shape == (*GRID, 64) and f.tokens.dtype == np.float32
        assert f.space == qwen.info.space and f.tags == ()
        mean = f.tokens.mean(axis=(0, 1))
        np.testing.assert_allclose(f.feature, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    assert not np.allclose(feats[0].tokens, feats[2].tokens)  # 5 s and 40 s are other scenes


def test_a_frame_is_one_temporal_step_of_itself_repeated(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """Our patch rows are the video processor's layout of [f0, f0, f1, f1, f2, f2], and the
    tower's features of that one 3-step video are our frame-by-frame tokens."""
    ours = qwen.pixels(demo_frames)
    by_hand = doubled_video_rows(qwen, demo_frames)
    assert ours.shape == by_hand.shape == (3 * 18 * 32, 1176)
    torch.testing.assert_close(ours, by_hand, atol=1e-5, rtol=0)
    grid = torch.tensor([[3, *qwen.patch_grid]])
    with torch.inference_mode():
        video = qwen.model.model.get_video_features(by_hand, grid).pooler_output[0]
    tokens = np.stack([f.tokens for f in qwen.encode(demo_frames)]).reshape(-1, 64)
    np.testing.assert_allclose(tokens, video.numpy(), atol=ATOL)


def test_our_prompt_is_the_chat_templates(qwen) -> None:  # type: ignore[no-untyped-def]
    content = [
        {"type": "text", "text": "[0:05]"},
        {"type": "video"},
        {"type": "text", "text": "[0:20]"},
        {"type": "video"},
        {"type": "text", "text": QUESTION},
    ]
    body = f"[0:05]{VIDEO}[0:20]{VIDEO}{QUESTION}"
    assert render_turn(body, DEFAULT_SYSTEM) == template_prompt(qwen, content)


@pytest.mark.parametrize(
    ("times", "second_per_grid"),
    [(None, None), ((5.0, 5.5, 6.0), 0.5), ((10.0, 13.0, 16.0), 3.0)],
    ids=["default-1s", "every-0.5s", "every-3s"],
)
def test_logits_and_positions_match_library(qwen, video, times, second_per_grid) -> None:  # type: ignore[no-untyped-def]
    parts, inputs = video
    spg = None if second_per_grid is None else torch.tensor([second_per_grid])
    embeds, ours_pos = qwen.prompt_inputs(parts, times)
    theirs_pos, _ = qwen.model.model.get_rope_index(
        inputs["input_ids"],
        inputs["mm_token_type_ids"],
        video_grid_thw=inputs["video_grid_thw"],
        second_per_grid_ts=spg,
    )
    assert embeds.shape[1] == inputs["input_ids"].shape[1]
    pos_diff = int((ours_pos - theirs_pos).abs().max())
    with torch.inference_mode():
        ours = qwen.model(inputs_embeds=embeds, position_ids=ours_pos).logits[0]  # (L, V)
        theirs = qwen.model(**inputs, second_per_grid_ts=spg).logits[0]
    every = float((ours - theirs).abs().max())
    t = ours_pos[0, 0, inputs["mm_token_type_ids"][0] == 2].unique().tolist()
    print(
        f"one video, 3 frames, L={embeds.shape[1]}, temporal ids {t}: max |diff| "
        f"position ids {pos_diff}, logits all positions {every:.1e}"
    )
    assert pos_diff == 0 and every < ATOL


def test_stamped_frames_match_library_as_separate_videos(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """Text between frames makes each frame its own one-step video; positions go on after each."""
    feats = qwen.encode(demo_frames[:2])
    parts = ["[0:05]", feats[0].tokens, "[0:20]", feats[1].tokens.reshape(-1, 64), QUESTION]
    content = [
        {"type": "text", "text": "[0:05]"},
        {"type": "video"},
        {"type": "text", "text": "[0:20]"},
        {"type": "video"},
        {"type": "text", "text": QUESTION},
    ]
    inputs = library_inputs(qwen, template_prompt(qwen, content), [1, 1])
    inputs["pixel_values_videos"] = qwen.pixels(demo_frames[:2])
    embeds, ours_pos = qwen.prompt_inputs(parts, times=[5.0, 20.0])
    theirs_pos, _ = qwen.model.model.get_rope_index(
        inputs["input_ids"], inputs["mm_token_type_ids"], video_grid_thw=inputs["video_grid_thw"]
    )
    with torch.inference_mode():
        ours = qwen.model(inputs_embeds=embeds, position_ids=ours_pos).logits[0]
        theirs = qwen.model(**inputs).logits[0]
    diff = float((ours - theirs).abs().max())
    print(f"two stamped one-frame videos, L={embeds.shape[1]}: max |diff| all positions {diff:.1e}")
    assert torch.equal(ours_pos, theirs_pos) and diff < ATOL


def test_frames_far_apart_keep_their_spacing_and_text_goes_on_after_them(qwen, video) -> None:  # type: ignore[no-untyped-def]
    """Memory frames at 5, 20 and 40 s: temporal ids 0, 30, 70 after the video's start.

    Past max(h, w) = 16 this is where transformers 5.24 departs from the original
    `get_rope_index`: its text after the video goes on from start + 16, inside the
    video's temporal span; ours (and the original's) from the video's max + 1.
    """
    parts, inputs = video
    pos = qwen.prompt_positions(parts, times=[5.0, 20.0, 40.0])[:, 0]  # (3, L)
    is_video = inputs["mm_token_type_ids"][0] == 2
    start = int(pos[0, is_video].min())
    assert sorted(set((pos[0, is_video] - start).tolist())) == [0, 30, 70]
    after = int(is_video.nonzero().max()) + 1  # <|vision_end|>
    assert pos[:, after].tolist() == [start + 71] * 3
    uniform = qwen.prompt_positions(parts, times=[0.0, 15.0, 30.0])
    theirs, _ = qwen.model.model.get_rope_index(
        inputs["input_ids"],
        inputs["mm_token_type_ids"],
        video_grid_thw=inputs["video_grid_thw"],
        second_per_grid_ts=torch.tensor([15.0]),
    )
    assert torch.equal(uniform[:, :, :after], theirs[:, :, :after])  # every visual id agrees
    assert int(theirs[0, 0, after]) == start + 16 < int(uniform[0, 0, after]) == start + 61


def test_the_comparison_has_teeth(qwen, video) -> None:  # type: ignore[no-untyped-def]
    """Plain 1-D positions, or frames without their temporal spacing, move the logits far."""
    parts, inputs = video
    embeds, pos = qwen.prompt_inputs(parts, None)
    flat = torch.arange(embeds.shape[1]).expand(3, 1, -1)  # what a 1-D LM would use
    same_time = qwen.prompt_positions(parts, times=[0.0, 0.0, 0.0])
    assert not torch.equal(same_time, pos)
    with torch.inference_mode():
        theirs = qwen.model(**inputs).logits[0]
        diffs = [
            float((qwen.model(inputs_embeds=embeds, position_ids=p).logits[0] - theirs).abs().max())
            # None: the model's own guess, 1-D shifted by the rope_deltas its last
            # input_ids call left behind: never leave position_ids out
            for p in (flat, same_time, None)
        ]
    print(
        f"wrong positions: max |diff| 1-D {diffs[0]:.1e}, no temporal {diffs[1]:.1e}, "
        f"the model's default {diffs[2]:.1e}"
    )
    assert min(diffs) > 100 * ATOL


def test_greedy_generate_streams_the_librarys_greedy_text(qwen, video) -> None:  # type: ignore[no-untyped-def]
    parts, inputs = video
    pieces = list(qwen.generate(parts, max_new_tokens=8))
    assert len(pieces) > 1 and all(pieces)
    assert list(qwen.generate(parts, max_new_tokens=8)) == pieces  # deterministic
    with torch.inference_mode():
        out = qwen.model.generate(**inputs, max_new_tokens=8, do_sample=False)
    n = inputs["input_ids"].shape[1]
    assert "".join(pieces) == qwen.tokenizer.decode(out[0, n:], skip_special_tokens=True)


def test_generate_stops_before_a_stop_string(qwen, video) -> None:  # type: ignore[no-untyped-def]
    parts = video[0]
    full = "".join(qwen.generate(parts, max_new_tokens=8))
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    cut = "".join(qwen.generate(parts, max_new_tokens=8, stop=[stop]))
    assert cut == full[: full.find(stop)]


def test_option_logprob_matches_library(qwen, video) -> None:  # type: ignore[no-untyped-def]
    parts, inputs = video
    with torch.inference_mode():
        first = int(qwen.model(**inputs).logits[0, -1].argmax())
    options = [qwen.tokenizer.decode([first]), " rabbit", " gate seven", "B"]
    ours = qwen.option_logprobs(parts, options)  # one prompt pass for all four
    theirs = []
    for option in options:
        opt = qwen.tokenizer(option, add_special_tokens=False)["input_ids"]
        ids = torch.cat([inputs["input_ids"], torch.tensor([opt])], dim=1)
        types = torch.cat(
            [inputs["mm_token_type_ids"], torch.zeros(1, len(opt), dtype=torch.int)], 1
        )
        with torch.inference_mode():
            logits = qwen.model(**{**inputs, "input_ids": ids, "mm_token_type_ids": types}).logits[
                0
            ]
        logp = torch.log_softmax(logits[-len(opt) - 1 : -1].float(), dim=-1)
        theirs.append(float(logp[torch.arange(len(opt)), torch.tensor(opt)].sum()))
    np.testing.assert_allclose(ours, theirs, atol=ATOL)
    assert int(np.argmax(ours)) == 0  # the model's own first token is its likeliest answer


def test_bad_inputs_are_one_sentence(qwen, tiny_qwen: Path, video) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="3 visual parts but 2 times"):
        qwen.prompt_positions(video[0], times=[0.0, 1.0])
    with pytest.raises(ValueError, match="must not decrease"):
        qwen.prompt_positions(video[0], times=[2.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="multiples of 28 px"):
        Qwen25VL(qwen.model, qwen.tokenizer, qwen._proc, "x", None, input_size=(250, 448))


def test_a_folder_without_a_model_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="not a model folder"):
        Qwen25VL.load(tmp_path)


def test_a_model_id_not_in_the_cache_names_the_download(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(ModelMissingError, match="hf download nobody/qwen-nothing"):
        Qwen25VL.load("nobody/qwen-nothing")


def test_another_architecture_is_refused_and_the_loader_picks_qwen(
    tmp_path: Path, tiny_qwen: Path
) -> None:  # noqa: E501
    from transformers import Qwen2Config

    from models.vlm.loader import load_vlm

    Qwen2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(
        tmp_path
    )
    with pytest.raises(UnsupportedModelError, match="'qwen2' model, not Qwen2.5-VL"):
        Qwen25VL.load(tmp_path)
    assert isinstance(load_vlm(tiny_qwen), Qwen25VL)


def test_positions_by_hand() -> None:
    assert position_ids([5]).tolist() == [list(range(5))] * 3  # text alone: plain 1-D
    run = VisualRun(grids=((1, 2),), offsets=(0,))
    assert position_ids([2, run, 1]).tolist() == [[0, 1, 2, 2, 4], [0, 1, 2, 2, 4], [0, 1, 2, 3, 4]]
    assert temporal_offsets([5.0, 5.5, 6.0, 6.5], 2) == (0, 1, 2, 3)
    assert temporal_offsets([0.0, 0.3, 0.6, 0.9], 2) == (0, 0, 1, 1)  # truncated, as the library
    with pytest.raises(ValueError, match="not decrease"):
        VisualRun(grids=((1, 1), (1, 1)), offsets=(2, 1))


def test_published_sizes() -> None:
    for family in QWEN2_5_VL:
        assert family.head_dim == 128 == 2 * sum(family.mrope_section)
        assert family.tokens_per_frame(252, 448) == 144 and family.frame_grid(448, 448) == (16, 16)
        assert family.video_token_id == family.image_token_id + 1
    assert (QWEN2_5_VL_3B.lm_hidden, QWEN2_5_VL_7B.lm_hidden) == (2048, 3584)


def test_the_fixture_is_a_checkpoint_folder(tiny_qwen: Path) -> None:
    config = json.loads((tiny_qwen / "config.json").read_text())
    assert config["model_type"] == "qwen2_5_vl"
    assert sum(p.stat().st_size for p in tiny_qwen.iterdir()) < 1_500_000


def test_the_vlm_backend_answers_with_qwen(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """The backend's frames (one video, their stream times as positions) and options."""
    from streamer.memory.timeline import Timeline
    from streamer.reasoning.backend import Context
    from streamer.reasoning.question import parse_question
    from streamer.reasoning.vlm import VlmBackend, model_prompt
    from tests.models.vlm.test_vlm_backend import ASKED_AT, view_of

    ctx = Context(Timeline(), view_of(qwen, demo_frames))
    backend = VlmBackend(qwen, max_tokens=6)
    q = parse_question("What is shown in the video?", ASKED_AT)
    parts, times = model_prompt(qwen, q, backend.fed_frames(q, ctx), [])
    assert times == sorted(times) and len(times) == len(demo_frames)
    visual = [i for i, p in enumerate(parts) if isinstance(p, np.ndarray)]
    assert visual == list(range(visual[0], visual[0] + len(times)))  # back to back: one video
    said = "".join(qwen.generate(parts, 6, times=times)).lstrip()
    assert "".join(backend.respond(q, ctx)) == said
    spaced = qwen.prompt_positions(parts, times)  # 5, 20, 40 s: far apart in time
    assert int(spaced[0].max()) > int(qwen.prompt_positions(parts)[0].max())  # not 1 s apart
    choice = parse_question("What is in view?", ASKED_AT, ["a rabbit", "a gate", "a bird"])
    reply = backend.respond(choice, ctx)
    list(reply)
    assert reply.grounds.option_index in (0, 1, 2)


def test_the_default_input_is_smart_resize_of_a_16_9_frame() -> None:
    """252x448 px is what the processor's `smart_resize` makes of a 640x360 frame at 144
    tokens (multiples of 28 px, the aspect kept); a 4:3 stream gets another grid
    (test_qwen_aspect.py)."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    from models.vlm.qwen2_5_vl import FRAME_SIZE, INPUT_SIZE, input_size_for

    assert input_size_for(FRAME_SIZE) == INPUT_SIZE

    budget = 144 * 28 * 28  # px: 144 merged tokens of 28 x 28 px
    assert smart_resize(360, 640, factor=28, min_pixels=56 * 56, max_pixels=budget) == INPUT_SIZE
    assert smart_resize(576, 768, factor=28, min_pixels=56 * 56, max_pixels=budget) != INPUT_SIZE
