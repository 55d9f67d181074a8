"""The Qwen2.5-VL reference model as built from the packaged 1.5B GGUF (`make test-reference`).

The folder (6 GB, built once into the weights cache by the session fixture
`reference_qwen_model`) holds Qwen2.5-Coder-1.5B-Instruct's dequantized weights in
a Qwen2.5-VL with random vision. Its answers through the demo are checked in
test_reference_demo.py; here: its geometry is Qwen2-VL-2B's language model, as
published, and `load_vlm` says what it is.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from models.vlm.loader import load_vlm
from models.vlm.reference import MARKER, QWEN2_5_VL_REFERENCE, reference_folder

pytestmark = [pytest.mark.reference, pytest.mark.timeout(1800)]

# Qwen/Qwen2-VL-2B-Instruct's config.json: its language model, which the 1.5B GGUF's own
# metadata matches (qwen2.embedding_length 1536, block_count 28, head_count 12,
# head_count_kv 2, feed_forward_length 8960, context_length 32768, rope.freq_base 1e6)
QWEN2_VL_2B_LM = {
    "hidden_size": 1536,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "intermediate_size": 8960,
    "max_position_embeddings": 32768,
    "vocab_size": 151936,
}


def test_the_folder_has_qwen2_vl_2bs_language_model(
    reference_qwen_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMER_CACHE", str(reference_qwen_model.parent))
    started = time.perf_counter()
    assert reference_folder(QWEN2_5_VL_REFERENCE) == reference_qwen_model
    assert time.perf_counter() - started < 1.0  # built once
    config = json.loads((reference_qwen_model / "config.json").read_text())
    text = config["text_config"]
    assert config["model_type"] == "qwen2_5_vl"
    assert {k: text[k] for k in QWEN2_VL_2B_LM} == QWEN2_VL_2B_LM
    rope = text["rope_parameters"]
    assert rope["mrope_section"] == [16, 24, 24] and rope["rope_theta"] == 1e6
    # the GGUF carries its own output matrix (Qwen2-VL-2B ties it to the embeddings): kept
    assert config["tie_word_embeddings"] is False
    assert (config["image_token_id"], config["video_token_id"]) == (151655, 151656)
    marker = json.loads((reference_qwen_model / MARKER).read_text())
    assert marker["language_model"] == "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
    size = sum(p.stat().st_size for p in reference_qwen_model.iterdir()) / 1e9
    print(f"{reference_qwen_model.name}: {size:.2f} GB")


def test_load_vlm_says_real_language_model_random_vision(
    reference_qwen_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="streamer"):
        vlm = load_vlm(reference_qwen_model, device="cpu")
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    assert "is a reference model (" in caplog.text
    assert "real language model, random vision" in caplog.text
    assert vlm.info.dim == 1536 and vlm.info.grid == (9, 16)
