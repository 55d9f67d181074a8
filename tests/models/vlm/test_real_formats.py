"""Our prompt ids are the real formats' ids: real tokenizer, real templates, real expansion.

The tiny fixtures check the splicing against transformers' forward with a tokenizer
trained on a few sentences; these check the text around the frames against what a
published checkpoint's processor would feed: the real Qwen2 tokenizer read from the
packaged GGUF (LLaVA-OneVision's and Qwen2.5-VL's language models use it), the
families' published chat templates, and each video placeholder expanded as the
family's processor expands it. No vision weights are read: the models are the tiny
fixtures' architectures with the real vocabulary and token ids.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from models.vlm.llava_onevision import DEFAULT_SYSTEM, LlavaOneVision
from models.vlm.qwen2_5_vl import Qwen25VL
from tests.models.vlm import conftest as llava_fixture
from tests.models.vlm import tiny_qwen
from tests.models.vlm.real_tokenizer import qwen2_tokenizer

QUESTION = "Timeline:\n[0:12] on screen: GATE 7 CLOSES AT NOON\n\nQuestion: When does gate 7 close?"
TIMES = (5.0, 20.0, 40.0)  # s: three frames of a 72 s stream
VIDEO_PAD, IMAGE_PAD = 151656, 151655  # the Qwen2 tokenizer's <|video_pad|>, <|image_pad|>


@pytest.fixture(scope="module")
def tok() -> Any:
    return qwen2_tokenizer()


def render(template: str, tok: Any, content: list[dict[str, str]]) -> str:
    """`template`'s text for one user turn of `content` after the system line, for the answer."""
    messages = [
        {"role": "system", "content": [{"type": "text", "text": DEFAULT_SYSTEM}]},
        {"role": "user", "content": content},
    ]
    text = tok.apply_chat_template(
        messages, chat_template=template, add_generation_prompt=True, tokenize=False
    )
    assert isinstance(text, str)
    return text


def qwen2_framing(tok: Any, user: str) -> str:
    """The GGUF's own Qwen2 chat template for the same turn, its content a plain string."""
    messages = [{"role": "system", "content": DEFAULT_SYSTEM}, {"role": "user", "content": user}]
    text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert isinstance(text, str)
    return text


def blank_frames(grid: tuple[int, int], dim: int) -> list[tuple[float, np.ndarray]]:
    return [(t, np.full((*grid, dim), k, np.float32)) for k, t in enumerate(TIMES)]


def test_llava_onevision_prompt_is_the_real_template_and_expansion(llava, tok) -> None:  # type: ignore[no-untyped-def]
    """One video first (frames back to back, 196 rows each + one newline), then the text."""
    from transformers import LlavaOnevisionForConditionalGeneration

    config = copy.deepcopy(llava.model.config)
    config.text_config.vocab_size = len(tok)
    config.video_token_id, config.image_token_id = VIDEO_PAD, IMAGE_PAD
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    real = LlavaOneVision(model, tok, None, "real-tokenizer", DEFAULT_SYSTEM)
    parts = [*real.video_parts(blank_frames(real.info.grid, real.info.dim), 72.0), QUESTION]
    text = "".join(p for p in parts if isinstance(p, str))
    assert text.startswith("The video lasts 1:12, and 3 frames are taken from it, at 0:05, 0:20")

    rendered = render(
        llava_fixture.CHAT_TEMPLATE, tok, [{"type": "video"}, {"type": "text", "text": text}]
    )
    assert rendered == qwen2_framing(tok, "<video>\n" + text)  # the Qwen2 turn around it
    per_video = len(TIMES) * 14 * 14 + 1  # LlavaOnevisionProcessor: frames x 196 + newline
    expanded = rendered.replace("<video>", "<|video_pad|>" * per_video)
    theirs = tok(expanded, add_special_tokens=False)["input_ids"]
    ours = real.prompt_ids(parts)
    assert ours == theirs
    assert ours.count(VIDEO_PAD) == per_video and real.prompt_embeds(parts).shape[1] == len(ours)


