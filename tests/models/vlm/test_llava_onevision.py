"""LLaVA-OneVision adapter against transformers' own video path, on a tiny random model.

The heart is `test_first_token_logits_match_library`: our frames (encoded by
`encode`, spliced into `inputs_embeds` after the rendered prompt is embedded)
give the same next-token logits as the model's `forward` given `input_ids` with
the expanded `<video>` placeholders and `pixel_values_videos`, i.e. the
library placing video features its own way. Same tokens, same positions, same
special tokens, same newline embedding.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.protocols import FrameEncoder
from models.vlm import UnsupportedModelError, VisionLanguageModel
from models.vlm.families import LLAVA_ONEVISION_0_5B, LLAVA_ONEVISION_7B
from models.vlm.llava_onevision import DEFAULT_SYSTEM, LlavaOneVision, render_turn
from models.weights import ModelMissingError

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
GRID = 14  # 384 px / patch 14 = 27 patches a side, pooled 2x2 (rounded up)


def library_ids(llava: LlavaOneVision, prompt: str, frames_per_video: int) -> torch.Tensor:
    """(1, L) input_ids with each `<video>` expanded as LlavaOnevisionProcessor expands it."""
    n = frames_per_video * GRID * GRID + 1  # + 1: the newline the model appends to a video
    expanded = prompt.replace("<video>", "<video>" * n)
    return torch.tensor([llava.tokenizer(expanded, add_special_tokens=False)["input_ids"]])


def library_pixels(folder: Path, frames: list[np.ndarray]) -> torch.Tensor:
    """(n, 3, 384, 384): the image processor's own base view of each frame, default settings."""
    from transformers import AutoImageProcessor

    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
    return processor(images=frames, return_tensors="pt")["pixel_values"][:, 0]


