"""Any family at a published shape with random weights, built in memory (no download).

For benchmarks: the speed of a full-size model is real, its words are nonsense.
The shape comes from `families.py`, named by its family's row (`registry.FAMILIES`:
"llava-onevision-0.5b", "smolvlm2-256m", "qwen2.5-vl-3b", ...), and the row's
`random` builds it (LLaVA-OneVision's here, the others in `synthetic_families.py`).
The tokenizer is a byte-level BPE trained on a few sentences with
the family's special tokens (as the test fixture's), so prompts render and
tokenize the way a real checkpoint's do; its vocabulary is small, but the
embedding table and LM head have the published vocabulary size.

Example:
    >>> vlm = build_random("llava-onevision-0.5b")  # doctest: +SKIP
    >>> vlm.info.grid, vlm.info.dim  # doctest: +SKIP
    ((14, 14), 896)
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, cast

from models.vlm.base import Part, VisionLanguageModel
from models.vlm.bpe import TOKENIZER_VOCAB, train_bpe
from models.vlm.checkpoint import Family
from models.vlm.families import LlavaOneVisionShape
from models.vlm.llava_onevision import DEFAULT_SYSTEM, LlavaOneVision
from models.vlm.registry import FAMILIES

__all__ = [
    "RANDOM_MODELS",
    "build_random",
    "published_id",
    "random_llava",
    "timed_answer",
    "tokenizer",
]

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
SENTENCES = [
    "What is shown in the video? Answer in one sentence.",
    "Answer with the letter of the right option: A, B, C or D.",
    "You are a helpful assistant. Timeline: Question:",
    "[0:03] [1:20] [12:45] at 0:05 before after.",
]


def tokenizer() -> Any:
    """A small byte-level BPE with the family's special tokens (PreTrainedTokenizerFast)."""
    from transformers import PreTrainedTokenizerFast

    bpe = train_bpe(SENTENCES, SPECIAL_TOKENS, TOKENIZER_VOCAB)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<image>", "video_token": "<video>"},
    )


def random_llava(
    shape: LlavaOneVisionShape, device: str = "cpu", dtype: str = "float32", seed: int = 0
) -> LlavaOneVision:
    """A `LlavaOneVision` of `shape` with seeded random weights on `device`."""
    import torch
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        Qwen2Config,
        SiglipVisionConfig,
    )
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import (
        LlavaOnevisionImageProcessorPil,
    )

    m, tok = shape, tokenizer()
    text = Qwen2Config(
        hidden_size=m.lm_hidden,
        intermediate_size=m.lm_intermediate,
        num_hidden_layers=m.lm_layers,
        num_attention_heads=m.lm_heads,
        num_key_value_heads=m.lm_kv_heads,
        vocab_size=max(m.vocab, len(tok)),
        max_position_embeddings=32768,
        rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},  # Qwen2's
        tie_word_embeddings=m.tied,
        eos_token_id=tok.eos_token_id,
    )
    vision = SiglipVisionConfig(
        hidden_size=m.vision_hidden,
        intermediate_size=m.vision_intermediate,
        num_hidden_layers=m.vision_layers,
        num_attention_heads=m.vision_heads,
        image_size=m.image_size,
        patch_size=m.patch,
        vision_use_head=False,
    )
    config = LlavaOnevisionConfig(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        video_token_index=tok.convert_tokens_to_ids("<video>"),
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        tie_word_embeddings=m.tied,
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = LlavaOnevisionForConditionalGeneration(config)
    model = model.to(getattr(torch, dtype)).eval()
    processor = LlavaOnevisionImageProcessorPil(image_mean=[0.5] * 3, image_std=[0.5] * 3)
    return LlavaOneVision(model, tok, processor, f"random-{m.model_id}", DEFAULT_SYSTEM)


# bench name -> (its family's row, the published shape it names), from every row's `shapes`
RANDOM_MODELS: dict[str, tuple[Family, Any]] = {
    name: (family, shape) for family in FAMILIES for name, shape in family.shapes
}


def published_id(name: str) -> str:
    """The Hugging Face id whose shape `name` (one of `RANDOM_MODELS`) names."""
    return str(RANDOM_MODELS[name][1].model_id)


def build_random(
    name: str,
    device: str = "cpu",
    dtype: str = "float32",
    seed: int = 0,
    vision_int8: bool = False,
) -> VisionLanguageModel:
    """The adapter of `name` (one of `RANDOM_MODELS`) at its published shape, random weights.

    `vision_int8`: the vision tower's linear layers in int8, as `load_vlm` has them on a CPU.
    """
    family, shape = RANDOM_MODELS[name]
    module, _, builder = family.random.partition(":")
    model: Any = getattr(importlib.import_module(module), builder)(shape, device, dtype, seed)
    if vision_int8:
        from models.vlm.quantize import int8_vision

        int8_vision(model.model, family.vision_part)
    return cast(VisionLanguageModel, model)


def timed_answer(
    vlm: Any, parts: Sequence[Part], n_tokens: int, times: Sequence[float] | None = None
) -> tuple[float, float]:
    """(seconds to the first token, decode tokens per second) of a greedy `n_tokens` answer.

    Timed on the loop `generate` runs (`decoding.greedy_ids`: prompt assembly, one
    prefill, then one step per token with the KV cache), without detokenising: a random
    model's ids mostly fall outside the small tokenizer; no id ends it early.
    """
    import time

    import torch

    from models.vlm.decoding import greedy_ids

    model = vlm.model
    cuda = model.device.type == "cuda"

    def sync() -> None:  # a GPU runs ahead of Python: wait for it before reading the clock
        if cuda:
            torch.cuda.synchronize()

    start = time.perf_counter()
    embeds, positions = vlm.prompt_inputs(parts, times)
    ids = greedy_ids(model, embeds, set(), n_tokens, positions=positions)
    next(ids)
    sync()
    first = time.perf_counter()
    for _ in ids:
        pass
    sync()
    done = time.perf_counter()
    decode = (n_tokens - 1) / (done - first) if n_tokens > 1 else 0.0
    return first - start, decode
