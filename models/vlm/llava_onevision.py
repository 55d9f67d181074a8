"""LLaVA-OneVision (SigLIP vision tower, Qwen2 LM with 1-D RoPE) behind `VisionLanguageModel`.

Frames are encoded the way the model encodes a video: the whole frame resized
to the tower's square input (no tiling), vision tower, projector into the LM's
embedding space, then the model's own 2x2 bilinear pooling
(`get_video_features`): 27x27 patches -> 14x14 tokens of D = LM hidden size for
the published checkpoints.

A prompt is rendered the way the family's chat template renders one user turn
(`<|im_start|>user\\n<video>\\n...<|im_end|>\\n<|im_start|>assistant\\n`, with the
system line of LLaVA-OneVision's own conversation format first): the template
writes a turn's videos first and its texts after them, so every visual part of a
prompt is a frame of its one video, whatever text stood between, and the texts
follow in order. The `<video>` placeholder is replaced in `inputs_embeds` by the
frames' tokens back to back, then the learned `image_newline` embedding once,
exactly where and how the model's `forward` places the features of an expanded
`<video>` (n_frames x 196 + 1 placeholders). The placeholder's string is the
tokenizer's name for `config.video_token_id`, whatever the tokenizer calls it.

Weights are read only from a local folder or the Hugging Face cache
(`local_files_only=True`); nothing is downloaded here.

Example:
    >>> vlm = LlavaOneVision.load("llava-hf/llava-onevision-qwen2-0.5b-ov-hf")  # doctest: +SKIP
    >>> vlm.info.grid, vlm.info.dim  # doctest: +SKIP
    ((14, 14), 896)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.vlm import decoding
from models.vlm.adapter import Adapter, Layout
from models.vlm.base import Part, TimedTokens, as_token_rows, clock
from models.vlm.checkpoint import Family
from models.vlm.families import LLAVA_ONEVISION_0_5B, LLAVA_ONEVISION_7B, LLAVA_ONEVISION_TINY

__all__ = ["DEFAULT_SYSTEM", "MODEL_TYPE", "LlavaOneVision", "render_turn"]

MODEL_TYPE = "llava_onevision"  # config.json "model_type"
# LLaVA-OneVision's conversation format ("qwen_1_5") and the check in transformers'
# conversion script both open with this system line.
DEFAULT_SYSTEM = "You are a helpful assistant."
GENERATION_PROMPT = "<|im_start|>assistant\n"  # what the template adds for the answer


def render_turn(body: str, system: str | None) -> str:
    """The chat-template text of one user turn whose content is `body`, ready for the answer.

    `body` already holds the video placeholder + "\\n" where the family's template
    writes a video item (before the texts); text parts are written as they are.
    """
    head = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    return f"{head}<|im_start|>user\n{body}<|im_end|>\n{GENERATION_PROMPT}"


class LlavaOneVision(Adapter):
    """A loaded LLaVA-OneVision checkpoint; build it with `LlavaOneVision.load`."""

    MODEL_CLASS = "LlavaOnevisionForConditionalGeneration"
    DEFAULT_SYSTEM = DEFAULT_SYSTEM
    GENERATION_PROMPT = GENERATION_PROMPT
    END_TOKENS = ("<|im_end|>",)

    def __init__(
        self, model: Any, tokenizer: Any, processor: Any, name: str, system: str | None
    ) -> None:
        super().__init__(model, tokenizer, processor, name, system)
        vision = model.config.vision_config
        self._input_size = (int(vision.image_size), int(vision.image_size))
        self.video_token_id = self.placeholder_id = int(model.config.video_token_id)
        # the placeholders' strings are the tokenizer's names for the config's ids: a
        # checkpoint's tokenizer need not set `video_token` (a Qwen2 tokenizer names its
        # pad `<|video_pad|>`)
        self.video_token = str(tokenizer.convert_ids_to_tokens(self.video_token_id))
        image = tokenizer.convert_ids_to_tokens(int(model.config.image_token_id))
        self._blocked = (self.video_token, str(image))  # never let user text add placeholders

    @classmethod
    def space_prefix(cls) -> str:
        return "llava-onevision"

    def _grid(self) -> tuple[int, int]:
        vision = self._model.config.vision_config
        side = math.ceil((vision.image_size // vision.patch_size) / 2)  # 2x2 pooling, rounded up
        return side, side

    # ---- encoder -------------------------------------------------------------------------

    def pixels(self, images: Sequence[np.ndarray]) -> Any:
        """(B, 3, S, S) float32 tensor: each whole frame resized to the tower's input, normalised.

        This is the image processor's base view (patch 0, the frame resized without
        tiling), which is also what the family's video processor makes of a frame;
        asking for the one grid point S x S keeps it from cutting high-res tiles.
        """
        out = self._proc(
            images=list(images), image_grid_pinpoints=[list(self._input_size)], return_tensors="pt"
        )
        return out["pixel_values"][:, 0]  # (B, n_views, 3, S, S) -> the base view

    def _frame_tokens(self, images: Sequence[np.ndarray]) -> Any:
        """(b, h*w, D): each frame a one-frame video, pooled 2x2, its newline dropped."""
        batch = self.pixels(images).to(self._model.device, self._model.dtype)[:, None]
        pooled = self._model.get_video_features(pixel_values_videos=batch).pooler_output
        return pooled[:, :-1]  # (b, h*w + 1, D): each one-frame "video" ends in the newline

    # ---- prompts -------------------------------------------------------------------------

    def _layout(self, parts: Sequence[Part], times: Sequence[float] | None) -> Layout:
        """The rendered user turn (its one video, then its texts) and the video's block:
        the frames' rows back to back, then the learned `image_newline` once."""
        import torch

        frames = [
            as_token_rows(np.asarray(p, np.float32), self._info.dim)
            for p in parts
            if not isinstance(p, str)
        ]
        body = "".join(self._clean(p) for p in parts if isinstance(p, str))
        if frames:  # where the template writes a video item: before every text
            body = self.video_token + "\n" + body
        text = render_turn(body, self.system)
        ids = decoding.turn_ids(self._tok, text, body, [self.video_token])
        if not frames:
            return Layout(ids, [])
        newline = self._model.model.image_newline[None, :]  # (1, D)
        rows = torch.from_numpy(np.concatenate(frames)).to(newline.device, newline.dtype)
        return Layout(ids, [torch.cat([rows, newline])])

    def _clean(self, text: str) -> str:
        """`text` without the placeholder strings (user text must not add a video)."""
        for token in self._blocked:
            text = text.replace(token, "")
        return text

    # ---- generation ----------------------------------------------------------------------

    def video_parts(self, frames: Sequence[TimedTokens], duration: float) -> list[Part]:
        """The frames back to back (one video), then their times in words.

        The family writes a video with no stamps of its own; the line after it is
        LLaVA-Video's time instruction (the same group's video training: "The video
        lasts for ... seconds, and N frames are uniformly sampled from it. These
        frames are located at ..."), in the stream clock the timeline lines use.
        """
        if not frames:
            return []
        stamps = [clock(t) for t, _ in frames]
        at = stamps[0] if len(stamps) == 1 else ", ".join(stamps[:-1]) + " and " + stamps[-1]
        n = len(frames)
        line = (
            f"The video lasts {clock(duration)}, and {n} frame{'s' * (n != 1)} "
            f"{'are' if n != 1 else 'is'} taken from it, at {at}.\n"
        )
        return [*(tokens for _, tokens in frames), line]

    # ---- KV cache, block by block (models/vlm/kv.py) ----------------------------------

    def _turn(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """(L0, D) before and (Lq, D) after the one video of the turn [video, question].

        The split of what `_embeds` builds for [frames..., question]: the video's frames go
        between the two, and its closing newline embedding opens the tail.
        """
        import torch

        body = self.video_token + "\n" + self._clean(question)
        text = render_turn(body, self.system)
        ids = torch.tensor(decoding.turn_ids(self._tok, text, body, [self.video_token]))
        at = int((ids == self.video_token_id).nonzero().flatten()[0])
        table = self._model.get_input_embeddings()
        with torch.inference_mode():
            head = table(ids[:at].to(self._model.device))
            tail = torch.cat([self._model.model.image_newline[None], table(ids[at + 1 :])])
        return head.float().cpu().numpy(), tail.float().cpu().numpy()

    def kv_head(self) -> np.ndarray:
        return self._turn("")[0]

    def kv_tail(self, question: str) -> np.ndarray:
        return self._turn(question)[1]


FAMILY = Family(
    label="LLaVA-OneVision",
    model_type=MODEL_TYPE,
    adapter=LlavaOneVision,
    vision_part="vision_tower",
    published=(LLAVA_ONEVISION_0_5B.model_id, LLAVA_ONEVISION_7B.model_id),
    shapes=(
        ("llava-onevision-0.5b", LLAVA_ONEVISION_0_5B),
        ("llava-onevision-7b", LLAVA_ONEVISION_7B),
        ("tiny", LLAVA_ONEVISION_TINY),
    ),
    random="models.vlm.synthetic:random_llava",
)
