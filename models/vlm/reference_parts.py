"""What every reference model shares: its note, seed, marker, end tokens, and the LM reader.

`models/vlm/reference.py` builds the LLaVA-OneVision reference and dispatches the
others (`reference_qwen.py`); both read the dequantized language model through
`read_lm` and finish a folder with `write_marker`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.atomic import atomic_dir
from models.weights import WeightSpec

NOTE = "real language model, random vision"
SEED = 0
MARKER = "reference.json"  # written last inside the folder: what it is, and that it is whole
# The GGUF's chat-control tokens (the Qwen2 tokenizer's): its media placeholders, and the two
# ends of a turn that Qwen2.5's published generation_config.json lists as `eos_token_id`.
IMAGE_PAD, VIDEO_PAD = "<|image_pad|>", "<|video_pad|>"
END_TOKENS = ("<|im_end|>", "<|endoftext|>")


@dataclass(frozen=True)
class Reference:
    """One reference model: which packaged LM goes into which family's shape."""

    key: str  # folder name in the weights cache (a new layout gets a new key)
    label: str  # how messages name it
    lm: WeightSpec  # the packaged GGUF of its language model
    family: str = "llava-onevision"  # whose shape it takes: a key of REFERENCES


def read_lm(lm: Path) -> tuple[Any, Any]:
    """(float32 causal LM, its tokenizer with the media tokens named) from `lm_folder`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        lm, extra_special_tokens={"image_token": IMAGE_PAD, "video_token": VIDEO_PAD}
    )
    return AutoModelForCausalLM.from_pretrained(lm, dtype=torch.float32), tokenizer


def write_marker(ref: Reference, folder: Path) -> None:
    """The marker, written last: what the folder is (`NOTE`), and that it is whole."""
    marker = {
        "note": NOTE,
        "label": ref.label,
        "family": ref.family,
        "language_model": ref.lm.name,
        "seed": SEED,
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=1) + "\n")


def save_reference(
    ref: Reference, folder: Path, model: Any, tokenizer: Any, processor: Any
) -> None:
    """Write a built reference into `folder` whole or not at all, its marker last."""
    with atomic_dir(folder) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        write_marker(ref, tmp)
