"""Qwen2.5-VL frames at their own aspect: the input size is `smart_resize` of the stream's.

On the tiny Qwen2.5-VL (real architecture): a 16:9, a 9:16 phone and a 4:3 stream get
the grids the processor's `smart_resize` gives under a 144-token budget; a frame's
tokens are the library's `get_video_features` on the image processor's own output
(its own resize) for that frame; a phone-shaped video's logits and M-RoPE positions
are the library's own.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
import torch

from models.vlm.qwen2_5_vl import FRAME_SIZE, MAX_PIXELS, MIN_PIXELS, Qwen25VL, input_size_for

VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"  # 768 x 576 px, 4:3
QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
SIDE = 28  # px per merged token: patch 14 x merge 2


def fitted(qwen: Qwen25VL, frame_size: tuple[int, int]) -> Qwen25VL:
    """The fixture's model read at the input size of a stream of `frame_size` (H, W) frames."""
    system = qwen.system
    return Qwen25VL(
        qwen.model, qwen.tokenizer, qwen._proc, qwen.name, system, frame_size=frame_size
    )


def phone(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The demo's 360 x 640 frames turned upright: 640 x 360 px, 9:16 as a phone films."""
    return [np.ascontiguousarray(np.rot90(f)) for f in frames]


def vtest_frame() -> np.ndarray:
    """Frame 10 of OpenCV's vtest.avi, (576, 768, 3) uint8 RGB."""
    capture = cv2.VideoCapture(VTEST)
    for _ in range(10):
        ok, bgr = capture.read()
        assert ok, f"cannot read {VTEST}"
    capture.release()
    return np.ascontiguousarray(bgr[:, :, ::-1])


@pytest.mark.parametrize(
    ("frame_size", "grid"),
    [((360, 640), (9, 16)), ((1920, 1080), (16, 9)), ((576, 768), (10, 13)), ((240, 320), (9, 11))],
    ids=["16:9", "9:16-phone", "4:3", "small-4:3"],
)
def test_the_grid_follows_the_streams_aspect_within_the_budget(  # type: ignore[no-untyped-def]
    qwen, frame_size: tuple[int, int], grid: tuple[int, int]
) -> None:
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    vlm = fitted(qwen, frame_size)
    h, w = vlm.input_size
    assert (h, w) == smart_resize(*frame_size, SIDE, MIN_PIXELS, MAX_PIXELS)
    assert h % SIDE == 0 and w % SIDE == 0 and h * w <= MAX_PIXELS == 144 * SIDE * SIDE
    assert vlm.info.grid == grid == (h // SIDE, w // SIDE) and vlm.patch_grid == (
        2 * grid[0],
        2 * grid[1],
    )
    assert abs(np.log((h / w) / (frame_size[0] / frame_size[1]))) < 0.1  # aspect kept to 10 %
    assert vlm.info.space == qwen.info.space and vlm.info.dim == qwen.info.dim


def test_the_default_and_a_refit(qwen) -> None:  # type: ignore[no-untyped-def]
    """Built for the demo's 16:9 frames; told the stream's size, its grid is that stream's."""
    vlm = fitted(qwen, FRAME_SIZE)
    assert vlm.input_size == (252, 448) == qwen.input_size
    info = vlm.fit_frame_size(1280, 720)
    assert info is vlm.info and info.grid == (16, 9) and vlm.input_size == (448, 252)
    assert vlm.fit_frame_size(720, 1280).grid == (9, 16)
    with pytest.raises(ValueError, match="cannot read 10000x20 px frames"):
        input_size_for((20, 10_000))


@pytest.mark.parametrize("which", ["9:16-phone", "4:3-vtest"])
def test_tokens_are_the_librarys_on_the_processors_own_output(qwen, demo_frames, which) -> None:  # type: ignore[no-untyped-def]
    """Our resize + patches + tower = the image processor (its own smart_resize) followed by
    `get_video_features` with its grid: the frame doubled into one temporal step."""
    frame = phone(demo_frames)[1] if which == "9:16-phone" else vtest_frame()
    vlm = fitted(qwen, frame.shape[:2])
    size = {"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS}
    out = qwen._proc(images=[frame], size=size, return_tensors="pt")
    assert out["image_grid_thw"].tolist() == [[1, *vlm.patch_grid]]
    with torch.inference_mode():
        theirs = qwen.model.model.get_video_features(
            out["pixel_values"], out["image_grid_thw"]
        ).pooler_output[0]
    (ours,) = vlm.encode([frame])
    assert ours.tokens.shape == (*vlm.info.grid, 64)
    diff = float(np.abs(ours.tokens.reshape(-1, 64) - theirs.numpy()).max())
    print(f"{which} frame {frame.shape[:2]} -> grid {vlm.info.grid}: max |token diff| {diff:.1e}")
    assert diff < ATOL


def test_a_frame_of_another_size_is_resized_to_the_streams(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """A 16:9 frame in a phone stream gets the phone grid (squashed, as before), not its own."""
    vlm = fitted(qwen, (640, 360))
    landscape, upright = vlm.encode([demo_frames[1], phone(demo_frames)[1]])
    assert landscape.tokens.shape == upright.tokens.shape == (16, 9, 64)
    assert not np.allclose(landscape.tokens, upright.tokens)  # a squashed frame is not a turned one


def library_inputs(vlm: Qwen25VL, frames: list[np.ndarray]) -> dict[str, Any]:
    """The library's inputs for [one video of `frames`, QUESTION]: the template's text with
    the video pad expanded as the processor expands it, its grid, types and patches."""
    messages = [
        {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": QUESTION}]}
    ]
    text = vlm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert isinstance(text, str)
    n = len(frames) * vlm.info.grid[0] * vlm.info.grid[1]
    ids = torch.tensor(
        [
            vlm.tokenizer(
                text.replace("<|video_pad|>", "<|video_pad|>" * n), add_special_tokens=False
            )["input_ids"]
        ]
    )
    return {
        "input_ids": ids,
        "video_grid_thw": torch.tensor([[len(frames), *vlm.patch_grid]]),
        "mm_token_type_ids": (ids == vlm.video_token_id).int() * 2,  # 2: video
        "pixel_values_videos": vlm.pixels(frames),
    }


def test_a_phone_video_reads_as_the_librarys(qwen, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """Three upright frames 0.5 s apart: our M-RoPE ids are `get_rope_index`'s on a 16 x 9
    grid, and the logits at every position the library's forward."""
    frames = phone(demo_frames)
    vlm = fitted(qwen, frames[0].shape[:2])
    inputs = library_inputs(vlm, frames)
    parts = [*(f.tokens for f in vlm.encode(frames)), QUESTION]
    embeds, ours_pos = vlm.prompt_inputs(parts, times=[5.0, 5.5, 6.0])
    spg = torch.tensor([0.5])
    theirs_pos, _ = vlm.model.model.get_rope_index(
        inputs["input_ids"],
        inputs["mm_token_type_ids"],
        video_grid_thw=inputs["video_grid_thw"],
        second_per_grid_ts=spg,
    )
    assert torch.equal(ours_pos, theirs_pos)
    is_video = inputs["mm_token_type_ids"][0] == 2
    assert int(ours_pos[1, 0, is_video].max() - ours_pos[1, 0, is_video].min()) == 15  # 16 rows
    with torch.inference_mode():
        ours = vlm.model(inputs_embeds=embeds, position_ids=ours_pos).logits[0]
        theirs = vlm.model(**inputs, second_per_grid_ts=spg).logits[0]
    assert float((ours - theirs).abs().max()) < ATOL
