"""SmolVLM2 and Qwen2.5-VL of published shapes with random weights, built in memory.

For benchmarks, as `synthetic.random_llava`: the compute of a full-size model is
real, its words are nonsense. Shapes come from `families.py`; the sizes it does
not hold are here with their sources. Each tokenizer is a byte-level BPE with the
family's special tokens, so prompts render and splice as a real checkpoint's do;
the embedding table and LM head have the published vocabulary size.

Sources of the sizes not in families.py:
- SmolVLM2: head_dim 64, rope_theta 100000 (the checkpoints' config.json).
- Qwen2.5-VL: window 112 px, full attention in blocks 7, 15, 23, 31, rope_theta 1e6
  (the checkpoints' config.json).
"""

from __future__ import annotations

from typing import Any

from models.vlm.bpe import TOKENIZER_VOCAB, train_bpe
from models.vlm.families import QwenVLShape, SmolVLM2Shape
from models.vlm.qwen2_5_vl import DEFAULT_SYSTEM as QWEN_SYSTEM
from models.vlm.qwen2_5_vl import Qwen25VL
from models.vlm.smolvlm import SmolVLM2

__all__ = ["random_qwen", "random_smolvlm"]

SENTENCES = [
    "What is shown in the video? Answer in one sentence.",
    "Answer with the letter of the right option: A, B, C or D.",
    "You are provided the following series of frames from a video. Frame from 00:05:",
    "You are a helpful assistant. Timeline: Question: Frames from 0:03 to 1:20 of a video:",
]
SMOL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<global-img>",
    "<fake_token_around_image>", "<image>", "<end_of_utterance>",
]  # fmt: skip
QWEN_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
    "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
]  # fmt: skip


def _fast_tokenizer(special: list[str], **names: Any) -> Any:
    from transformers import PreTrainedTokenizerFast

    bpe = train_bpe(SENTENCES, special, TOKENIZER_VOCAB)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, **names)  # type: ignore[no-untyped-call]


def random_smolvlm(
    shape: SmolVLM2Shape, device: str = "cpu", dtype: str = "float32", seed: int = 0
) -> SmolVLM2:
    """A `SmolVLM2` of `shape` with seeded random weights on `device`."""
    import torch
    from transformers import LlamaConfig, SmolVLMConfig, SmolVLMForConditionalGeneration
    from transformers.models.smolvlm.configuration_smolvlm import SmolVLMVisionConfig
    from transformers.models.smolvlm.image_processing_pil_smolvlm import (
        SmolVLMImageProcessorPil,
    )

    tok = _fast_tokenizer(
        SMOL_TOKENS,
        bos_token="<|im_start|>",
        eos_token="<end_of_utterance>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    text = LlamaConfig(
        hidden_size=shape.lm_hidden,
        intermediate_size=shape.lm_intermediate,
        num_hidden_layers=shape.lm_layers,
        num_attention_heads=shape.lm_heads,
        num_key_value_heads=shape.lm_kv_heads,
        head_dim=shape.lm_hidden // shape.lm_heads,
        vocab_size=shape.vocab,
        max_position_embeddings=8192,
        rope_parameters={"rope_type": "default", "rope_theta": 100_000.0},
        rms_norm_eps=1e-5,
        tie_word_embeddings=shape.tied,
        eos_token_id=tok.eos_token_id,
    )
    vision = SmolVLMVisionConfig(
        hidden_size=shape.vision_hidden,
        intermediate_size=shape.vision_intermediate,
        num_hidden_layers=shape.vision_layers,
        num_attention_heads=shape.vision_heads,
        image_size=shape.image_size,
        patch_size=shape.patch,
    )
    config = SmolVLMConfig(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        image_token_id=tok.convert_tokens_to_ids("<image>"),
        scale_factor=shape.scale_factor,
        tie_word_embeddings=shape.tied,
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = SmolVLMForConditionalGeneration(config)
    model = model.to(getattr(torch, dtype)).eval()
    # preprocessor_config.json's values; video frames go to the tower's size (512 px)
    processor = SmolVLMImageProcessorPil(
        image_mean=[0.5] * 3, image_std=[0.5] * 3, max_image_size={"longest_edge": shape.image_size}
    )
    return SmolVLM2(model, tok, processor, f"random-{shape.model_id}", None)


def random_qwen(
    shape: QwenVLShape, device: str = "cpu", dtype: str = "float32", seed: int = 0
) -> Qwen25VL:
    """A `Qwen25VL` of `shape` with seeded random weights on `device`."""
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    tok = _fast_tokenizer(QWEN_TOKENS, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    ids = {t: tok.convert_tokens_to_ids(t) for t in QWEN_TOKENS}
    text = {
        "hidden_size": shape.lm_hidden,
        "intermediate_size": shape.lm_intermediate,
        "num_hidden_layers": shape.lm_layers,
        "num_attention_heads": shape.lm_heads,
        "num_key_value_heads": shape.lm_kv_heads,
        "vocab_size": shape.vocab,
        "max_position_embeddings": 128000,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 1e6,
            "mrope_section": list(shape.mrope_section),
        },
        "eos_token_id": tok.eos_token_id,
        "tie_word_embeddings": shape.tied,
    }
    vision = {
        "depth": shape.vision_layers,
        "hidden_size": shape.vision_hidden,
        "intermediate_size": shape.vision_intermediate,
        "num_heads": shape.vision_heads,
        "out_hidden_size": shape.lm_hidden,
        "patch_size": shape.patch,
        "temporal_patch_size": shape.temporal_patch,
        "spatial_merge_size": shape.spatial_merge,
        "window_size": 112,
        "fullatt_block_indexes": [7, 15, 23, 31],
        "tokens_per_second": shape.tokens_per_second,
    }
    config = Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=shape.tied,
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = Qwen2_5_VLForConditionalGeneration(config)
    model = model.to(getattr(torch, dtype)).eval()
    return Qwen25VL(model, tok, Qwen2VLImageProcessorPil(), f"random-{shape.model_id}", QWEN_SYSTEM)
