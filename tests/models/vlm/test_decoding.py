"""Where an answer ends and what shapes it: the checkpoint's own generation settings.

On the tiny random LLaVA-OneVision (conftest.py): every `eos_token_id` of the
checkpoint's generation config ends the answer, stop strings that are special
tokens end it by id (decoded text skips them, so the text can never hold them)
without holding back the streamed text, and the checkpoint's repetition penalty
is the one transformers' `generate` applies, unless the caller gives another.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import torch

from models.vlm import decoding
from models.vlm.llava_onevision import LlavaOneVision
from streamer.reasoning.timeline_prompt import STOP

QUESTION = "What is shown in the video? Answer in one sentence."


@pytest.fixture()
def settings(llava: LlavaOneVision) -> Iterator[object]:
    """The model's generation config, restored after the test changes it."""
    kept = copy.deepcopy(llava.model.generation_config)
    yield llava.model.generation_config
    llava.model.generation_config = kept


@pytest.fixture(scope="module")
def parts(llava, demo_frames):  # type: ignore[no-untyped-def]
    return [f.tokens for f in llava.encode(demo_frames[:2])] + [QUESTION]


def generated_ids(llava: LlavaOneVision, parts: list, n: int) -> list[int]:  # type: ignore[type-arg]
    text = "".join(llava.generate(parts, max_new_tokens=n))
    ids: list[int] = llava.tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids


def test_every_eos_id_of_the_generation_config_ends_the_answer(llava, parts, settings):
    full = "".join(llava.generate(parts, max_new_tokens=8))
    ids = generated_ids(llava, parts, 8)
    assert llava.tokenizer.decode(ids) == full and len(ids) >= 4
    settings.eos_token_id = [llava.tokenizer.eos_token_id, ids[3]]  # as Qwen2.5 lists two
    cut = "".join(llava.generate(parts, max_new_tokens=8))
    assert cut == llava.tokenizer.decode(ids[:3]) and len(cut) < len(full)


def test_special_token_stop_strings_end_by_id_and_hold_nothing_back(llava, parts):
    ids, text = decoding.split_stops(llava.tokenizer, STOP)
    assert ids == {
        llava.tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")
    }
    assert text == ("\n\n",)
    plain = list(llava.generate(parts, max_new_tokens=6, stop=("\n\n",)))
    # "<|endoftext|>" no longer holds back its 12 characters of streamed text
    assert list(llava.generate(parts, max_new_tokens=6, stop=STOP)) == plain
    assert len(plain) > 1


def test_the_checkpoints_repetition_penalty_is_the_librarys(llava, parts, settings):
    greedy = "".join(llava.generate(parts, max_new_tokens=12))
    settings.repetition_penalty = 0.2  # under 1: repeats, which this random model never does
    ours = "".join(llava.generate(parts, max_new_tokens=12))
    embeds = llava.prompt_embeds(parts)
    with torch.inference_mode():  # from inputs_embeds transformers penalises what it generated
        out = llava.model.generate(
            inputs_embeds=embeds, max_new_tokens=12, do_sample=False, repetition_penalty=0.2
        )
    assert ours == llava.tokenizer.decode(out[0], skip_special_tokens=True)
    assert ours != greedy  # the penalty changed the answer: the comparison has teeth
    overridden = "".join(
        decoding.greedy_pieces(llava.model, llava.tokenizer, embeds, set(), 12, penalty=1.0)
    )
    assert overridden == greedy  # the caller's setting wins over the checkpoint's
