"""The Qwen2.5-VL reference's assembly, checked on a small LM with the real Qwen2 tokenizer.

The 1.5B build itself (minutes, 6 GB) runs under the `reference` marker
(test_reference_demo.py); here the same builder puts a small random Qwen2 LM of the
published head width (128: M-RoPE's [16, 24, 24]) into the Qwen2.5-VL shape, and the
folder must load through `load_vlm` as a Qwen2.5-VL whose text reading is exactly
the LM's: on text alone M-RoPE's three position axes are equal, so it is 1-D RoPE.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import torch

from models.vlm.loader import load_vlm
from models.vlm.reference import MARKER, QWEN2_5_VL_REFERENCE, read_lm
from models.vlm.reference_qwen import build_qwen2_5_vl, mrope_section
from tests.models.vlm.real_tokenizer import qwen2_tokenizer

pytestmark = pytest.mark.timeout(600)  # the tokenizer's first reading from the GGUF

# Qwen/Qwen2.5-VL-3B-Instruct's config.json (and Qwen2-VL-2B's): the media tokens' ids
PUBLISHED_IDS = {
    "vision_start_token_id": 151652,
    "vision_end_token_id": 151653,
    "image_token_id": 151655,
    "video_token_id": 151656,
}


@pytest.fixture(scope="module")
def small_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like `lm_folder`'s: a random 2-layer Qwen2 LM (128-d heads), the real tokenizer."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    folder = tmp_path_factory.mktemp("small-lm")
    tokenizer = qwen2_tokenizer()
    config = Qwen2Config(
        vocab_size=151_936,  # the GGUF's, padded past the tokenizer's 151,665
        hidden_size=256,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,  # 128-d heads, as every published Qwen2-VL / Qwen2.5-VL
        num_key_value_heads=1,
        max_position_embeddings=32_768,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6},
        tie_word_embeddings=True,
    )
    torch.manual_seed(1)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def built(small_lm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("qwen-reference") / "reference"
    build_qwen2_5_vl(QWEN2_5_VL_REFERENCE, small_lm, folder)
    return folder


def test_m_rope_sections_follow_the_published_head() -> None:
    assert mrope_section(128) == [16, 24, 24]  # Qwen2-VL-2B, Qwen2.5-VL-3B/7B config.json
    assert mrope_section(64) == [8, 12, 12]
    with pytest.raises(ValueError, match="M-RoPE"):
        mrope_section(100)


def test_the_folder_is_a_qwen2_5_vl_with_the_lms_geometry(built: Path, small_lm: Path) -> None:
    config = json.loads((built / "config.json").read_text())
    lm = json.loads((small_lm / "config.json").read_text())
    text = config["text_config"]
    assert config["model_type"] == "qwen2_5_vl"
    for key in (
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "intermediate_size",
        "vocab_size",
        "max_position_embeddings",
    ):
        assert text[key] == lm[key], key
    assert text["rope_parameters"]["mrope_section"] == [16, 24, 24]
    assert text["rope_parameters"]["rope_theta"] == 1e6
    assert {k: config[k] for k in PUBLISHED_IDS} == PUBLISHED_IDS
    vision = config["vision_config"]
    assert vision["out_hidden_size"] == lm["hidden_size"] and vision["tokens_per_second"] == 2
    generation = json.loads((built / "generation_config.json").read_text())
    assert set(generation["eos_token_id"]) == {151645, 151643}  # <|im_end|>, <|endoftext|>
    marker = json.loads((built / MARKER).read_text())
    assert (marker["family"], marker["note"]) == (
        "qwen2.5-vl",
        "real language model, random vision",
    )


def test_it_reads_text_exactly_as_its_language_model(
    built: Path, small_lm: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="streamer"):
        vlm: Any = load_vlm(built, device="cpu")
    assert "real language model, random vision" in caplog.text
    lm, tokenizer = read_lm(small_lm)
    ids = tokenizer("GATE 7 CLOSES AT NOON. When does gate 7 close?", return_tensors="pt")
    with torch.inference_mode():
        ours = vlm.model(input_ids=ids["input_ids"]).logits
        theirs = lm(input_ids=ids["input_ids"]).logits
    assert torch.allclose(ours, theirs, atol=1e-4), float((ours - theirs).abs().max())
    head = vlm.model.lm_head.weight
    assert head.data_ptr() == vlm.model.get_input_embeddings().weight.data_ptr()  # tied, as the LM


def test_its_visual_tokens_are_as_loud_as_text(built: Path) -> None:
    import numpy as np

    vlm: Any = load_vlm(built, device="cpu")
    frame = np.random.default_rng(0).integers(0, 255, (252, 448, 3), dtype=np.uint8)
    tokens = torch.as_tensor(np.asarray(vlm.encode([frame])[0].tokens))
    assert tokens.shape == (9, 16, 256)  # 252 x 448 px: 9 x 16 merged tokens of the LM width
    text = float(vlm.model.get_input_embeddings().weight.detach().std())
    assert 0.3 * text < float(tokens.std()) < 3.0 * text


def test_models_reference_offers_every_reference() -> None:
    from cli.models import FAMILIES
    from models.vlm.reference import REFERENCES

    assert FAMILIES == tuple(REFERENCES)
