"""Reference models: a real language model with random vision, built once into the weights cache.

No vision-language weights can be had here, but a real language model can: the
packaged Qwen2.5-Coder-0.5B-Instruct GGUF has exactly LLaVA-OneVision-0.5B's
language-model geometry (hidden 896, 24 layers, 14 heads, 2 KV heads). Its
weights, dequantized once by transformers' GGUF reader, are placed inside a
`LlavaOnevisionForConditionalGeneration` with a small random seeded SigLIP tower
and projector, and saved (safetensors, the GGUF's own tokenizer and chat
template, its `<|video_pad|>` / `<|image_pad|>` as the media tokens: its
vocabulary is full) into `cache_dir() / key`: a folder the vlm backend reads
like any checkpoint (`--backend vlm:FOLDER`). The first build takes minutes
(reading the GGUF); later ones return the folder.

The GGUF is read once per cache: its dequantized float32 language model is kept
as a plain transformers folder (`lm_folder`: safetensors, tokenizer and chat
template), and every folder built from that LM (each reference shape, the
`transformers serve` folder of the openai tests) reads those tensors instead.

What such a model says about text it was given is real; what it says about
pixels is noise. Everything that reports on it says so: `NOTE`.

Example:
    >>> folder = reference_folder()  # doctest: +SKIP
    >>> load_vlm(folder, device="cpu")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from models.atomic import atomic_dir
from models.loading import loads
from models.vlm.reference_parts import (
    END_TOKENS,
    IMAGE_PAD,
    MARKER,
    NOTE,
    SEED,
    VIDEO_PAD,
    Reference,
    read_lm,
    save_reference,
)
from models.weights import QWEN_CODER_0_5B, QWEN_CODER_1_5B, WeightSpec, cache_dir, ensure

__all__ = [
    "END_TOKENS",
    "LLAVA_ONEVISION_REFERENCE",
    "MARKER",
    "NOTE",
    "QWEN2_5_VL_REFERENCE",
    "REFERENCES",
    "Reference",
    "lm_folder",
    "read_lm",
    "reference_folder",
    "reference_note",
]

log = logging.getLogger("streamer")

LM_SUFFIX = "-float32"  # the dequantized LM's folder: the GGUF's key + this, in the cache
# A narrow SigLIP at the published input and patch (384 px / 14: 27x27 patches, pooled by
# the model to 14x14 = 196 tokens a frame, as LLaVA-OneVision-0.5B), two layers deep, so a
# frame encodes in milliseconds on a CPU.
VISION: dict[str, Any] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "image_size": 384,
    "patch_size": 14,
    "vision_use_head": False,
}


LLAVA_ONEVISION_REFERENCE = Reference(
    "reference-llava-onevision-qwen2.5-coder-0.5b-v1",
    "LLaVA-OneVision-0.5B shape with Qwen2.5-Coder-0.5B-Instruct",
    QWEN_CODER_0_5B,
)
# The 1.5B LM has the geometry of Qwen2-VL-2B's language model (hidden 1536, 28 layers,
# 12 heads, 2 KV heads, intermediate 8960); Qwen2.5-VL's smallest is 3B (hidden 2048), so
# this is the Qwen2.5-VL architecture at Qwen2-VL-2B's LM size.
QWEN2_5_VL_REFERENCE = Reference(
    "reference-qwen2.5-vl-qwen2.5-coder-1.5b-v1",
    "Qwen2.5-VL shape with Qwen2.5-Coder-1.5B-Instruct",
    QWEN_CODER_1_5B,
    "qwen2.5-vl",
)
REFERENCES = {r.family: r for r in (LLAVA_ONEVISION_REFERENCE, QWEN2_5_VL_REFERENCE)}


def reference_folder(ref: Reference = LLAVA_ONEVISION_REFERENCE) -> Path:
    """The folder of `ref`, built into the weights cache the first time (minutes).

    Raises:
        ModelMissingError: the GGUF's packages are not installed (the sentence says which),
            or the installed packages cannot read it.
    """
    folder = cache_dir() / ref.key
    if (folder / MARKER).is_file():
        return folder
    lm = lm_folder(ref.lm)
    log.info("Building the reference model %s (%s) once, into %s", ref.label, NOTE, folder)
    if ref.family == "qwen2.5-vl":
        from models.vlm.reference_qwen import build_qwen2_5_vl

        build_qwen2_5_vl(ref, lm, folder)
    else:
        _build(ref, lm, folder)
    return folder


def lm_folder(spec: WeightSpec) -> Path:
    """The GGUF of `spec` as a float32 transformers folder, dequantized the first time (minutes).

    Raises:
        ModelMissingError: the GGUF's packages are not installed (the sentence says which).
    """
    folder = cache_dir() / f"{spec.key}{LM_SUFFIX}"
    if (folder / "config.json").is_file():  # the folder is renamed into place whole
        return folder
    gguf = ensure(spec)  # sha256-verified, or one sentence naming the pip command
    log.info("Reading %s once into %s (float32)", spec.name, folder)
    _dequantize(gguf, folder)
    return folder


@loads("packaged language model")
def _dequantize(gguf: Path, folder: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    lm = AutoModelForCausalLM.from_pretrained(  # unpacked: a packed GGUF cannot be saved
        gguf.parent,
        gguf_file=gguf.name,
        dtype=torch.float32,
        quantization_config=GgufConfig(gguf_file=gguf.name, dequantize=True),
    )
    with atomic_dir(folder) as tmp:
        lm.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)


def reference_note(path_or_id: str | Path) -> str | None:
    """ "<label>: real language model, random vision" for a reference folder, else None."""
    marker = Path(path_or_id).expanduser() / MARKER
    try:
        found = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    return f"{found.get('label', marker.parent.name)}: {found.get('note', NOTE)}"


@loads("reference model's language model")
def _build(ref: Reference, lm_dir: Path, folder: Path) -> None:
    lm, tokenizer = read_lm(lm_dir)
    model = _llava_onevision(lm, tokenizer)
    del lm
    save_reference(ref, folder, model, tokenizer, _processor())


def _llava_onevision(lm: Any, tokenizer: Any) -> Any:
    """A LLaVA-OneVision model holding `lm`'s weights, random seeded vision, in eval mode."""
    import torch
    from transformers import (
        GenerationConfig,
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        SiglipVisionConfig,
    )

    text = lm.config.to_dict()
    for key in ("quantization_config", "_model_name_or_path", "transformers_version"):
        text.pop(key, None)  # the GGUF's reading, not the model's
    ends = [int(tokenizer.convert_tokens_to_ids(t)) for t in END_TOKENS]
    config = LlavaOnevisionConfig(
        text_config=text,
        vision_config=SiglipVisionConfig(**VISION).to_dict(),
        image_token_index=int(tokenizer.convert_tokens_to_ids(IMAGE_PAD)),
        video_token_index=int(tokenizer.convert_tokens_to_ids(VIDEO_PAD)),
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        tie_word_embeddings=bool(lm.config.tie_word_embeddings),
    )
    torch.manual_seed(SEED)
    model: Any = LlavaOnevisionForConditionalGeneration(config)
    model.eval()
    with torch.no_grad():
        model.model.language_model.load_state_dict(lm.model.state_dict())
        model.lm_head.weight.copy_(lm.lm_head.weight)
        _scale_vision(model)
    settings: Any = GenerationConfig  # untyped in transformers
    model.generation_config = settings(
        bos_token_id=lm.config.bos_token_id, pad_token_id=ends[1], eos_token_id=ends
    )
    return model


def _scale_vision(model: Any) -> None:
    """Visual tokens and the frame newline as loud as the LM's own token embeddings.

    Random tokens far louder than text would drown the prompt; these read as noise
    words, which is what random vision is.
    """
    import torch

    scale = float(model.get_input_embeddings().weight.std())
    size = model.config.vision_config.image_size
    pixels = torch.randn(1, 1, 3, size, size, generator=torch.Generator().manual_seed(SEED))
    tokens = model.get_video_features(pixel_values_videos=pixels).pooler_output
    ratio = scale / float(tokens[:, :-1].std())
    last = model.model.multi_modal_projector.linear_2
    last.weight.mul_(ratio)
    last.bias.mul_(ratio)
    model.model.image_newline.normal_(0.0, scale)


def _processor() -> Any:
    """The family's image processor with SigLIP's normalisation (mean = std = 0.5)."""
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import (
        LlavaOnevisionImageProcessorPil,
    )

    return LlavaOnevisionImageProcessorPil(image_mean=[0.5] * 3, image_std=[0.5] * 3)