def template_prompt(llava: LlavaOneVision, question: str) -> str:
    """The family chat template's own text for one video and a question."""
    messages = [
        {"role": "system", "content": [{"type": "text", "text": DEFAULT_SYSTEM}]},
        {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": question}]},
    ]
    text = llava.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert isinstance(text, str)
    return text


@pytest.fixture(scope="module")
def video(llava, tiny_llava, demo_frames):  # type: ignore[no-untyped-def]
    """Our parts for the three demo frames and the question, and the library's inputs."""
    parts = [f.tokens for f in llava.encode(demo_frames)] + [QUESTION]
    ids = library_ids(llava, template_prompt(llava, QUESTION), len(demo_frames))
    pixels = library_pixels(tiny_llava, demo_frames)[None]  # (1 video, n frames, 3, S, S)
    return parts, ids, pixels


def test_the_adapter_is_a_frame_encoder_and_a_vlm(llava) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(llava, FrameEncoder) and isinstance(llava, VisionLanguageModel)
    assert llava.info.space == f"llava-onevision:{llava.name}"
    assert llava.info.grid == (GRID, GRID) and llava.info.dim == 64


def test_encode_gives_pooled_video_tokens(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    feats = llava.encode(demo_frames)
    assert len(feats) == len(demo_frames)
    for f in feats:
        assert f.tokens.shape == (*llava.info.grid, llava.info.dim)
        assert f.tokens.dtype == np.float32 and f.space == llava.info.space and f.tags == ()
        mean = f.tokens.mean(axis=(0, 1))
        np.testing.assert_allclose(f.feature, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    assert not np.allclose(feats[0].tokens, feats[2].tokens)  # 5 s and 40 s are other scenes


def test_our_pixels_are_the_image_processors_base_view(llava, tiny_llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    ours = llava.pixels(demo_frames)
    assert ours.shape == (len(demo_frames), 3, 384, 384)
    assert torch.equal(ours, library_pixels(tiny_llava, demo_frames))


def test_our_prompt_is_the_chat_templates(llava) -> None:  # type: ignore[no-untyped-def]
    body = "<video>\n" + QUESTION
    assert render_turn(body, DEFAULT_SYSTEM) == template_prompt(llava, QUESTION)


def test_first_token_logits_match_library(llava, video) -> None:  # type: ignore[no-untyped-def]
    parts, ids, pixels = video
    embeds = llava.prompt_embeds(parts)
    assert embeds.shape[1] == ids.shape[1]  # same sequence length, so same 1-D RoPE positions
    with torch.inference_mode():
        ours = llava.model(inputs_embeds=embeds).logits[0]  # (L, V): every position, not only
        theirs = llava.model(input_ids=ids, pixel_values_videos=pixels).logits[0]  # the last
    first = float((ours[-1] - theirs[-1]).abs().max())  # the first generated token's logits
    every = float((ours - theirs).abs().max())
    print(
        f"one video, 3 frames, L={ids.shape[1]}: "
        f"max |diff| first token {first:.1e}, all positions {every:.1e}"
    )
    assert first < ATOL and every < ATOL


def test_frames_are_one_video_first_then_their_times(llava, tiny_llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """The template writes a turn's video before its texts: the frames are one video (one
    newline after the last), and their times follow in words."""
    feats = llava.encode(demo_frames[:2])
    timed = [(5.0, feats[0].tokens), (20.0, feats[1].tokens.reshape(-1, 64))]
    parts = [*llava.video_parts(timed, 72.0), QUESTION]
    assert not isinstance(parts[0], str) and not isinstance(parts[1], str)
    line = "The video lasts 1:12, and 2 frames are taken from it, at 0:05 and 0:20.\n"
    assert parts[2] == line
    ids = library_ids(llava, template_prompt(llava, line + QUESTION), 2)
    pixels = library_pixels(tiny_llava, demo_frames[:2])[None]  # (1 video, 2 frames, ...)
    with torch.inference_mode():
        ours = llava.model(inputs_embeds=llava.prompt_embeds(parts)).logits[0]
        theirs = llava.model(input_ids=ids, pixel_values_videos=pixels).logits[0]
    assert ours.shape == theirs.shape
    diff = float((ours - theirs).abs().max())
    print(f"one two-frame video then its times, L={ids.shape[1]}: max |diff| {diff:.1e}")
    assert diff < ATOL


def test_text_between_frames_goes_after_the_video(llava) -> None:  # type: ignore[no-untyped-def]
    """As the template renders [video, text, video, text]: one video, the texts in order."""
    a, b = np.ones((GRID, GRID, 64), np.float32), np.zeros((GRID, GRID, 64), np.float32)
    mixed = llava.prompt_embeds(["first ", a, "then ", b, QUESTION])
    ordered = llava.prompt_embeds([a, b, "first then " + QUESTION])
    assert torch.equal(mixed, ordered)


def test_the_placeholder_is_the_configs_token_whatever_the_tokenizer_calls_it(
    llava, tiny_llava, demo_frames
) -> None:  # type: ignore[no-untyped-def]
    """A tokenizer that sets no `video_token` and names the video token otherwise (a Qwen2
    tokenizer's `<|video_pad|>`) still gets its video placed (it failed with "1 videos but
    0 placeholders")."""
    from transformers import AutoImageProcessor, PreTrainedTokenizerFast

    from models.vlm.synthetic import train_bpe
    from tests.models.vlm.conftest import SENTENCES, SPECIAL_TOKENS

    renamed = ["<|video_pad|>" if t == "<video>" else t for t in SPECIAL_TOKENS]
    tok = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(SENTENCES, renamed, 600),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    assert getattr(tok, "video_token", None) is None
    assert tok.convert_tokens_to_ids("<|video_pad|>") == llava.video_token_id
    processor = AutoImageProcessor.from_pretrained(tiny_llava, local_files_only=True)
    other = LlavaOneVision(llava.model, tok, processor, "renamed", DEFAULT_SYSTEM)
    parts = [f.tokens for f in llava.encode(demo_frames[:1])] + [QUESTION]
    assert other.prompt_embeds(parts).shape == llava.prompt_embeds(parts).shape
    # and user text cannot add that placeholder
    assert other.prompt_embeds(["say <|video_pad|>"]).shape == other.prompt_embeds(["say "]).shape


def test_greedy_generate_streams_the_librarys_greedy_text(llava, video) -> None:  # type: ignore[no-untyped-def]
    parts, ids, pixels = video
    pieces = list(llava.generate(parts, max_new_tokens=8))
    assert len(pieces) > 1 and all(pieces)
    assert list(llava.generate(parts, max_new_tokens=8)) == pieces  # deterministic
    with torch.inference_mode():
        out = llava.model.generate(
            input_ids=ids, pixel_values_videos=pixels, max_new_tokens=8, do_sample=False
        )
    expected = llava.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    assert "".join(pieces) == expected


def test_generate_stops_before_a_stop_string(llava, video) -> None:  # type: ignore[no-untyped-def]
    parts = video[0]
    full = "".join(llava.generate(parts, max_new_tokens=8))
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    cut = "".join(llava.generate(parts, max_new_tokens=8, stop=[stop]))
    assert cut == full[: full.find(stop)]


def test_option_logprob_matches_library_and_ranks_the_forced_option(llava, video) -> None:  # type: ignore[no-untyped-def]
    parts, ids, pixels = video
    with torch.inference_mode():
        first = int(llava.model(input_ids=ids, pixel_values_videos=pixels).logits[0, -1].argmax())
    forced = llava.tokenizer.decode([first])
    options = [forced, " rabbit", " gate seven", "B"]
    ours = llava.option_logprobs(parts, options)  # one prompt pass for all four
    theirs = []
    for option in options:
        opt = llava.tokenizer(option, add_special_tokens=False)["input_ids"]
        full = torch.cat([ids, torch.tensor([opt])], dim=1)
        with torch.inference_mode():
            logits = llava.model(input_ids=full, pixel_values_videos=pixels).logits[0]
        logp = torch.log_softmax(logits[ids.shape[1] - 1 : -1].float(), dim=-1)
        theirs.append(float(logp[torch.arange(len(opt)), torch.tensor(opt)].sum()))
    np.testing.assert_allclose(ours, theirs, atol=ATOL)
    assert list(np.argsort(ours)) == list(np.argsort(theirs))
    assert int(np.argmax(ours)) == 0  # the model's own first token is its likeliest answer


def test_a_folder_without_a_model_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="not a model folder"):
        LlavaOneVision.load(tmp_path)


def test_a_model_id_not_in_the_cache_names_the_download(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(ModelMissingError, match="hf download nobody/llava-nothing"):
        LlavaOneVision.load("nobody/llava-nothing")


def test_another_architecture_is_refused(tmp_path: Path) -> None:
    from transformers import Qwen2Config

    Qwen2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(
        tmp_path
    )
    with pytest.raises(UnsupportedModelError, match="'qwen2' model, not LLaVA-OneVision"):
        LlavaOneVision.load(tmp_path)


def test_published_sizes() -> None:
    for family in (LLAVA_ONEVISION_0_5B, LLAVA_ONEVISION_7B):
        assert family.patch_grid == 27 and family.frame_grid == 14
        assert family.tokens_per_frame == 196
        assert family.vocab % 64 == 0 and family.video_token_id == family.image_token_id + 1


def test_the_fixture_is_a_checkpoint_folder(tiny_llava: Path) -> None:
    config = json.loads((tiny_llava / "config.json").read_text())
    assert config["model_type"] == "llava_onevision"
    assert sum(p.stat().st_size for p in tiny_llava.iterdir()) < 1_500_000


def test_the_comparison_has_teeth(llava, video) -> None:  # type: ignore[no-untyped-def]
    """Frames out of order, or a video without its newline, move the logits far past ATOL.

    (At the last position alone a swap of two frames moves the logits only ~1e-3 on this
    random model: attention is order-blind but for RoPE. So the tests compare every position.)
    """
    parts, ids, pixels = video
    with torch.inference_mode():
        theirs = llava.model(input_ids=ids, pixel_values_videos=pixels).logits[0]
        swapped = llava.prompt_embeds([parts[1], parts[0], *parts[2:]])
        newline = llava.model.model.image_newline
        shifted = llava.prompt_embeds(parts)
        at = int((shifted[0] == newline).all(-1).nonzero()[0])
        shifted[0, at - 1 : at + 1] = shifted[0, at - 1 : at + 1].flip(0)  # newline one early
        for embeds in (swapped, shifted):
            ours = llava.model(inputs_embeds=embeds).logits[0]
            assert float((ours - theirs).abs().max()) > 100 * ATOL


def test_the_loader_picks_the_family_or_names_the_ones_it_reads(
    tmp_path: Path, tiny_llava: Path
) -> None:  # noqa: E501
    from transformers import Qwen2Config

    from models.vlm.loader import load_vlm

    assert isinstance(load_vlm(tiny_llava), LlavaOneVision)
    Qwen2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(
        tmp_path
    )
    with pytest.raises(UnsupportedModelError, match="'qwen2' model; the vlm backend reads"):
        load_vlm(tmp_path)
