"""Qwen2.5-VL (windowed ViT, 2x2 merger, Qwen2.5 LM with 3-D M-RoPE) behind `VisionLanguageModel`.

What a frame is. The tower's first layer is a Conv3d over 2 frames x 14 x 14 px
(temporal patch 2): the model never reads one frame alone. Its image processor
fills the pair of a still image by repeating it; its video processor pairs
consecutive frames. Here one stream frame is one temporal step, the frame
repeated, exactly as the image processor makes a still image: `encode` stays one
`FrameFeatures` per frame, a memory keeps, drops or merges frames one by one,
and a run of N encoded frames is what the model makes of a video with each frame
doubled (`video_grid_thw = [N, H/14, W/14]`; attention and windows never cross a
temporal step, so encoding frames one by one or as one video is the same). A frame
costs what the video processor spends on a pair: at the default 252 x 448 px
input, 18 x 32 patches, merged 2x2 -> 9 x 16 = 144 tokens of D = LM hidden.

What size. The processor's own `smart_resize` picks the input size from the
stream's frame size: the frame's aspect kept, both sides multiples of 28 px, at
most `MAX_PIXELS` (252 x 448 px = 144 tokens, so no aspect costs more per frame
than a 16:9 one). A memory needs one grid for all its frames, so the size is the
stream's, not each frame's: chosen from `frame_size` when the model is built
(the demo's 640 x 360 until told otherwise) or by `fit_frame_size` once the
stream's size is known, before the memory reads `info.grid`; a frame of another
size is resized (bicubic) to it.

Positions. We compute the 3-D ids ourselves (`models.vlm.mrope`) and pass them as
`position_ids`: text advances by one; each run of visual parts (no text between:
one video) starts at the next position p; frame k's token (i, j) sits at
(p + tau_k, p + i, p + j); the text after goes on from the run's max + 1, as in
Qwen2.5-VL's own `get_rope_index` (the original; transformers 5.24 instead goes on
from p + max(h, w), ignoring tau: the two agree whenever tau stays below max(h, w),
and the decoding position, max + 1, is the same in both). tau_k is the frame's
stream time after the run's first frame, scaled by the vision config's
`tokens_per_second` (2 for the published models: one position per 0.5 s) and
truncated as the library truncates `k * tokens_per_second * second_per_grid_t`.
That is the absolute-time M-RoPE the model was trained with, so frames a memory
kept from arbitrary moments keep their true spacing, and frames a steady dt apart
get exactly the library's positions for `second_per_grid_ts = dt`. Without
`times`, frames are 1 s apart (the library's default second_per_grid_t = 1). Text
between frames (the vlm backend's "[0:05]" stamps) makes each frame its own
one-step video: time then comes from the stamps, and positions only increase.

Weights are read only from a local folder or the Hugging Face cache
(`local_files_only=True`); nothing is downloaded here.

Example:
    >>> vlm = Qwen25VL.load("Qwen/Qwen2.5-VL-3B-Instruct")  # doctest: +SKIP
    >>> vlm.info.grid, vlm.info.dim  # doctest: +SKIP
    ((9, 16), 2048)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from models.protocols import EncoderInfo
from models.vlm import decoding
from models.vlm.adapter import Adapter, Layout
from models.vlm.base import Part, TimedTokens, as_token_rows, clock
from models.vlm.checkpoint import Family
from models.vlm.families import QWEN2_5_VL_3B, QWEN2_5_VL_7B
from models.vlm.mrope import Segment, VisualRun, position_ids, temporal_offsets
from models.vlm.qwen2_5_vl_kv import QwenKv

__all__ = [
    "DEFAULT_SYSTEM",
    "FRAME_SIZE",
    "INPUT_SIZE",
    "MAX_PIXELS",
    "MODEL_TYPE",
    "Qwen25VL",
    "input_size_for",
    "render_turn",
]

MODEL_TYPE = "qwen2_5_vl"  # config.json "model_type"
# The system line Qwen2.5-VL's chat template writes when a conversation has none.
DEFAULT_SYSTEM = "You are a helpful assistant."
GENERATION_PROMPT = "<|im_start|>assistant\n"  # what the template adds for the answer
FRAME_SIZE = (360, 640)  # px (H, W) of a stream's frames until told: the demo clip's
# px a frame at most: 144 merged tokens of 28 x 28 px, what a 16:9 frame costs
MAX_PIXELS = 252 * 448
MIN_PIXELS = 56 * 56  # px a frame at least: the processor's default
INPUT_SIZE = (252, 448)  # px (H, W) for FRAME_SIZE: 18 x 32 patches of 14 px -> 9 x 16 tokens
VISION_START, VIDEO_PAD, VISION_END = "<|vision_start|>", "<|video_pad|>", "<|vision_end|>"
# strings user text may not carry: each would open, close or fill a vision block
_BLOCKED = (VISION_START, VISION_END, VIDEO_PAD, "<|image_pad|>", "<|vision_pad|>")


def input_size_for(frame_size: tuple[int, int], side: int = 28) -> tuple[int, int]:
    """(H, W) px the model reads a stream of `frame_size` (H, W) px frames at.

    The processor's `smart_resize`: the aspect kept, multiples of `side` px (patch 14 x
    merge 2), between `MIN_PIXELS` and `MAX_PIXELS`; 360 x 640 -> 252 x 448.
    """
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    height, width = frame_size
    if min(height, width) <= 0 or max(height, width) > 200 * min(height, width):
        raise ValueError(f"Qwen2.5-VL cannot read {width}x{height} px frames; use another video.")
    size = smart_resize(height, width, factor=side, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS)
    return int(size[0]), int(size[1])


def render_turn(body: str, system: str | None) -> str:
    """The chat-template text of one user turn whose content is `body`, ready for the answer.

    `body` already holds `<|vision_start|><|video_pad|><|vision_end|>` where the template
    writes a video item (one pad per video, before expansion).
    """
    head = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    return f"{head}<|im_start|>user\n{body}<|im_end|>\n{GENERATION_PROMPT}"


class Qwen25VL(QwenKv, Adapter):
    """A loaded Qwen2.5-VL checkpoint; build it with `Qwen25VL.load`."""

    MODEL_CLASS = "Qwen2_5_VLForConditionalGeneration"
    DEFAULT_SYSTEM = DEFAULT_SYSTEM
    GENERATION_PROMPT = GENERATION_PROMPT
    END_TOKENS = ("<|im_end|>", "<|endoftext|>")

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        processor: Any,
        name: str,
        system: str | None,
        frame_size: tuple[int, int] = FRAME_SIZE,
        input_size: tuple[int, int] | None = None,
    ) -> None:
        """`frame_size`: (H, W) px of the stream's frames, the input size follows it;
        `input_size`: (H, W) px to read every frame at instead (multiples of 28 px)."""
        vision = model.config.vision_config
        self._patch, self._merge = int(vision.patch_size), int(vision.spatial_merge_size)
        side = self._patch * self._merge  # 28 px per merged token
        if input_size is None:
            input_size = input_size_for(frame_size, side)
        if input_size[0] % side or input_size[1] % side or min(input_size) <= 0:
            raise ValueError(f"input_size must be multiples of {side} px, not {input_size}")
        self.input_size = input_size  # before the base reads the grid from it
        super().__init__(model, tokenizer, processor, name, system)
        self.tokens_per_second = float(vision.tokens_per_second)
        self.video_token_id = self.placeholder_id = int(model.config.video_token_id)
        # the video item as the template writes it, named by the tokenizer from the config's ids
        start = _token(tokenizer, model.config, "vision_start_token_id", VISION_START)
        end = _token(tokenizer, model.config, "vision_end_token_id", VISION_END)
        pad = _token(tokenizer, model.config, "video_token_id", VIDEO_PAD)
        self._video_item = f"{start}{pad}{end}"
        self._blocked = tuple(dict.fromkeys((*_BLOCKED, start, pad, end)))

    @classmethod
    def space_prefix(cls) -> str:
        return "qwen2.5-vl"

    def _grid(self) -> tuple[int, int]:
        side = self._patch * self._merge
        return self.input_size[0] // side, self.input_size[1] // side

    def fit_frame_size(self, height: int, width: int) -> EncoderInfo:
        """Read a stream of `height` x `width` px frames at its own aspect (`input_size_for`);
        the new `info`. Frames encoded before and after have different grids: call it once
        the stream's frame size is known, before a memory reads `info.grid`."""
        self.input_size = input_size_for((height, width), self._patch * self._merge)
        self._info = replace(self._info, grid=self._grid())
        return self._info

    # ---- encoder -------------------------------------------------------------------------

    @property
    def patch_grid(self) -> tuple[int, int]:
        """(H/14, W/14) patches of a frame: its `video_grid_thw` row is (1, *patch_grid)."""
        h, w = self._info.grid
        return h * self._merge, w * self._merge

    def pixels(self, images: Sequence[np.ndarray]) -> Any:
        """(B * gh * gw, 3 * 2 * 14 * 14) float32 patch rows, each frame repeated to fill the pair.

        Each frame resized to `input_size` (bicubic, the processor's resampling: for a
        frame of the stream's size, the processor's own `smart_resize`), then
        the image processor's own rescale, normalisation and patch layout.
        """
        from PIL import Image

        resized = []
        for image in images:
            pil = Image.fromarray(image).resize(self.input_size[::-1], Image.Resampling.BICUBIC)
            resized.append(np.asarray(pil))
        out = self._proc(images=resized, do_resize=False, return_tensors="pt")
        return out["pixel_values"]

    def _frame_tokens(self, images: Sequence[np.ndarray]) -> Any:
        """(b, h*w, D): each frame a one-step video (the frame doubled), merged 2x2."""
        import torch

        pixels = self.pixels(images).to(self._model.device, self._model.dtype)
        grid = torch.tensor([[1, *self.patch_grid]] * len(images), device=pixels.device)
        merged = self._model.model.get_video_features(pixels, grid).pooler_output
        return torch.stack(list(merged))  # one (h*w, D) block per one-step video

    # ---- prompts -------------------------------------------------------------------------

    def _kv_turn(self, question: str) -> tuple[Any, int]:
        """Token ids of the turn [one video, `question`] and where its video pad is."""
        import torch

        for token in self._blocked:
            question = question.replace(token, "")
        body = self._video_item + question
        ids = torch.tensor(self._ids(render_turn(body, self.system), body))
        return ids, int((ids == self.video_token_id).nonzero().flatten()[0])

    def _ids(self, text: str, body: str) -> list[int]:
        """Ids of the rendered turn `text`; its user content `body` is plain text but for
        the video items (chat-control strings in OCR or speech cannot end the turn)."""
        return decoding.turn_ids(self._tok, text, body, [self._video_item])

    def _grid_of(self, rows: np.ndarray, part: np.ndarray) -> tuple[int, int]:
        """(h, w) of a visual part: its own map, the frame grid for h*w rows, else one row."""
        if part.ndim == 3:
            return int(part.shape[0]), int(part.shape[1])
        h, w = self._info.grid
        return (h, w) if len(rows) == h * w else (1, len(rows))

    def _layout(self, parts: Sequence[Part], times: Sequence[float] | None) -> Layout:
        """The rendered turn's ids, each video's (n, D) tokens, and the (3, 1, L) M-RoPE
        position ids of the spliced turn (each video a run of grids and time offsets)."""
        n_visual = sum(not isinstance(p, str) for p in parts)
        if times is None:
            times = [float(k) for k in range(n_visual)]  # 1 s apart: second_per_grid_t = 1
        if len(times) != n_visual:
            raise ValueError(f"{n_visual} visual parts but {len(times)} times")
        body: list[str] = []
        videos: list[np.ndarray] = []
        runs: list[VisualRun] = []
        frames: list[tuple[np.ndarray, tuple[int, int], float]] = []
        clock = iter(times)
        for part in [*parts, ""]:  # a closing "" flushes a trailing run
            if isinstance(part, str):
                if frames:
                    videos.append(np.concatenate([f[0] for f in frames]))
                    offsets = temporal_offsets([f[2] for f in frames], self.tokens_per_second)
                    runs.append(VisualRun(tuple(f[1] for f in frames), offsets))
                    body.append(self._video_item)
                    frames = []
                for token in self._blocked:
                    part = part.replace(token, "")
                body.append(part)
            else:
                block = np.asarray(part, np.float32)
                rows = as_token_rows(block, self._info.dim)
                frames.append((rows, self._grid_of(rows, block), next(clock)))
        content = "".join(body)
        ids = self._ids(render_turn(content, self.system), content)
        return Layout(ids, videos, self._positions(ids, runs))

    def _positions(self, ids: list[int], runs: list[VisualRun]) -> Any:
        """(3, 1, L) position ids of the turn `ids` with each video pad spliced as its run."""
        import torch

        where = [k for k, i in enumerate(ids) if i == self.video_token_id]
        if len(where) != len(runs):  # the tokenizer split the pad token: a broken checkpoint
            raise RuntimeError(f"{self.name}: {len(runs)} videos but {len(where)} placeholders")
        segments: list[Segment] = []
        start = 0
        for at, run in zip(where, runs):
            segments += [at - start, run]
            start = at + 1
        segments.append(len(ids) - start)
        return torch.from_numpy(position_ids(segments))[:, None]  # (3, 1, L)

    def prompt_positions(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """The (3, 1, L) (t, h, w) position ids `generate` gives the prompt of `parts`."""
        return self.prompt_inputs(parts, times)[1]

    # ---- generation ----------------------------------------------------------------------

    def video_parts(self, frames: Sequence[TimedTokens], duration: float) -> list[Part]:
        """One line naming the frames' span, then the frames back to back: one video.

        With their stream times as `generate`'s `times`, the M-RoPE positions keep
        the frames' true spacing; the line ties the first one to the stream clock.
        """
        if not frames:
            return []
        first, last = clock(frames[0][0]), clock(frames[-1][0])
        span = f"from {first} to {last}" if len(frames) > 1 else f"at {first}"
        head = f"Frames {span} of a {clock(duration)} video:\n"
        return [head, *(tokens for _, tokens in frames), "\n"]


def _token(tokenizer: Any, config: Any, key: str, published: str) -> str:
    """The tokenizer's name for the token id `config.<key>`; `published` where it has none."""
    at = getattr(config, key, None)
    return str(tokenizer.convert_ids_to_tokens(at) if isinstance(at, int) else published)


FAMILY = Family(
    label="Qwen2.5-VL",
    model_type=MODEL_TYPE,
    adapter=Qwen25VL,
    vision_part="visual",
    published=(QWEN2_5_VL_3B.model_id, QWEN2_5_VL_7B.model_id),
    shapes=(("qwen2.5-vl-3b", QWEN2_5_VL_3B), ("qwen2.5-vl-7b", QWEN2_5_VL_7B)),
    random="models.vlm.synthetic_families:random_qwen",
)
