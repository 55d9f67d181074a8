"""SmolVLM2 adapter against transformers' own image path, on a tiny random model.

The heart is `test_logits_match_library_at_every_position`: our frames (encoded
by `encode`, spliced into `inputs_embeds` after the rendered prompt is embedded)
give the same logits, at every position, as the model's `forward` given
`input_ids` with each `<image>` expanded as `SmolVLMProcessor` expands an
untiled image, and the image processor's `pixel_values`: the library placing
image features its own way.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers.models.smolvlm.processing_smolvlm import get_image_prompt_string

from models.protocols import FrameEncoder
from models.vlm import UnsupportedModelError, VisionLanguageModel
from models.vlm.families import SMOLVLM2
from models.vlm.smolvlm import IMAGE_BLOCK, SmolVLM2, render_turn
from models.weights import ModelMissingError

QUESTION = "What is shown in the video? Answer in one sentence."
ATOL = 1e-4  # float32 on CPU: the two paths differ only in summation order
GRID = 8  # 512 px / patch 16 = 32 patches a side, pixel shuffle 4
TOKENS = GRID * GRID


def expand(text: str, image_seq_len: int = TOKENS) -> str:
    """`text` with each `<image>` as SmolVLMProcessor writes an untiled image (rows = cols = 0)."""
    block = get_image_prompt_string(
        0, 0, image_seq_len, "<fake_token_around_image>", "<image>", "<global-img>"
    )
    return text.replace("<image>", block)


def template_text(smolvlm: SmolVLM2, content: list[str | None], system: str | None = None) -> str:
    """The chat template's own text for one user turn (None: an image), images unexpanded."""
    items = [{"type": "image"} if c is None else {"type": "text", "text": c} for c in content]
    messages = [{"role": "user", "content": items}]
    if system:
        messages.insert(0, {"role": "system", "content": [{"type": "text", "text": system}]})
    text = smolvlm.tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=False
    )
    assert isinstance(text, str)
    return text


def library_inputs(smolvlm, folder: Path, content, frames):  # type: ignore[no-untyped-def]
    """input_ids, pixel_values, pixel_attention_mask as the library's processor makes them."""
    from transformers import AutoImageProcessor

    ids = smolvlm.tokenizer(expand(template_text(smolvlm, content)), add_special_tokens=False)
    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
    out = processor(
        images=[list(frames)],  # one sample, its images in prompt order
        do_image_splitting=False,
        size={"longest_edge": 512},  # the video path's first resize (video_sampling.video_size)
        return_tensors="pt",
    )
    return torch.tensor([ids["input_ids"]]), out["pixel_values"], out["pixel_attention_mask"]


def library_logits(smolvlm, inputs, encoded=None) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """(L, V) logits of the library's forward; `encoded`: its image features, computed once."""
    ids, pixels, mask = inputs
    with torch.inference_mode():
        if encoded is not None:  # the same forward, the vision tower's pass reused
            return smolvlm.model(input_ids=ids, mm_encoder_outputs={"image": encoded}).logits[0]
        out = smolvlm.model(input_ids=ids, pixel_values=pixels, pixel_attention_mask=mask)
        return out.logits[0]


@pytest.fixture(scope="module")
def feats(smolvlm, demo_frames):  # type: ignore[no-untyped-def]
    return smolvlm.encode(demo_frames)


@pytest.fixture(scope="module")
def stamped(smolvlm, tiny_smolvlm, demo_frames, feats):  # type: ignore[no-untyped-def]
    """The vlm backend's layout: a stamp before each frame, then the question."""
    parts = ["[0:05]", feats[0].tokens, "[0:20]", feats[1].tokens, "[0:40]", feats[2].tokens]
    parts.append("\n" + QUESTION)
    content = ["[0:05]", None, "[0:20]", None, "[0:40]", None, "\n" + QUESTION]
    return parts, library_inputs(smolvlm, tiny_smolvlm, content, demo_frames)


def test_the_adapter_is_a_frame_encoder_and_a_vlm(smolvlm) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(smolvlm, FrameEncoder) and isinstance(smolvlm, VisionLanguageModel)
    assert smolvlm.info.space == f"smolvlm2:{smolvlm.name}"
    assert smolvlm.info.grid == (GRID, GRID) and smolvlm.info.dim == 64


@pytest.fixture(scope="module")
def encoded(smolvlm, stamped):  # type: ignore[no-untyped-def]
    """The library's image features of the stamped frames, from its own pixel values."""
    _, (_, pixels, mask) = stamped
    with torch.inference_mode():
        return smolvlm.model.model.get_image_features(pixels, mask)


