"""The Qwen2.5-VL reference: the packaged 1.5B LM inside a Qwen2.5-VL with random vision.

Qwen2.5-VL's language model is a Qwen2.5 LM whose rotary positions are 3-D
(M-RoPE: the head's 64 rotary pairs split into time, height and width sections,
[16, 24, 24] in every published Qwen2-VL / Qwen2.5-VL config, all with 128-d
heads). The packaged Qwen2.5-Coder-1.5B-Instruct has Qwen2-VL-2B's LM geometry
(hidden 1536, 28 layers, 12 heads of 128, 2 KV heads), so its weights fit the
Qwen2.5-VL text model unchanged; on text alone (t = h = w) M-RoPE is its own 1-D
RoPE, so it reads a text prompt exactly as the LM does.

The model is assembled without a second copy of the LM in memory: built on the
meta device, its text model takes the LM's tensors by assignment, and only the
small vision tower (seeded, 2 blocks, width 64; the published patch 14, temporal
patch 2, 2x2 merge, window 112, 2 positions a second) is made for real. The media
tokens are the LM's own (Qwen2-VL's ids: `<|vision_start|>` 151652 ... `<|video_pad|>`
151656), the tokenizer and chat template the GGUF's, and the image processor is
the family's with its published defaults (CLIP mean/std, min/max pixels).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.loading import loads
from models.vlm.reference_parts import END_TOKENS, SEED, Reference, read_lm, save_reference

__all__ = ["MROPE_SECTION", "VISION", "build_qwen2_5_vl", "mrope_section", "qwen_config"]

# The published section of a 128-d head (Qwen2-VL-2B/7B, Qwen2.5-VL-3B/7B/72B): pairs per
# axis (t, h, w) of its 64 rotary pairs.
MROPE_SECTION = (16, 24, 24)
VISION: dict[str, Any] = {
    "depth": 2,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_heads": 2,
    "patch_size": 14,
    "temporal_patch_size": 2,
    "spatial_merge_size": 2,
    "window_size": 112,
    "fullatt_block_indexes": [1],
    "tokens_per_second": 2,  # the published value: one time position per 0.5 s
}
# name in the tokenizer -> Qwen2_5_VLConfig field
MEDIA_TOKENS = {
    "<|vision_start|>": "vision_start_token_id",
    "<|vision_end|>": "vision_end_token_id",
    "<|image_pad|>": "image_token_id",
    "<|video_pad|>": "video_token_id",
}


def mrope_section(head_dim: int) -> list[int]:
    """The published [16, 24, 24] for a 128-d head; the same proportions for another width."""
    pairs = head_dim // 2
    if pairs * 2 != head_dim or pairs % 8:
        raise ValueError(f"a {head_dim}-d head cannot take M-RoPE's 2:3:3 sections")
    return [pairs * s // sum(MROPE_SECTION) for s in MROPE_SECTION]


def qwen_config(lm_config: Any, tokenizer: Any) -> Any:
    """The Qwen2.5-VL config whose text model is `lm_config`'s LM, with M-RoPE sections."""
    from transformers import Qwen2_5_VLConfig

    text = lm_config.to_dict()
    for key in ("quantization_config", "_model_name_or_path", "transformers_version"):
        text.pop(key, None)  # the GGUF's reading, not the model's
    for key in ("model_type", "architectures", "layer_types"):
        text.pop(key, None)  # the Qwen2 LM's own names; the VL text config sets its own
    head_dim = int(text.get("head_dim") or text["hidden_size"] // text["num_attention_heads"])
    rope = dict(text.pop("rope_parameters", None) or {})
    text["rope_parameters"] = {
        "rope_type": "default",
        "rope_theta": float(rope.get("rope_theta", 1e6)),
        "mrope_section": mrope_section(head_dim),
    }
    ids: dict[str, Any] = {
        field: int(tokenizer.convert_tokens_to_ids(t)) for t, field in MEDIA_TOKENS.items()
    }
    return Qwen2_5_VLConfig(
        text_config=text,
        vision_config={**VISION, "out_hidden_size": text["hidden_size"]},
        tie_word_embeddings=bool(lm_config.tie_word_embeddings),
        **ids,
    )


@loads("reference model's language model")
def build_qwen2_5_vl(ref: Reference, lm_dir: Path, folder: Path) -> None:
    """Build the reference `ref` (family "qwen2.5-vl") from `lm_folder`'s LM into `folder`."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import (
        Qwen2VLImageProcessorPil,
    )

    lm, tokenizer = read_lm(lm_dir)
    model = _assemble(lm, tokenizer)
    del lm
    processor = Qwen2VLImageProcessorPil()  # the family's published defaults
    save_reference(ref, folder, model, tokenizer, processor)


def _assemble(lm: Any, tokenizer: Any) -> Any:
    """A Qwen2.5-VL holding `lm`'s tensors (shared, not copied) and a random seeded tower."""
    import torch
    from transformers import GenerationConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import (
        Qwen2_5_VisionTransformerPretrainedModel,
    )

    config = qwen_config(lm.config, tokenizer)
    with torch.device("meta"):  # no memory for the LM: its tensors come by assignment
        model: Any = Qwen2_5_VLForConditionalGeneration(config)
    model.model.language_model.load_state_dict(lm.model.state_dict(), assign=True)
    if config.tie_word_embeddings:
        model.lm_head.weight = model.model.language_model.embed_tokens.weight
    else:
        model.lm_head.weight = lm.lm_head.weight
    torch.manual_seed(SEED)
    tower: Any = Qwen2_5_VisionTransformerPretrainedModel  # untyped in transformers
    model.model.visual = tower._from_config(config.vision_config)
    model.eval()
    with torch.no_grad():
        _scale_vision(model)
    ends = [int(tokenizer.convert_tokens_to_ids(t)) for t in END_TOKENS]
    settings: Any = GenerationConfig  # untyped in transformers
    model.generation_config = settings(
        bos_token_id=ends[1], pad_token_id=ends[1], eos_token_id=ends
    )
    return model


def _scale_vision(model: Any) -> None:
    """Merged visual tokens as loud as the LM's own token embeddings (noise words, not a roar)."""
    import torch

    scale = float(model.model.language_model.embed_tokens.weight.std())
    vision = model.config.vision_config
    side = 2 * vision.spatial_merge_size  # a 4 x 4 patch frame: 2 x 2 merged tokens
    width = 3 * vision.temporal_patch_size * vision.patch_size**2
    pixels = torch.randn(side * side, width, generator=torch.Generator().manual_seed(SEED))
    grid = torch.tensor([[1, side, side]])
    tokens = model.model.visual(pixels, grid_thw=grid).pooler_output
    last = model.model.visual.merger.mlp[2]
    ratio = scale / float(tokens.std())
    last.weight.mul_(ratio)
    last.bias.mul_(ratio)
