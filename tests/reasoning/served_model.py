"""The packaged Qwen2.5-Coder-0.5B GGUF as a transformers folder, made once in the weights cache.

`transformers serve` reads a GGUF slowly: it parses the file's metadata and its
151k-token vocabulary in Python and dequantizes every tensor before it listens
(40-150 s on two idle cores; more than 10 minutes when the cores are shared with
a test run). A folder of safetensors and tokenizer.json loads in seconds, so
the conversion is paid once per cache, not once per test run:

    python -m tests.reasoning.served_model   # prints the folder, converting if needed
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from models.weights import QWEN_CODER_0_5B, cache_dir, ensure

FOLDER = "qwen2.5-coder-0.5b-instruct-hf"  # beside the GGUF's own folder in the cache
DONE = "config.json"  # the folder is renamed into place whole, so this file means done


def served_folder() -> Path:
    """The folder, converted from the verified GGUF when the cache has none yet."""
    folder = cache_dir() / FOLDER
    if (folder / DONE).is_file():
        return folder
    gguf = ensure(QWEN_CODER_0_5B)
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(partial)
    model = AutoModelForCausalLM.from_pretrained(  # unpacked: a packed GGUF cannot be saved
        gguf.parent,
        gguf_file=gguf.name,
        dtype="bfloat16",
        quantization_config=GgufConfig(gguf_file=gguf.name, dequantize=True),
    )
    model.save_pretrained(partial)
    partial.rename(folder)  # whole or absent: a killed conversion leaves only `partial`
    return folder


if __name__ == "__main__":
    sys.stdout.write(f"{served_folder()}\n")