def test_qwen2_5_vl_prompt_is_the_real_template_and_expansion(qwen, tok) -> None:  # type: ignore[no-untyped-def]
    """The head line, one video of the frames (h*w merged rows a temporal step), the text."""
    from transformers import Qwen2_5_VLForConditionalGeneration

    config = copy.deepcopy(qwen.model.config)
    config.text_config.vocab_size = len(tok)
    config.video_token_id, config.image_token_id = VIDEO_PAD, IMAGE_PAD
    config.vision_start_token_id, config.vision_end_token_id = 151652, 151653
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    real = Qwen25VL(model, tok, None, "real-tokenizer", DEFAULT_SYSTEM)
    parts = [*real.video_parts(blank_frames(real.info.grid, real.info.dim), 72.0), QUESTION]
    head, tail = parts[0], "".join(p for p in parts[1:] if isinstance(p, str))
    assert isinstance(head, str)

    content = [
        {"type": "text", "text": head},
        {"type": "video"},
        {"type": "text", "text": tail},
    ]
    rendered = render(tiny_qwen.CHAT_TEMPLATE, tok, content)
    video = "<|vision_start|><|video_pad|><|vision_end|>"
    assert rendered == qwen2_framing(tok, head + video + tail)
    h, w = real.info.grid
    per_video = len(TIMES) * h * w  # Qwen2_5_VLProcessor: grid_t * grid_h * grid_w / merge**2
    theirs = tok(rendered.replace("<|video_pad|>", "<|video_pad|>" * per_video))["input_ids"]
    ours = real.prompt_ids(parts, list(TIMES))
    assert ours == theirs
    assert ours.count(VIDEO_PAD) == per_video


def test_smolvlm2_prompt_is_the_published_template_and_video_expansion(smolvlm) -> None:  # type: ignore[no-untyped-def]
    """The processor's video text (intro, "Frame from MM:SS:" + one 64-token image block a
    frame, a blank line) inside the published template's user turn, then "Assistant:"."""
    from types import SimpleNamespace

    import torch
    from transformers.models.smolvlm.processing_smolvlm import SmolVLMProcessor
    from transformers.video_utils import VideoMetadata

    from tests.models.vlm import smolvlm2_published as published

    seq_len = published.PROCESSOR_CONFIG["image_seq_len"]
    assert isinstance(seq_len, int) and seq_len == smolvlm.info.grid[0] * smolvlm.info.grid[1]
    fps = 10.0  # the demo clip's: frame indices of 5, 20 and 40 s
    meta = VideoMetadata(720, fps=fps, duration=72.0, frames_indices=[int(t * fps) for t in TIMES])
    names = SimpleNamespace(
        image_seq_len=seq_len,
        image_token="<image>",
        fake_image_token="<fake_token_around_image>",
        global_image_token="<global-img>",
    )
    video = {"pixel_values": torch.zeros(1, len(TIMES), 3, 2, 2), "video_metadata": [meta]}
    expanded = SmolVLMProcessor.replace_video_token(names, video, 0)
    messages = [{"role": "user", "content": [{"type": "text", "text": expanded + QUESTION}]}]
    rendered = smolvlm.tokenizer.apply_chat_template(
        messages, chat_template=published.CHAT_TEMPLATE, add_generation_prompt=True, tokenize=False
    )
    theirs = smolvlm.tokenizer(rendered, add_special_tokens=False)["input_ids"]
    parts = [*smolvlm.video_parts(blank_frames(smolvlm.info.grid, smolvlm.info.dim), 72.0)]
    ours = smolvlm.prompt_ids([*parts, QUESTION])
    assert ours == theirs
    assert rendered.endswith("<end_of_utterance>\nAssistant:") and "three frames" in rendered
    assert ours.count(smolvlm.image_token_id) == len(TIMES) * seq_len
