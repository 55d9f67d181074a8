"""SmolVLM2 (SigLIP vision tower, pixel shuffle, Llama LM) behind `VisionLanguageModel`.

Frames are encoded the way SmolVLM2's video processor encodes a video frame:
the longest edge resized to the video size (512 px), then the frame squashed to
the tower's square input (512 x 512; no tiling), normalised; vision tower (32 x
32 patches of 16 px), pixel shuffle by the scale factor (4: each 4 x 4 block of
patches becomes one token of 16 x the width), one bias-free linear map into the
LM's embedding space: 8 x 8 = 64 tokens of D = LM hidden size
(`SmolVLMModel.get_image_features`).

A prompt is one user turn written as the family's chat template writes it
(`<|im_start|>User: ...<end_of_utterance>\\nAssistant:`). Every visual part is
one unsplit image, as the processor expands an image that was not tiled and as
its video path writes each frame:
`<fake_token_around_image><global-img>` + 64 x `<image>` + `<fake_token_around_image>`;
the 64 `<image>` positions take the frame's tokens in `inputs_embeds`, where the
model's `forward` would scatter its own image features. Frames in a run are
written back to back, as consecutive image items are; the processor's video
intro and "Frame from MM:SS:" lines are text a caller may write itself.

Weights are read only from a local folder or the Hugging Face cache
(`local_files_only=True`); nothing is downloaded here.

Example:
    >>> vlm = SmolVLM2.load("HuggingFaceTB/SmolVLM2-256M-Video-Instruct")  # doctest: +SKIP
    >>> vlm.info.grid, vlm.info.dim  # doctest: +SKIP
    ((8, 8), 576)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from models.protocols import EncoderInfo, FrameFeatures
from models.vlm import decoding
from models.vlm.base import Part, TimedTokens, answer_ids, as_token_rows, frames_per_pass
from models.vlm.checkpoint import Family, load_parts, locate
from models.vlm.families import SMOLVLM2_256M, SMOLVLM2_500M
from models.vlm.kv_decoder import KvDecoder
from models.vlm.llava_onevision import _features

__all__ = ["IMAGE_BLOCK", "MODEL_TYPE", "SmolVLM2", "render_turn", "video_prompt"]

MODEL_TYPE = "smolvlm"  # config.json "model_type" of the SmolVLM2 checkpoints
# One unsplit image as SmolVLMProcessor writes it, with one `<image>` standing for its
# 64 (image_seq_len) token positions: the adapter splices the frame's rows there.
IMAGE_BLOCK = "<fake_token_around_image><global-img><image><fake_token_around_image>"
# Strings user text may not carry: each would add or break an image block.
# Other chat-control strings ("<end_of_utterance>", "<|im_start|>") stay, read as plain text.
BLOCKED = ("<image>", "<fake_token_around_image>", "<global-img>")
# The kv memory's stream opening: SmolVLM2's video intro without its count and length.
KV_INTRO = "You are provided the following series of frames from a video."
GENERATION_PROMPT = "Assistant:"  # what the template adds for the answer


def render_turn(
    items: Sequence[str | None], system: str | None = None, image_block: str = IMAGE_BLOCK
) -> str:
    """The chat-template text of one user turn, ready for the answer.

    `items` is the turn's content in order: a text, or None for an image, which is
    written as `image_block` (`IMAGE_BLOCK` with the checkpoint's image token). The
    template puts ": " after the role, or ":" alone when the content opens with an
    image (SmolVLM2's chat_template.jinja).
    """
    head = f"System: {system}<end_of_utterance>\n" if system else ""
    colon = ":" if items and items[0] is None else ": "
    body = "".join(image_block if item is None else item for item in items)
    return f"<|im_start|>{head}User{colon}{body}<end_of_utterance>\n{GENERATION_PROMPT}"


def video_prompt(times: Sequence[float], duration: float) -> list[str]:
    """The texts around a video's frames, as SmolVLM2's processor writes them.

    [intro, one "\nFrame from MM:SS:" per frame, outro]: the intro names the
    frame count in words and the duration as H:MM:SS (`DEFAULT_VIDEO_INTRO`),
    stamps are whole minutes and seconds (`FRAME_TIMESTAMP_MESSAGE`), the outro
    a blank line (`DEFAULT_MEDIA_OUTTRO`).
    """
    from num2words import num2words

    intro = (
        f"You are provided the following series of {num2words(len(times))} frames "
        f"from a {timedelta(seconds=int(duration))} [H:MM:SS] video.\n"
    )
    stamps = [f"\nFrame from {int(t // 60):02d}:{int(t % 60):02d}:" for t in times]
    return [intro, *stamps, "\n\n"]


class SmolVLM2(KvDecoder):
    """A loaded SmolVLM2 checkpoint; build it with `SmolVLM2.load`."""

    def __init__(
        self, model: Any, tokenizer: Any, processor: Any, name: str, system: str | None
    ) -> None:
        self._model, self._tok, self._proc = model, tokenizer, processor
        self.name, self.system = name, system
        config = model.config
        vision = config.vision_config
        # Pixel shuffle keeps the patch grid's layout: token (r, c) of the output is the
        # 4 x 4 block of patches at rows 4r..4r+3, cols 4c..4c+3, in row-major order, so
        # (side, side) is the spatially right arrangement (tests/models/vlm/test_smolvlm.py).
        # Pooling that grid (a memory strategy merging 2 x 2 tokens) is spatially meaningful:
        # grid neighbours are frame neighbours (64 x 64 px blocks of the 512 x 512 input).
        # And as the connector is one bias-free linear map, the mean of projected tokens is
        # the projection of the slot-wise mean of their patches. But the LM was trained on
        # unpooled tokens only (unlike LLaVA-OneVision's 2 x 2 pooled video tokens), so a
        # pooled token is a blend it never saw: memories keep its frames whole
        # (`EncoderInfo.read_by_lm`, `streamer.memory.registry.scaled_grids`).
        side = (vision.image_size // vision.patch_size) // config.scale_factor  # 32 // 4 = 8
        dim = config.text_config.hidden_size
        self._info = EncoderInfo(f"smolvlm2:{name}", dim, (side, side), read_by_lm=True)
        self._input_size = int(vision.image_size)
        sampling = getattr(processor, "video_sampling", None) or {}
        video_size = sampling.get("video_size", {}).get("longest_edge", self._input_size)
        self._video_edge = int(video_size)  # px: a frame's longest edge before squashing
        self.image_token_id = int(config.image_token_id)
        # the tokenizer's name for the config's image token id (published: "<image>")
        image = str(tokenizer.convert_ids_to_tokens(self.image_token_id))
        self._image_block = IMAGE_BLOCK.replace("<image>", image)
        self._blocked = tuple(dict.fromkeys((*BLOCKED, image)))
        stops = {tokenizer.convert_tokens_to_ids("<end_of_utterance>"), tokenizer.eos_token_id}
        self._stop_ids = {int(i) for i in stops if isinstance(i, int) and i >= 0}

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        path_or_id: str | Path,
        device: str = "cpu",
        system: str | None = None,
        dtype: str = "float32",
    ) -> SmolVLM2:
        """Load a checkpoint from a local folder or the Hugging Face cache.

        `dtype`: a torch float type name (float32 on a CPU; bfloat16/float16 on a GPU).

        `system`: an optional system line; SmolVLM2's own examples send none.

        Raises:
            ModelMissingError: not a folder with a model, and not in the cache.
            UnsupportedModelError: a model of another architecture.
        """
        from transformers import SmolVLMForConditionalGeneration

        ckpt, _ = locate(path_or_id, FAMILY)
        model, tokenizer, processor = load_parts(
            ckpt, SmolVLMForConditionalGeneration, FAMILY, device, dtype
        )
        return cls(model, tokenizer, processor, ckpt.name, system)

    @property
    def model(self) -> Any:
        """The transformers `SmolVLMForConditionalGeneration` (for tests and benches)."""
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The checkpoint's tokenizer."""
        return self._tok

    # ---- encoder -------------------------------------------------------------------------

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def pixels(self, images: Sequence[np.ndarray]) -> Any:
        """(B, 3, S, S) float32 tensor: each frame as the video processor prepares one.

        The image processor without tiling, its first resize set to the video size:
        longest edge to 512 px keeping the aspect, then squashed to S x S. (Its own
        default first resize is to 2048 px, the image path, not the video one.)
        """
        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        out = self._proc(
            images=[[image] for image in images],  # one sample per frame: no padding images
            do_image_splitting=False,
            size={"longest_edge": self._video_edge},
            max_image_size={"longest_edge": self._input_size},
            return_tensors="pt",
        )
        return out["pixel_values"][:, 0]  # (B, 1 image, 3, S, S) -> (B, 3, S, S)

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Frames to (8, 8, D) tokens in the LM's embedding space, as the LM reads them."""
        import torch

        if not images:
            return []
        h, w = self._info.grid
        out: list[FrameFeatures] = []
        with torch.inference_mode():
            pixels = self.pixels(images).to(self._model.device, self._model.dtype)
            step = frames_per_pass(self._model)
            for start in range(0, len(images), step):
                batch = pixels[start : start + step, None]  # (b, 1 image, 3, S, S)
                feats = self._model.model.get_image_features(pixel_values=batch).pooler_output
                tokens = torch.stack(feats).float().cpu().numpy()  # (b, h*w, D)
                for row in tokens.reshape(len(tokens), h, w, -1):
                    out.append(_features(np.ascontiguousarray(row), self._info.space))
        return out

    # ---- prompts -------------------------------------------------------------------------

    def content(self, parts: Sequence[Part]) -> tuple[list[str | None], list[np.ndarray]]:
        """The turn's items for `render_turn` (None: an image) and each image's (n, D) rows.

        A whole frame is 64 rows; a memory level that pooled it gives fewer (4x4 = 16),
        read in the same place between the frame's markers.
        """
        items: list[str | None] = []
        frames: list[np.ndarray] = []
        for part in parts:
            if isinstance(part, str):
                for token in self._blocked:
                    part = part.replace(token, "")
                if part:  # an empty text is no item (the template would see one)
                    items.append(part)
                continue
            rows = as_token_rows(np.asarray(part, np.float32), self._info.dim)
            items.append(None)
            frames.append(rows)
        return items, frames

    def _turn_ids(self, parts: Sequence[Part]) -> list[int]:
        """Ids of the rendered user turn: its content plain text but for the image blocks
        (an OCR line saying "<end_of_utterance>" stays words and cannot end the turn)."""
        items = self.content(parts)[0]
        text = render_turn(items, self.system, self._image_block)
        return self._plain(text, "".join(self._image_block if i is None else i for i in items))

    def _plain(self, text: str, body: str) -> list[int]:
        """Ids of `text`, its user content `body` read as plain text but for image blocks."""
        if body and not body.startswith(self._image_block):
            body = " " + body  # "User: " + text: the space goes with the first word
        return decoding.turn_ids(self._tok, text, body, [self._image_block])

    def _embeds(self, parts: Sequence[Part]) -> Any:
        """(1, L, D) inputs_embeds of the rendered user turn, frames spliced in."""
        import torch

        ids = torch.tensor(self._turn_ids(parts))
        frames = self.content(parts)[1]
        where = (ids == self.image_token_id).nonzero().flatten().tolist()
        if len(where) != len(frames):  # the tokenizer split "<image>": a broken checkpoint
            raise RuntimeError(f"{self.name}: {len(frames)} frames but {len(where)} placeholders")
        table = self._model.get_input_embeddings()
        pieces, start = [], 0
        with torch.inference_mode():
            for at, rows in zip(where, frames):
                pieces.append(table(ids[start:at].to(self._model.device)))
                pieces.append(torch.tensor(rows).to(table.weight.device, table.weight.dtype))
                start = at + 1
            pieces.append(table(ids[start:].to(self._model.device)))
            return torch.cat(pieces)[None]  # (1, L, D)

    def prompt_ids(self, parts: Sequence[Part]) -> list[int]:
        """The turn's ids with each `<image>` expanded as the processor expands an untiled
        image: one per frame row (what `generate` feeds, as ids)."""
        rows = iter(len(f) for f in self.content(parts)[1])
        out: list[int] = []
        for i in self._turn_ids(parts):
            out += [i] * (next(rows) if i == self.image_token_id else 1)
        return out

    def prompt_embeds(self, parts: Sequence[Part]) -> Any:
        """What `generate` feeds the LM for `parts`: (1, L, D) float tensor (for tests, benches)."""
        return self._embeds(parts)

    def prompt_inputs(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """What `generate` feeds the LM: (1, L, D) inputs_embeds, and None for its positions
        (the model's own 1-D ones; `times` is not read)."""
        return self._embeds(parts), None

    # ---- generation ----------------------------------------------------------------------

    def video_parts(self, frames: Sequence[TimedTokens], duration: float) -> list[Part]:
        """The frames as SmolVLM2's video processor writes a video of them.

        "You are provided the following series of three frames from a 0:01:12
        [H:MM:SS] video.", then "\nFrame from MM:SS:" before each frame's image
        block, then a blank line (`video_prompt`), with the frames' own stream times.
        """
        texts = video_prompt([t for t, _ in frames], duration)
        parts: list[Part] = [texts[0]]
        for stamp, (_, tokens) in zip(texts[1:], frames):
            parts += [stamp, tokens]
        parts.append(texts[-1])
        return parts

    def generate(
        self,
        parts: Sequence[Part],
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        times: Sequence[float] | None = None,
    ) -> Iterator[str]:
        """Greedy decoding with a KV cache; yields text as it is complete (whole characters).

        `times` is not read: 1-D RoPE positions carry no time (the "Frame from" lines do).
        """
        embeds = self._embeds(parts)
        yield from decoding.greedy_pieces(
            self._model, self._tok, embeds, self._stop_ids, max_new_tokens, stop
        )

    def option_logprob(
        self, parts: Sequence[Part], option_text: str, times: Sequence[float] | None = None
    ) -> float:
        """Sum log-probability of the answer `option_text`, as the chat template writes it."""
        return decoding.option_logprob(
            self._model, self._embeds(parts), self.answer_ids(option_text)
        )

    def answer_ids(self, text: str) -> list[int]:
        """The tokens the template writes for the assistant message `text`.

        Its generation prompt ends "Assistant:" and an assistant message is written
        "Assistant: " + text, so an answer's first token carries the space (SmolLM2's
        " Yes", not "Yes": another token, with another probability).
        """
        return answer_ids(self._tok, GENERATION_PROMPT, " " + text)

    # ---- KV cache, block by block (models/vlm/kv.py) ----------------------------------
    # A stream is one video after the sinks: the turn's start and a count-free intro
    # (a live stream knows neither its frame count nor its length), then per frame
    # its block "\nFrame from MM:SS:" + image block, as `video_prompt` writes a frame,
    # then the tail: a blank line, the question, the assistant turn's opening.

    def _kv_lm(self) -> Any:
        return self._model.model.text_model

    def _kv_ids(self, text: str) -> list[int]:
        ids: list[int] = self._tok(text, add_special_tokens=False)["input_ids"]
        return ids

    def kv_head(self) -> np.ndarray:
        turn = render_turn([KV_INTRO, "\n\n"], self.system)
        return self._kv_embed(self._kv_ids(turn[: turn.index(KV_INTRO) + len(KV_INTRO)]))

    def kv_tail(self, question: str) -> np.ndarray:
        for token in self._blocked:
            question = question.replace(token, "")
        turn = render_turn([KV_INTRO, "\n\n" + question], self.system)
        tail = turn[turn.index(KV_INTRO) + len(KV_INTRO) :]
        return self._kv_embed(decoding.turn_ids(self._tok, tail, question, []))

    def kv_frame_rows(self, tokens: np.ndarray, t: float) -> np.ndarray:
        import torch

        stamp = video_prompt([t], t)[1]  # "\nFrame from MM:SS:"
        ids = torch.tensor(self._kv_ids(stamp + self._image_block))
        at = int((ids == self.image_token_id).nonzero().flatten()[0])
        rows = as_token_rows(np.asarray(tokens, np.float32), self._info.dim)
        return np.concatenate([self._kv_embed(ids[:at]), rows, self._kv_embed(ids[at + 1 :])])


FAMILY = Family(
    label="SmolVLM2",
    model_type=MODEL_TYPE,
    adapter=SmolVLM2,
    vision_part="vision_model",
    published=(SMOLVLM2_256M.model_id, SMOLVLM2_500M.model_id),
    shapes=(("smolvlm2-256m", SMOLVLM2_256M), ("smolvlm2-500m", SMOLVLM2_500M)),
    random="models.vlm.synthetic_families:random_smolvlm",
)
