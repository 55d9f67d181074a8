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

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from models.vlm import decoding
from models.vlm.adapter import Adapter, Layout
from models.vlm.base import Part, TimedTokens, as_token_rows
from models.vlm.checkpoint import Family
from models.vlm.families import SMOLVLM2_256M, SMOLVLM2_500M

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


class SmolVLM2(Adapter):
    """A loaded SmolVLM2 checkpoint; build it with `SmolVLM2.load`."""

    MODEL_CLASS = "SmolVLMForConditionalGeneration"
    DEFAULT_SYSTEM = None  # SmolVLM2's own examples send none
    GENERATION_PROMPT = GENERATION_PROMPT
    # Its generation prompt ends "Assistant:" and an assistant message is written
    # "Assistant: " + text, so an answer's first token carries the space (SmolLM2's
    # " Yes", not "Yes": another token, with another probability).
    ANSWER_PREFIX = " "
    END_TOKENS = ("<end_of_utterance>",)

    def __init__(
        self, model: Any, tokenizer: Any, processor: Any, name: str, system: str | None
    ) -> None:
        super().__init__(model, tokenizer, processor, name, system)
        config = model.config
        vision = config.vision_config
        self._input_size = int(vision.image_size)
        sampling = getattr(processor, "video_sampling", None) or {}
        video_size = sampling.get("video_size", {}).get("longest_edge", self._input_size)
        self._video_edge = int(video_size)  # px: a frame's longest edge before squashing
        self.image_token_id = self.placeholder_id = int(config.image_token_id)
        # the tokenizer's name for the config's image token id (published: "<image>")
        image = str(tokenizer.convert_ids_to_tokens(self.image_token_id))
        self._image_block = IMAGE_BLOCK.replace("<image>", image)
        self._blocked = tuple(dict.fromkeys((*BLOCKED, image)))

    @classmethod
    def space_prefix(cls) -> str:
        return "smolvlm2"

    def _grid(self) -> tuple[int, int]:
        config = self._model.config
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
        return side, side

    # ---- encoder -------------------------------------------------------------------------

    def pixels(self, images: Sequence[np.ndarray]) -> Any:
        """(B, 3, S, S) float32 tensor: each frame as the video processor prepares one.

        The image processor without tiling, its first resize set to the video size:
        longest edge to 512 px keeping the aspect, then squashed to S x S. (Its own
        default first resize is to 2048 px, the image path, not the video one.)
        """
        out = self._proc(
            images=[[image] for image in images],  # one sample per frame: no padding images
            do_image_splitting=False,
            size={"longest_edge": self._video_edge},
            max_image_size={"longest_edge": self._input_size},
            return_tensors="pt",
        )
        return out["pixel_values"][:, 0]  # (B, 1 image, 3, S, S) -> (B, 3, S, S)

    def _frame_tokens(self, images: Sequence[np.ndarray]) -> Any:
        """(b, h*w, D): each frame as one untiled image through the tower and connector."""
        import torch

        batch = self.pixels(images).to(self._model.device, self._model.dtype)[:, None]
        feats = self._model.model.get_image_features(pixel_values=batch).pooler_output
        return torch.stack(feats)  # (b, 1 image, 3, S, S) -> (b, h*w, D)

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

    def _layout(self, parts: Sequence[Part], times: Sequence[float] | None) -> Layout:
        """The rendered user turn, its content plain text but for the image blocks (an OCR
        line saying "<end_of_utterance>" stays words), and each image's rows."""
        items, frames = self.content(parts)
        text = render_turn(items, self.system, self._image_block)
        body = "".join(self._image_block if i is None else i for i in items)
        return Layout(self._plain(text, body), list(frames))

    def _plain(self, text: str, body: str) -> list[int]:
        """Ids of `text`, its user content `body` read as plain text but for image blocks."""
        if body and not body.startswith(self._image_block):
            body = " " + body  # "User: " + text: the space goes with the first word
        return decoding.turn_ids(self._tok, text, body, [self._image_block])

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
