"""Published sizes of the vision-language checkpoints the `vlm` backend supports.

Facts to size memories and benchmarks by, and to build tiny test models of the
same shape. One `Shape` holds what every family has (the language model, the
vision tower's width and depth, the image token); each family's shape adds only
what its vision side needs: `LlavaOneVisionShape`, `SmolVLM2Shape`, `QwenVLShape`.

LLaVA-OneVision sources, for every row:

- vision tower: `SiglipVisionConfig(hidden_size=1152, image_size=384,
  intermediate_size=4304, num_attention_heads=16, num_hidden_layers=26,
  patch_size=14, vision_use_head=False)` in transformers'
  `models/llava_onevision/convert_llava_onevision_weights_to_hf.py`, the script
  that made the llava-hf checkpoints (SigLIP-so400m with its last layer dropped);
  it also sets `num_image_tokens=729` and `vision_feature_select_strategy="full"`.
- language model: the script takes the text config of `Qwen/Qwen2-0.5B-Instruct`
  (0.5B) and `Qwen/Qwen2-7B-Instruct` (7B); their config.json give hidden size,
  layers, heads and KV heads. The script then adds `<image>` and `<video>` and
  pads the vocabulary to a multiple of 64 (151,936 + 2 -> 152,000; 152,064 + 2
  -> 152,128).
- special tokens: added_tokens.json of `llava-hf/llava-onevision-qwen2-0.5b-ov-hf`
  (`<image>` 151646, `<video>` 151647, `<|im_start|>` 151644, `<|im_end|>` 151645).
- tokens per video frame: `LlavaOnevisionModel.apply_pooling` halves the patch
  grid with bilinear interpolation, rounding up: 384 / 14 = 27 -> 14, 14 x 14 = 196.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LLAVA_ONEVISION",
    "LLAVA_ONEVISION_0_5B",
    "LLAVA_ONEVISION_7B",
    "LLAVA_ONEVISION_TINY",
    "LlavaOneVisionShape",
    "Shape",
]


@dataclass(frozen=True, kw_only=True)
class Shape:
    """The shape of one published checkpoint: what every family has."""

    model_id: str  # Hugging Face id
    # the language model
    lm_hidden: int  # D of every visual token fed to the LM
    lm_layers: int
    lm_heads: int
    lm_kv_heads: int
    lm_intermediate: int  # MLP width
    vocab: int
    tied: bool  # the LM head shares the embedding table
    # the vision tower
    patch: int  # px per vision patch
    vision_hidden: int
    vision_layers: int
    vision_heads: int
    vision_intermediate: int  # MLP width
    image_token_id: int


@dataclass(frozen=True, kw_only=True)
class LlavaOneVisionShape(Shape):
    """A LLaVA-OneVision checkpoint: a square SigLIP input, video frames pooled 2x2."""

    image_size: int  # px, square input of the vision tower
    video_token_id: int

    @property
    def patch_grid(self) -> int:
        """Patches a side: 384 / 14 = 27."""
        return self.image_size // self.patch

    @property
    def frame_grid(self) -> int:
        """Tokens a side of one video frame after the model's 2x2 pooling: ceil(27 / 2) = 14."""
        return math.ceil(self.patch_grid / 2)

    @property
    def tokens_per_frame(self) -> int:
        """Tokens of one video frame: 14 x 14 = 196."""
        return self.frame_grid**2


# SigLIP-so400m less its last layer (the conversion script's SiglipVisionConfig)
_SIGLIP_SO400M_26: dict[str, Any] = {
    "image_size": 384,
    "patch": 14,
    "vision_hidden": 1152,
    "vision_layers": 26,
    "vision_heads": 16,
    "vision_intermediate": 4304,
}
_LLAVA_TOKENS: dict[str, Any] = {"image_token_id": 151646, "video_token_id": 151647}

LLAVA_ONEVISION_0_5B = LlavaOneVisionShape(
    model_id="llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
    lm_hidden=896,
    lm_layers=24,
    lm_heads=14,
    lm_kv_heads=2,
    lm_intermediate=4864,  # Qwen/Qwen2-0.5B-Instruct config.json
    vocab=152_000,
    tied=True,  # 0.5B's config.json
    **_SIGLIP_SO400M_26,
    **_LLAVA_TOKENS,
)

