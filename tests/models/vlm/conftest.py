"""A tiny LLaVA-OneVision of the real architecture, random weights, saved like a checkpoint.

No VLM weights can be had here, so the fixture builds one from configs: the real
`LlavaOnevisionForConditionalGeneration` (SigLIP vision tower at the published
384 px / patch 14, so the 27x27 -> 14x14 pooling is the real one; Qwen2 LM),
narrow and two layers deep, seeded, with a byte-level BPE tokenizer trained
here on a few sentences, the family's special tokens and its chat template, and
the family's image processor; all `save_pretrained` into one folder that
`LlavaOneVision.load` reads like a downloaded checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DEMO

SEED = 0
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
SENTENCES = [
    "What is shown in the video? Answer in one sentence.",
    "A rabbit walks across the green field and looks at a bird.",
    "The card says gate seven closes at noon.",
    "Answer with the letter of the right option: A, B, C or D.",
    "You are a helpful assistant.",
    "[0:03] [1:20] [12:45] at 0:05 before after.",
]
# The chat template of the llava-hf LLaVA-OneVision checkpoints (the `chat_template` the
# conversion script in transformers/models/llava_onevision saves with the processor).
CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n'}}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'video') %}"
    "{{ '<video>\n' }}{% endfor %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{{ content['text'] }}{% endfor %}"
    "{{'<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
FRAME_TIMES = (5.0, 20.0, 40.0)  # s into assets/demo.mp4 (72 s, 10 fps, 640x360)


def _tokenizer():  # type: ignore[no-untyped-def]
    from transformers import PreTrainedTokenizerFast

    from models.vlm.synthetic import train_bpe

    bpe = train_bpe(SENTENCES, SPECIAL_TOKENS, 600)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<image>", "video_token": "<video>"},
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random LLaVA-OneVision checkpoint (~0.2 M parameters, < 1 MB)."""
    import torch
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        Qwen2Config,
        SiglipVisionConfig,
    )
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import (
        LlavaOnevisionImageProcessorPil,
    )

    folder = tmp_path_factory.mktemp("tiny-llava-onevision")
    tok = _tokenizer()
    text = Qwen2Config(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=len(tok),
        max_position_embeddings=4096,
        rope_theta=1_000_000.0,  # Qwen2's
        tie_word_embeddings=False,  # tied, a random model echoes its last input token
        eos_token_id=tok.eos_token_id,
    )
    vision = SiglipVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=384,
        patch_size=14,
        vision_use_head=False,
    )
    config = LlavaOnevisionConfig(
        text_config=text.to_dict(),
        vision_config=vision.to_dict(),
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        video_token_index=tok.convert_tokens_to_ids("<video>"),
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        tie_word_embeddings=False,
    )
    torch.manual_seed(SEED)
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    with torch.no_grad():  # random weights of a useful scale: logits that differ by token,
        model.lm_head.weight.normal_(0.0, 0.5)
        model.get_input_embeddings().weight.normal_(0.0, 0.5)
        for linear in (
            model.model.multi_modal_projector.linear_1,
            model.model.multi_modal_projector.linear_2,
        ):
            linear.weight.normal_(0.0, 1.5 / linear.in_features**0.5)  # visual tokens as loud
        model.model.image_newline.normal_(0.0, 0.5)  # as text embeddings, so they matter
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    # SigLIP's normalisation (mean = std = 0.5): the conversion script takes the image
    # processor of google/siglip-so400m-patch14-384
    LlavaOnevisionImageProcessorPil(image_mean=[0.5] * 3, image_std=[0.5] * 3).save_pretrained(
        folder
    )
    return folder


@pytest.fixture(scope="session")
def llava(tiny_llava: Path):  # type: ignore[no-untyped-def]
    from models.vlm.llava_onevision import LlavaOneVision

    return LlavaOneVision.load(tiny_llava)


@pytest.fixture(scope="session")
def demo_frames() -> list[np.ndarray]:
    """Three real frames of assets/demo.mp4, (360, 640, 3) uint8 RGB, in time order."""
    import av

    frames: list[np.ndarray] = []
    wanted = list(FRAME_TIMES)
    with av.open(str(DEMO)) as container:
        for frame in container.decode(video=0):
            if wanted and frame.time is not None and frame.time >= wanted[0]:
                frames.append(frame.to_ndarray(format="rgb24"))
                wanted.pop(0)
            if not wanted:
                break
    assert len(frames) == len(FRAME_TIMES)
    return frames


from tests.models.vlm.tiny_qwen import qwen, tiny_qwen  # noqa: E402, F401  (Qwen2.5-VL fixtures)
from tests.models.vlm.tiny_smolvlm import smolvlm, tiny_smolvlm  # noqa: E402, F401  (fixtures)