def test_encode_gives_the_models_image_features(smolvlm, demo_frames, feats, encoded) -> None:  # type: ignore[no-untyped-def]
    assert len(feats) == len(demo_frames)
    theirs = encoded.pooler_output[0]  # (3 x 64, D): the one sample's images
    ours = np.stack([f.tokens for f in feats])  # (3, 8, 8, D)
    np.testing.assert_allclose(ours.reshape(-1, 64), theirs.numpy(), atol=1e-5)
    for f in feats:
        assert f.tokens.shape == (GRID, GRID, 64) and f.tokens.dtype == np.float32
        mean = f.tokens.mean(axis=(0, 1))
        np.testing.assert_allclose(f.feature, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    assert not np.allclose(feats[0].tokens, feats[2].tokens)  # 5 s and 40 s are other scenes


def test_pixels_are_the_video_geometry(smolvlm, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """640x360 -> 512x288 (longest edge to the video size) -> squashed to 512x512, no tiles."""
    from PIL import Image

    ours = smolvlm.pixels(demo_frames[:1])
    assert ours.shape == (1, 3, 512, 512)
    lanczos = Image.Resampling.LANCZOS
    img = Image.fromarray(demo_frames[0]).resize((512, 288), lanczos).resize((512, 512), lanczos)
    expected = (np.asarray(img, np.float32) / 255 - 0.5) / 0.5
    diff = np.abs(ours[0].permute(1, 2, 0).numpy() - expected).max()
    assert diff < 0.02  # PIL's uint8 steps between the two resizes; a wrong geometry is ~1


def test_grid_is_the_patch_layout_after_pixel_shuffle(smolvlm) -> None:  # type: ignore[no-untyped-def]
    """Token (r, c) holds the 4x4 block of patches at rows 4r.., cols 4c.., row by row."""
    side, scale = 32, 4
    rows, cols = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    patches = torch.stack([rows, cols], -1).reshape(1, side * side, 2).float()  # (1, 1024, 2)
    shuffled = smolvlm.model.model.connector.pixel_shuffle(patches, scale)  # (1, 64, 32)
    for k, token in enumerate(shuffled[0].reshape(TOKENS, scale * scale, 2)):
        r, c = divmod(k, GRID)
        assert set(token[:, 0].tolist()) == set(range(scale * r, scale * r + scale))
        assert set(token[:, 1].tolist()) == set(range(scale * c, scale * c + scale))


def test_our_prompt_is_the_chat_templates(smolvlm) -> None:  # type: ignore[no-untyped-def]
    for content in (["[0:05]", None, "Q?"], [None, None, "Q?"], ["Q?"]):
        ours = render_turn(content)
        assert ours == template_text(smolvlm, content).replace("<image>", IMAGE_BLOCK)
        assert expand(ours.replace(IMAGE_BLOCK, "<image>"), 1) == ours  # the processor's block
    system = "You are a helpful assistant."
    assert render_turn(["Q?"], system) == template_text(smolvlm, ["Q?"], system)


def test_logits_match_library_at_every_position(smolvlm, stamped) -> None:  # type: ignore[no-untyped-def]
    parts, inputs = stamped
    embeds = smolvlm.prompt_embeds(parts)
    assert embeds.shape[1] == inputs[0].shape[1]  # same length, so the same 1-D positions
    with torch.inference_mode():
        ours = smolvlm.model(inputs_embeds=embeds).logits[0]  # (L, V): every position
    theirs = library_logits(smolvlm, inputs)
    first = float((ours[-1] - theirs[-1]).abs().max())  # the first generated token's logits
    every = float((ours - theirs).abs().max())
    print(
        f"3 stamped frames, L={embeds.shape[1]}: "
        f"max |diff| first token {first:.1e}, all positions {every:.1e}"
    )
    assert first < ATOL and every < ATOL


def test_a_run_of_frames_matches_library(smolvlm, feats, encoded) -> None:  # type: ignore[no-untyped-def]
    """Frames back to back, then the question: the turn opens with an image ("User:")."""
    parts = [f.tokens.reshape(TOKENS, 64) for f in feats] + [QUESTION]
    text = expand(template_text(smolvlm, [None, None, None, QUESTION]))
    ids = torch.tensor([smolvlm.tokenizer(text, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        ours = smolvlm.model(inputs_embeds=smolvlm.prompt_embeds(parts)).logits[0]
    diff = float((ours - library_logits(smolvlm, (ids, None, None), encoded)).abs().max())
    print(f"a run of 3 frames, L={ours.shape[0]}: max |diff| all positions {diff:.1e}")
    assert diff < ATOL


def test_greedy_generate_streams_the_librarys_greedy_text(smolvlm, stamped) -> None:  # type: ignore[no-untyped-def]
    parts, (ids, pixels, mask) = stamped
    pieces = list(smolvlm.generate(parts, max_new_tokens=8))
    assert len(pieces) > 1 and all(pieces)
    with torch.inference_mode():
        out = smolvlm.model.generate(
            input_ids=ids,
            pixel_values=pixels,
            pixel_attention_mask=mask,
            max_new_tokens=8,
            do_sample=False,
        )
    expected = smolvlm.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    assert "".join(pieces) == expected


def test_generate_stops_before_a_stop_string(smolvlm, stamped) -> None:  # type: ignore[no-untyped-def]
    parts = stamped[0]
    full = "".join(smolvlm.generate(parts, max_new_tokens=8))
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    cut = "".join(smolvlm.generate(parts, max_new_tokens=8, stop=[stop]))
    assert cut == full[: full.find(stop)]


def answered_ids(smolvlm, content, answer: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The expanded ids of the chat template's conversation: the user turn, then `answer`."""
    items = [{"type": "image"} if c is None else {"type": "text", "text": c} for c in content]
    messages = [
        {"role": "user", "content": items},
        {"role": "assistant", "content": [{"type": "text", "text": answer}]},
    ]
    text = smolvlm.tokenizer.apply_chat_template(messages, tokenize=False)
    ids: list[int] = smolvlm.tokenizer(expand(text), add_special_tokens=False)["input_ids"]
    return ids


def test_option_logprob_scores_the_answer_as_the_template_writes_it(
    smolvlm, stamped, encoded
) -> None:  # type: ignore[no-untyped-def]
    """The generation prompt ends "Assistant:" and the template writes "Assistant: Yes": the
    answer's tokens are those after the prompt in the template's own conversation."""
    parts, (ids, pixels, mask) = stamped
    content = ["[0:05]", None, "[0:20]", None, "[0:40]", None, "\n" + QUESTION]
    end = smolvlm.tokenizer.convert_tokens_to_ids("<end_of_utterance>")
    options = ["Yes", "No", "rabbit", "gate seven", "B."]
    ours = [smolvlm.option_logprob(parts, o) for o in options]
    theirs = []
    for option in options:
        full = answered_ids(smolvlm, content, option)
        assert full[: ids.shape[1]] == ids[0].tolist()  # the prompt is the template's
        opt = full[ids.shape[1] : full.index(end, ids.shape[1])]
        assert opt == smolvlm.answer_ids(option) == smolvlm.kv_text(option)[0].tolist()  # kv too
        assert opt != smolvlm.tokenizer(option, add_special_tokens=False)["input_ids"]
        logits = library_logits(smolvlm, (torch.tensor([full]), pixels, mask), encoded)
        logp = torch.log_softmax(logits[ids.shape[1] - 1 :].float(), dim=-1)
        theirs.append(float(logp[torch.arange(len(opt)), torch.tensor(opt)].sum()))
    np.testing.assert_allclose(ours, theirs, atol=ATOL)


def test_the_comparison_has_teeth(smolvlm, stamped, encoded) -> None:  # type: ignore[no-untyped-def]
    """Frames out of order, or a frame one position early, move the logits far past ATOL."""
    parts, inputs = stamped
    theirs = library_logits(smolvlm, inputs, encoded)
    swapped = smolvlm.prompt_embeds([parts[0], parts[3], parts[2], parts[1], *parts[4:]])
    shifted = smolvlm.prompt_embeds(parts).clone()  # a plain tensor, writable here
    at = int((inputs[0][0] == smolvlm.image_token_id).nonzero()[0])  # first image position
    shifted[0, at - 1 : at + TOKENS] = shifted[0, at - 1 : at + TOKENS].roll(-1, 0)
    with torch.inference_mode():
        for embeds in (swapped, shifted):
            ours = smolvlm.model(inputs_embeds=embeds).logits[0]
            assert float((ours - theirs).abs().max()) > 100 * ATOL


def test_user_text_cannot_add_image_blocks_and_pooled_frames_fit(smolvlm) -> None:  # type: ignore[no-untyped-def]
    items, frames = smolvlm.content(["look <image><global-img>here", ""])
    assert items == ["look here"] and frames == []
    dim = smolvlm.info.dim
    full = smolvlm.prompt_embeds(["[0:01]", np.zeros((8, 8, dim), np.float32), "what?"])
    pooled = smolvlm.prompt_embeds(["[0:01]", np.zeros((4, 4, dim), np.float32), "what?"])
    assert full.shape[1] - pooled.shape[1] == 64 - 16  # a pooled level's frame is shorter
    with pytest.raises(ValueError):
        smolvlm.prompt_embeds([np.zeros((8, 8, dim + 1), np.float32)])  # another space


def test_a_folder_without_a_model_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="not a model folder"):
        SmolVLM2.load(tmp_path)


def test_a_model_id_not_in_the_cache_names_the_download(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(ModelMissingError, match="SmolVLM2 .*hf download nobody/smol-nothing"):
        SmolVLM2.load("nobody/smol-nothing")


def test_another_architecture_is_refused(tmp_path: Path) -> None:
    from transformers import Qwen2Config

    Qwen2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2).save_pretrained(
        tmp_path
    )
    with pytest.raises(UnsupportedModelError, match="'qwen2' model, not SmolVLM2"):
        SmolVLM2.load(tmp_path)


def test_published_sizes() -> None:
    for family in SMOLVLM2:
        assert family.patch_grid == 32 and family.frame_grid == GRID
        assert family.tokens_per_frame == TOKENS
        assert family.lm_hidden == family.lm_heads * 64  # head_dim 64 in both
        assert family.lm_heads % family.lm_kv_heads == 0


def test_the_fixture_is_a_checkpoint_folder_the_loader_dispatches(tiny_smolvlm: Path) -> None:
    from models.vlm.loader import load_vlm

    config = json.loads((tiny_smolvlm / "config.json").read_text())
    assert config["model_type"] == "smolvlm" and config["scale_factor"] == 4
    assert sum(p.stat().st_size for p in tiny_smolvlm.iterdir()) < 1_500_000
    assert isinstance(load_vlm(tiny_smolvlm), SmolVLM2)


def test_the_vlm_backend_answers_through_smolvlm2(smolvlm, demo_frames) -> None:  # type: ignore[no-untyped-def]
    from streamer.memory.timeline import Timeline
    from streamer.reasoning.backend import Context
    from streamer.reasoning.question import parse_question
    from streamer.reasoning.vlm import VlmBackend, model_prompt
    from tests.models.vlm.test_vlm_backend import ASKED_AT, view_of

    ctx = Context(Timeline(), view_of(smolvlm, demo_frames))
    backend = VlmBackend(smolvlm, max_tokens=6)
    q = parse_question("What is shown in the video?", ASKED_AT)
    parts, _ = model_prompt(smolvlm, q, backend.fed_frames(q, ctx), [])
    assert sum(isinstance(p, np.ndarray) for p in parts) == len(demo_frames)
    assert "\nFrame from 00:05:" in parts and str(parts[0]).startswith("You are provided")
    assert "".join(backend.respond(q, ctx)) == "".join(smolvlm.generate(parts, 6)).lstrip()
    choice = parse_question("What is in view?", ASKED_AT, ["a rabbit", "a gate", "a bird"])
    reply = backend.respond(choice, ctx)
    list(reply)
    assert reply.grounds.option_index in (0, 1, 2)


def test_video_parts_are_what_the_processor_writes_for_a_video(smolvlm) -> None:  # type: ignore[no-untyped-def]
    """Intro, "Frame from MM:SS:" lines and outro as SmolVLMProcessor expands a video."""
    from types import SimpleNamespace

    from transformers.models.smolvlm.processing_smolvlm import SmolVLMProcessor
    from transformers.video_utils import VideoMetadata

    times = [3.0, 65.5, 125.0]  # frames 2 fps apart would be indices 6, 131, 250
    meta = VideoMetadata(300, fps=2.0, duration=130.0, frames_indices=[6, 131, 250])
    names = SimpleNamespace(
        image_seq_len=TOKENS,
        image_token="<image>",
        fake_image_token="<fake_token_around_image>",
        global_image_token="<global-img>",
    )
    video = {"pixel_values": torch.zeros(1, len(times), 3, 2, 2), "video_metadata": [meta]}
    library = SmolVLMProcessor.replace_video_token(names, video, 0)
    blank = np.zeros((GRID, GRID, smolvlm.info.dim), np.float32)
    parts = smolvlm.video_parts([(t, blank) for t in times], 130.0)
    block = IMAGE_BLOCK.replace("<image>", "<image>" * TOKENS)  # the 64 positions
    ours = "".join(p if isinstance(p, str) else block for p in parts)
    assert ours == library
    assert "three frames" in ours and "Frame from 02:05:" in ours