LLAVA_ONEVISION_7B = LlavaOneVisionShape(
    model_id="llava-hf/llava-onevision-qwen2-7b-ov-hf",
    lm_hidden=3584,
    lm_layers=28,
    lm_heads=28,
    lm_kv_heads=4,
    lm_intermediate=18944,  # Qwen/Qwen2-7B-Instruct config.json
    vocab=152_128,
    tied=False,
    **_SIGLIP_SO400M_26,
    **_LLAVA_TOKENS,
)

LLAVA_ONEVISION = (LLAVA_ONEVISION_0_5B, LLAVA_ONEVISION_7B)

# a test size, not a published one: the real 384 px / patch 14 input (so the real
# 27x27 -> 14x14 pooling) with a narrow, two-layer tower and LM
LLAVA_ONEVISION_TINY = LlavaOneVisionShape(
    model_id="tiny",
    lm_hidden=64,
    lm_layers=2,
    lm_heads=4,
    lm_kv_heads=2,
    lm_intermediate=128,
    vocab=1024,
    tied=True,
    image_size=384,
    patch=14,
    vision_hidden=32,
    vision_layers=2,
    vision_heads=2,
    vision_intermediate=64,
    **_LLAVA_TOKENS,
)


# ---- Qwen2.5-VL ----------------------------------------------------------------------------
# Sources: config.json of Qwen/Qwen2.5-VL-3B-Instruct and Qwen/Qwen2.5-VL-7B-Instruct
# (vision_config: depth 32, hidden_size 1280, intermediate_size 3420, num_heads 16, patch_size
# 14, temporal_patch_size 2, spatial_merge_size 2, window_size 112, fullatt_block_indexes
# [7, 15, 23, 31], tokens_per_second 2, out_hidden_size = the LM's hidden size;
# rope_scaling {"type": "mrope", "mrope_section": [16, 24, 24]}; token ids 151652-151656;
# LM intermediate_size 11008 (3B) and 18944 (7B); 3B ties its LM head, 7B does not),
# and Table 1 of the Qwen2.5-VL technical report (arXiv 2502.13923): the same ViT for
# every size, a 2x2 merge to the LM width. Tokens per frame: one temporal step (two
# frames, or one frame repeated) of H x W px is (H / 28) x (W / 28) tokens.

__all__ += ["QWEN2_5_VL", "QWEN2_5_VL_3B", "QWEN2_5_VL_7B", "QwenVLShape"]


@dataclass(frozen=True, kw_only=True)
class QwenVLShape(Shape):
    """A Qwen2.5-VL checkpoint: any multiple of 28 px in, 2x2 patches merged, M-RoPE."""

    temporal_patch: int  # frames per temporal step (the Conv3d's depth)
    spatial_merge: int  # spatial_merge x spatial_merge patches -> one LM token
    tokens_per_second: int  # temporal M-RoPE positions per second of video
    mrope_section: tuple[int, int, int]  # (t, h, w) rotary pairs of a head
    vision_start_token_id: int
    vision_end_token_id: int
    video_token_id: int

    @property
    def head_dim(self) -> int:
        """128 for both: 2048 / 16 and 3584 / 28, twice sum(mrope_section)."""
        return self.lm_hidden // self.lm_heads

    def frame_grid(self, height: int, width: int) -> tuple[int, int]:
        """LM tokens (h, w) of one temporal step at H x W px: 252 x 448 -> 9 x 16."""
        side = self.patch * self.spatial_merge
        return height // side, width // side

    def tokens_per_frame(self, height: int, width: int) -> int:
        """LM tokens of one temporal step: 144 at 252 x 448 px, 256 at 448 x 448 px."""
        h, w = self.frame_grid(height, width)
        return h * w


_QWEN_VISION: dict[str, Any] = {
    "patch": 14,
    "temporal_patch": 2,
    "spatial_merge": 2,
    "vision_hidden": 1280,
    "vision_layers": 32,
    "vision_heads": 16,
    "vision_intermediate": 3420,
    "tokens_per_second": 2,
    "mrope_section": (16, 24, 24),  # of a 128-d head
    "vision_start_token_id": 151652,
    "vision_end_token_id": 151653,
    "image_token_id": 151655,
    "video_token_id": 151656,
}

