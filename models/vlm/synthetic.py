"""A LLaVA-OneVision of a published shape with random weights, built in memory (no download).

For benchmarks: the speed of a full-size model is real, its words are nonsense.
The shape comes from `families.py`; the few sizes it does not hold are here with
their sources. The tokenizer is a byte-level BPE trained on a few sentences with
the family's special tokens (as the test fixture's), so prompts render and
tokenize the way a real checkpoint's do; its vocabulary is small, but the
embedding table and LM head have the published vocabulary size.

Example:
    >>> vlm = random_llava(SHAPES["llava-onevision-0.5b"])  # doctest: +SKIP
    >>> vlm.info.grid, vlm.info.dim  # doctest: +SKIP
    ((14, 14), 896)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from models.vlm.base import Part, VisionLanguageModel
from models.vlm.bpe import TOKENIZER_VOCAB, train_bpe
from models.vlm.families import (
    LLAVA_ONEVISION_0_5B,
    LLAVA_ONEVISION_7B,
    QWEN2_5_VL_3B,
    QWEN2_5_VL_7B,
    SMOLVLM2_256M,
    SMOLVLM2_500M,
    PublishedModel,
)
from models.vlm.llava_onevision import DEFAULT_SYSTEM, LlavaOneVision

__all__ = [
    "FAMILIES",
    "SHAPES",
    "Shape",
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


@dataclass(frozen=True)
class Shape:
    """A published model plus the sizes families.py does not list."""

    model: PublishedModel
    vision_heads: int = 16  # SigLIP-so400m (the conversion script's SiglipVisionConfig)
    vision_intermediate: int = 4304  # idem
    lm_intermediate: int = 4864  # Qwen/Qwen2-0.5B-Instruct config.json; 7B: 18944
    tied: bool = True  # LM head shares the embedding table: 0.5B's config.json; 7B's does not


SHAPES: dict[str, Shape] = {
    "llava-onevision-0.5b": Shape(LLAVA_ONEVISION_0_5B),
    "llava-onevision-7b": Shape(LLAVA_ONEVISION_7B, lm_intermediate=18944, tied=False),
    # a test size: the real 384 px / patch 14 input (so the real 27x27 -> 14x14 pooling)
    "tiny": Shape(
        replace(
            LLAVA_ONEVISION_0_5B,
            model_id="tiny",
            vision_hidden=32,
            vision_layers=2,
            lm_hidden=64,
            lm_layers=2,
            lm_heads=4,
            lm_kv_heads=2,
            vocab=1024,
        ),
        vision_heads=2,
        vision_intermediate=64,
        lm_intermediate=128,
    ),
}


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
    shape: Shape, device: str = "cpu", dtype: str = "float32", seed: int = 0
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

    m, tok = shape.model, tokenizer()
    text = Qwen2Config(
        hidden_size=m.lm_hidden,
        intermediate_size=shape.lm_intermediate,
        num_hidden_layers=m.lm_layers,
        num_attention_heads=m.lm_heads,
        num_key_value_heads=m.lm_kv_heads,
        vocab_size=max(m.vocab, len(tok)),
        max_position_embeddings=32768,
        rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},  # Qwen2's
        tie_word_embeddings=shape.tied,
        eos_token_id=tok.eos_token_id,
    )
    vision = SiglipVisionConfig(
        hidden_size=m.vision_hidden,
        intermediate_size=shape.vision_intermediate,
        num_hidden_layers=m.vision_layers,
        num_attention_heads=shape.vision_heads,
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
        tie_word_embeddings=shape.tied,
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = LlavaOnevisionForConditionalGeneration(config)
    model = model.to(getattr(torch, dtype)).eval()
    processor = LlavaOnevisionImageProcessorPil(image_mean=[0.5] * 3, image_std=[0.5] * 3)
    return LlavaOneVision(model, tok, processor, f"random-{m.model_id}", DEFAULT_SYSTEM)


# bench names of the other families' published shapes -> (module:builder, shape)
OTHER_FAMILIES: dict[str, tuple[str, Any]] = {
    "smolvlm2-256m": ("random_smolvlm", SMOLVLM2_256M),
    "smolvlm2-500m": ("random_smolvlm", SMOLVLM2_500M),
    "qwen2.5-vl-3b": ("random_qwen", QWEN2_5_VL_3B),
    "qwen2.5-vl-7b": ("random_qwen", QWEN2_5_VL_7B),
}
FAMILIES = (*SHAPES, *OTHER_FAMILIES)  # every name `build_random` takes


def published_id(family: str) -> str:
    """The Hugging Face id whose shape `family` names."""
    if family in SHAPES:
        return SHAPES[family].model.model_id
    return str(OTHER_FAMILIES[family][1].model_id)


def build_random(
    family: str,
    device: str = "cpu",
    dtype: str = "float32",
    seed: int = 0,
    vision_int8: bool = False,
) -> VisionLanguageModel:
    """The adapter of `family` (one of `FAMILIES`) at its published shape, random weights.

    `vision_int8`: the vision tower's linear layers in int8, as `load_vlm` has them on a CPU.
    """
    if family in SHAPES:
        model: Any = random_llava(SHAPES[family], device, dtype, seed)
    else:
        from models.vlm import synthetic_families

        builder, shape = OTHER_FAMILIES[family]
        model = getattr(synthetic_families, builder)(shape, device, dtype, seed)
    if vision_int8:
        from models.vlm.quantize import int8_vision

        int8_vision(model.model)
    return cast(VisionLanguageModel, model)


def timed_answer(
    vlm: Any, parts: Sequence[Part], n_tokens: int, times: Sequence[float] | None = None
) -> tuple[float, float]:
    """(seconds to the first token, decode tokens per second) of a greedy `n_tokens` answer.

    Timed on the model itself, as `generate` runs it (prompt assembly, one prefill,
    then one step per token with the KV cache), without detokenising: a random
    model's ids mostly fall outside the small tokenizer.
    """
    import time

    import torch

    model = vlm.model
    cuda = model.device.type == "cuda"
    mrope = hasattr(vlm, "prompt_inputs")  # Qwen2.5-VL: 3-D positions go with every step

    def sync() -> None:  # a GPU runs ahead of Python: wait for it before reading the clock
        if cuda:
            torch.cuda.synchronize()

    with torch.inference_mode():
        start = time.perf_counter()
        extra: dict[str, Any] = {}
        if mrope:
            embeds, positions = vlm.prompt_inputs(parts, times)
            extra["position_ids"] = positions
            nxt = int(positions.max()) + 1
        else:
            embeds = vlm.prompt_embeds(parts)
        out = model(inputs_embeds=embeds, use_cache=True, logits_to_keep=1, **extra)
        next_id = out.logits[0, -1].argmax()
        sync()
        first = time.perf_counter()
        for _ in range(n_tokens - 1):
            step = next_id.view(1, 1)
            if mrope:
                extra["position_ids"] = torch.full((3, 1, 1), nxt, device=model.device)
                nxt += 1
            out = model(input_ids=step, cache=out.cache, use_cache=True, **extra)  # as `generate`
            next_id = out.logits[0, -1].argmax()
        sync()
        done = time.perf_counter()
    decode = (n_tokens - 1) / (done - first) if n_tokens > 1 else 0.0
    return first - start, decode
