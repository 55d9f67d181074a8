"""The packaged Qwen2.5-Coder-0.5B as the transformers folder `transformers serve` reads.

`transformers serve` reads a GGUF slowly: it parses the file's metadata and its
151k-token vocabulary in Python and dequantizes every tensor before it listens
(40-150 s on two idle cores; more than 10 minutes when the cores are shared with
a test run). It serves the float32 folder the reference models are built from
(`models.vlm.reference.lm_folder`): the GGUF is read once per weights cache, for
both, and a folder of safetensors loads in seconds. Float32, not bfloat16: CPUs
without bfloat16 instructions (most; these runners' too) answer faster in float32.

    python -m tests.reasoning.served_model   # prints the folder, converting if needed
"""

from __future__ import annotations

import sys
from pathlib import Path

from models.vlm.reference import lm_folder
from models.weights import QWEN_CODER_0_5B


def served_folder() -> Path:
    """The folder, dequantized from the verified GGUF when the cache has none yet."""
    return lm_folder(QWEN_CODER_0_5B)


if __name__ == "__main__":
    sys.stdout.write(f"{served_folder()}\n")