QWEN2_5_VL_3B = QwenVLShape(
    model_id="Qwen/Qwen2.5-VL-3B-Instruct",
    lm_hidden=2048,
    lm_layers=36,
    lm_heads=16,
    lm_kv_heads=2,
    lm_intermediate=11008,
    vocab=151_936,
    tied=True,
    **_QWEN_VISION,
)

QWEN2_5_VL_7B = QwenVLShape(
    model_id="Qwen/Qwen2.5-VL-7B-Instruct",
    lm_hidden=3584,
    lm_layers=28,
    lm_heads=28,
    lm_kv_heads=4,
    lm_intermediate=18944,
    vocab=152_064,
    tied=False,
    **_QWEN_VISION,
)

QWEN2_5_VL = (QWEN2_5_VL_3B, QWEN2_5_VL_7B)
# ---- SmolVLM2 ---------------------------------------------------------------------------
# Sources, for every row:
# - config.json of HuggingFaceTB/SmolVLM2-500M-Video-Instruct: model_type "smolvlm",
#   scale_factor 4, image_token_id 49190, tie_word_embeddings false; vision_config
#   image_size 512, patch_size 16, hidden_size 768, num_attention_heads 12 (layers and
#   MLP width left at SmolVLMVisionConfig's defaults: 12 layers, 3072, SigLIP-B/16-512);
#   text_config (Llama) hidden 960, 32 layers, 15 heads, 5 KV heads, head_dim 64,
#   MLP 2560 (SmolLM2-360M), vocab 49280, rope_theta 100000.
# - HuggingFaceTB/SmolVLM2-256M-Video-Instruct (from SmolVLM-256M-Instruct): the same
#   vision tower, scale factor and vocabulary; text_config of SmolLM2-135M: hidden 576,
#   30 layers, 9 heads, 3 KV heads, MLP 1536.
# - processor_config.json of both: image_seq_len 64 = (512 / 16)^2 / 4^2;
#   preprocessor_config.json: video_sampling video_size longest_edge 512, no tiling
#   of video frames (SmolVLMVideoProcessor.resize squashes each to 512 x 512).
# - added tokens: <global-img> 49152, <row_1_col_1> ... <row_6_col_6> 49153-49188,
#   <fake_token_around_image> 49189, <image> 49190, <end_of_utterance> 49279 (eos).


@dataclass(frozen=True, kw_only=True)
class SmolVLM2Shape(Shape):
    """A SmolVLM2 checkpoint: a square input, patches pixel-shuffled scale x scale."""

    image_size: int  # px, square input of the vision tower
    scale_factor: int  # pixel shuffle: scale x scale patches -> one token

    @property
    def patch_grid(self) -> int:
        """Patches a side: 512 / 16 = 32."""
        return self.image_size // self.patch

    @property
    def frame_grid(self) -> int:
        """Tokens a side of one frame after pixel shuffle: 32 / 4 = 8."""
        return self.patch_grid // self.scale_factor

    @property
    def tokens_per_frame(self) -> int:
        """Tokens of one frame: 8 x 8 = 64 (image_seq_len)."""
        return self.frame_grid**2


_SMOLVLM2: dict[str, Any] = {
    "vocab": 49_280,
    "tied": False,
    "image_size": 512,
    "patch": 16,
    "vision_hidden": 768,
    "vision_layers": 12,
    "vision_heads": 12,
    "vision_intermediate": 3072,
    "scale_factor": 4,
    "image_token_id": 49_190,
}

SMOLVLM2_256M = SmolVLM2Shape(
    model_id="HuggingFaceTB/SmolVLM2-256M-Video-Instruct",
    lm_hidden=576,
    lm_layers=30,
    lm_heads=9,
    lm_kv_heads=3,
    lm_intermediate=1536,
    **_SMOLVLM2,
)

SMOLVLM2_500M = SmolVLM2Shape(
    model_id="HuggingFaceTB/SmolVLM2-500M-Video-Instruct",
    lm_hidden=960,
    lm_layers=32,
    lm_heads=15,
    lm_kv_heads=5,
    lm_intermediate=2560,
    **_SMOLVLM2,
)

SMOLVLM2 = (SMOLVLM2_256M, SMOLVLM2_500M)
__all__ += ["SMOLVLM2", "SMOLVLM2_256M", "SMOLVLM2_500M", "SmolVLM2Shape"]
