"""A tiny Qwen2.5-VL of the real architecture, random weights, saved like a checkpoint.

The real `Qwen2_5_VLForConditionalGeneration`: the windowed ViT at the published patch
14, temporal patch 2, 2x2 merge, window 112 px, tokens_per_second 2 (so windows,
merger and temporal positions are the real ones), narrow and two layers deep; the
Qwen2.5 LM with 3-D M-RoPE, its rotary sections scaled from the published
[16, 24, 24] of a 128-d head to [2, 3, 3] of a 16-d head. Seeded; a byte-level BPE
tokenizer trained here with the family's special tokens and chat template; the
family's image processor (CLIP normalisation, as the published preprocessor_config).
All `save_pretrained` into one folder that `Qwen25VL.load` reads like a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SEED = 0
SENTENCES = [
    "What is shown in the video? Answer in one sentence.",
    "A rabbit walks across the green field and looks at a bird.",
    "The card says gate seven closes at noon.",
    "Answer with the letter of the right option: A, B, C or D.",
    "You are a helpful assistant.",
    "[0:03] [1:20] [12:45] at 0:05 before after.",
]
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
# The chat template of the Qwen2-VL / Qwen2.5-VL Instruct checkpoints (chat_template.json):
# content items in order, a video as <|vision_start|><|video_pad|><|vision_end|>, and the
# default system line when the conversation has none.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _tokenizer() -> Any:
    from transformers import PreTrainedTokenizerFast

    from models.vlm.synthetic import train_bpe

    bpe = train_bpe(SENTENCES, SPECIAL_TOKENS, 600)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_tiny_qwen(folder: Path) -> Path:
    """Save a tiny random Qwen2.5-VL checkpoint (~0.3 M parameters) into `folder`."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    tok = _tokenizer()
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text = {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,  # head_dim 16: 8 rotary pairs = 2 + 3 + 3
        "num_key_value_heads": 2,
        "vocab_size": len(tok),
        "max_position_embeddings": 4096,
        # theta 1e4, not the published 1e6: with 8 rotary pairs, 1e6 leaves the h and w
        # pairs turning < 0.03 rad per position, and a wrong position scheme would hide
        "rope_parameters": {"rope_type": "default", "rope_theta": 1e4, "mrope_section": [2, 3, 3]},
        "bos_token_id": None,
        "eos_token_id": tok.eos_token_id,
        "tie_word_embeddings": False,  # tied, a random model echoes its last input token
    }
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": 64,  # = the LM's hidden size
        "patch_size": 14,
        "temporal_patch_size": 2,
        "spatial_merge_size": 2,
        "window_size": 112,
        "fullatt_block_indexes": [1],
        "tokens_per_second": 2,
    }
    config = Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    torch.manual_seed(SEED)
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    with torch.no_grad():  # random weights of a useful scale: logits that differ by token,
        model.lm_head.weight.normal_(0.0, 0.5)
        model.get_input_embeddings().weight.normal_(0.0, 0.5)
        for linear in model.model.visual.merger.mlp[::2]:  # visual tokens as loud as text
            linear.weight.normal_(0.0, 1.5 / linear.in_features**0.5)
        for layer in model.model.language_model.layers:  # sharp attention, so positions count
            for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj):
                proj.weight.normal_(0.0, 2.0 / proj.in_features**0.5)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    Qwen2VLImageProcessorPil().save_pretrained(folder)  # CLIP mean / std, patch 14, merge 2
    return folder


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random Qwen2.5-VL checkpoint."""
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny-qwen2.5-vl"))


@pytest.fixture(scope="session")
def qwen(tiny_qwen: Path) -> Any:
    from models.vlm.qwen2_5_vl import Qwen25VL

    return Qwen25VL.load(tiny_qwen)
