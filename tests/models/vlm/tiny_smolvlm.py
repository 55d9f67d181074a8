"""A tiny SmolVLM2 of the real architecture, random weights, saved like a checkpoint.

The real `SmolVLMForConditionalGeneration` with the published vision geometry
(512 px, patch 16, pixel shuffle 4: 32x32 patches -> 8x8 = 64 tokens a frame)
but narrow and two layers deep (SigLIP-style tower hidden 32, Llama LM hidden
64), seeded; a byte-level BPE tokenizer trained here with the family's special
tokens (`<fake_token_around_image>`, `<global-img>`, `<image>`,
`<end_of_utterance>`, the 6x6 `<row_r_col_c>` tile tokens) and the chat
template transformers' SmolVLM processor uses; the family's image processor
with the published preprocessor settings. All `save_pretrained` into one
folder that `SmolVLM2.load` reads like a downloaded checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SEED = 0
TILE_TOKENS = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<global-img>",
    *TILE_TOKENS,
    "<fake_token_around_image>",
    "<image>",
    "<end_of_utterance>",
]  # the order of the real added tokens (49152 <global-img> ... 49279 <end_of_utterance>)
SENTENCES = [
    "What is shown in the video? Answer in one sentence.",
    "A rabbit walks across the green field and looks at a bird.",
    "The card says gate seven closes at noon.",
    "Answer with the letter of the right option: A, B, C or D.",
    "User: Assistant: System: Frame from 00:05: You are provided the following frames.",
    "[0:03] [1:20] [12:45] at 0:05 before after.",
]
# preprocessor_config.json of HuggingFaceTB/SmolVLM2-256M/500M-Video-Instruct
PREPROCESSOR = {
    "image_mean": [0.5] * 3,
    "image_std": [0.5] * 3,
    "resample": 1,  # LANCZOS
    "size": {"longest_edge": 2048},
    "max_image_size": {"longest_edge": 512},
    "do_image_splitting": True,
    "video_sampling": {"fps": 1, "max_frames": 64, "video_size": {"longest_edge": 512}},
}


def _tokenizer():  # type: ignore[no-untyped-def]
    from transformers import PreTrainedTokenizerFast
    from transformers.models.smolvlm.processing_smolvlm import DEFAULT_CHAT_TEMPLATE

    from models.vlm.synthetic import train_bpe

    bpe = train_bpe(SENTENCES, SPECIAL_TOKENS, 640)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<end_of_utterance>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
        extra_special_tokens={
            "image_token": "<image>",
            "fake_image_token": "<fake_token_around_image>",
            "global_image_token": "<global-img>",
            "end_of_utterance_token": "<end_of_utterance>",
        },
    )
    tok.chat_template = DEFAULT_CHAT_TEMPLATE  # the template transformers' SmolVLM processor uses
    return tok


@pytest.fixture(scope="session")
def tiny_smolvlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random SmolVLM2 checkpoint (~0.15 M parameters, < 1 MB)."""
    import torch
    from transformers import LlamaConfig, SmolVLMConfig, SmolVLMForConditionalGeneration
    from transformers.models.smolvlm.configuration_smolvlm import SmolVLMVisionConfig
    from transformers.models.smolvlm.image_processing_pil_smolvlm import (
        SmolVLMImageProcessorPil,
    )

    folder = tmp_path_factory.mktemp("tiny-smolvlm2")
    tok = _tokenizer()
    text = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        vocab_size=len(tok),
        max_position_embeddings=8192,
        rope_theta=100_000.0,  # SmolVLM2's
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
    )
    vision = SmolVLMVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=512,
        patch_size=16,
    )
    config = SmolVLMConfig(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        image_token_id=tok.convert_tokens_to_ids("<image>"),
        scale_factor=4,
        tie_word_embeddings=False,
    )
    torch.manual_seed(SEED)
    model = SmolVLMForConditionalGeneration(config).eval()
    with torch.no_grad():  # random weights of a useful scale: logits that differ by token,
        model.lm_head.weight.normal_(0.0, 0.5)
        model.get_input_embeddings().weight.normal_(0.0, 0.5)
        proj = model.model.connector.modality_projection.proj
        proj.weight.normal_(0.0, 1.5 / proj.in_features**0.5)  # visual tokens as loud as text
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    SmolVLMImageProcessorPil(**PREPROCESSOR).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def smolvlm(tiny_smolvlm: Path):  # type: ignore[no-untyped-def]
    from models.vlm.smolvlm import SmolVLM2

    return SmolVLM2.load(tiny_smolvlm)
