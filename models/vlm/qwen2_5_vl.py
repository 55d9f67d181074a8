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
Every frame is resized (bicubic, aspect not kept) to one input size, so every
frame of a memory has the same grid; the model takes any multiple of 28 px.

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

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.protocols import EncoderInfo, FrameFeatures
from models.vlm import decoding
from models.vlm.base import Part, TimedTokens, answer_ids, as_token_rows, clock, frames_per_pass
from models.vlm.checkpoint import Family, load_parts, locate
from models.vlm.families import QWEN2_5_VL_3B, QWEN2_5_VL_7B
from models.vlm.llava_onevision import _features
from models.vlm.mrope import Segment, VisualRun, position_ids, temporal_offsets
from models.vlm.qwen2_5_vl_kv import QwenKv

__all__ = ["DEFAULT_SYSTEM", "INPUT_SIZE", "MODEL_TYPE", "Qwen25VL", "render_turn"]

MODEL_TYPE = "qwen2_5_vl"  # config.json "model_type"
# The system line Qwen2.5-VL's chat template writes when a conversation has none.
DEFAULT_SYSTEM = "You are a helpful assistant."
GENERATION_PROMPT = "<|im_start|>assistant\n"  # what the template adds for the answer
INPUT_SIZE = (252, 448)  # px (H, W), 16:9: 18 x 32 patches of 14 px -> 9 x 16 = 144 tokens
VISION_START, VIDEO_PAD, VISION_END = "<|vision_start|>", "<|video_pad|>", "<|vision_end|>"
# strings user text may not carry: each would open, close or fill a vision block
_BLOCKED = (VISION_START, VISION_END, VIDEO_PAD, "<|image_pad|>", "<|vision_pad|>")


def render_turn(body: str, system: str | None) -> str:
    """The chat-template text of one user turn whose content is `body`, ready for the answer.

    `body` already holds `<|vision_start|><|video_pad|><|vision_end|>` where the template
    writes a video item (one pad per video, before expansion).
    """
    head = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    return f"{head}<|im_start|>user\n{body}<|im_end|>\n{GENERATION_PROMPT}"


class Qwen25VL(QwenKv):
    """A loaded Qwen2.5-VL checkpoint; build it with `Qwen25VL.load`."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        processor: Any,
        name: str,
        system: str | None,
        input_size: tuple[int, int] = INPUT_SIZE,
    ) -> None:
        self._model, self._tok, self._proc = model, tokenizer, processor
        self.name, self.system = name, system
        vision = model.config.vision_config
        self._patch, self._merge = int(vision.patch_size), int(vision.spatial_merge_size)
        side = self._patch * self._merge  # 28 px per merged token
        if input_size[0] % side or input_size[1] % side or min(input_size) <= 0:
            raise ValueError(f"input_size must be multiples of {side} px, not {input_size}")
        self.input_size = input_size
        grid = (input_size[0] // side, input_size[1] // side)
        dim = model.config.text_config.hidden_size
        self._info = EncoderInfo(f"qwen2.5-vl:{name}", dim, grid, read_by_lm=True)
        self.tokens_per_second = float(vision.tokens_per_second)
        self.video_token_id = int(model.config.video_token_id)
        # the video item as the template writes it, named by the tokenizer from the config's ids
        start = _token(tokenizer, model.config, "vision_start_token_id", VISION_START)
        end = _token(tokenizer, model.config, "vision_end_token_id", VISION_END)
        pad = _token(tokenizer, model.config, "video_token_id", VIDEO_PAD)
        self._video_item = f"{start}{pad}{end}"
        self._blocked = tuple(dict.fromkeys((*_BLOCKED, start, pad, end)))
        ends = ("<|im_end|>", "<|endoftext|>")
        stops = {*(tokenizer.convert_tokens_to_ids(t) for t in ends), tokenizer.eos_token_id}
        self._stop_ids = {int(i) for i in stops if isinstance(i, int) and i >= 0}

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        path_or_id: str | Path,
        device: str = "cpu",
        system: str | None = DEFAULT_SYSTEM,
        input_size: tuple[int, int] = INPUT_SIZE,
        dtype: str = "float32",
    ) -> Qwen25VL:
        """Load a checkpoint from a local folder or the Hugging Face cache.

        `dtype`: a torch float type name (float32 on a CPU; bfloat16/float16 on a GPU).

        Raises:
            ModelMissingError: not a folder with a model, and not in the cache.
            UnsupportedModelError: a model of another architecture.
        """
        from transformers import Qwen2_5_VLForConditionalGeneration

        ckpt, _ = locate(path_or_id, FAMILY)
        model, tokenizer, processor = load_parts(
            ckpt, Qwen2_5_VLForConditionalGeneration, FAMILY, device, dtype
        )
        return cls(model, tokenizer, processor, ckpt.name, system, input_size)

    @property
    def model(self) -> Any:
        """The transformers `Qwen2_5_VLForConditionalGeneration` (for tests and benches)."""
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The checkpoint's tokenizer."""
        return self._tok

    # ---- encoder -------------------------------------------------------------------------

    @property
    def info(self) -> EncoderInfo:
        return self._info

    @property
    def patch_grid(self) -> tuple[int, int]:
        """(H/14, W/14) patches of a frame: its `video_grid_thw` row is (1, *patch_grid)."""
        h, w = self._info.grid
        return h * self._merge, w * self._merge

    def pixels(self, images: Sequence[np.ndarray]) -> Any:
        """(B * gh * gw, 3 * 2 * 14 * 14) float32 patch rows, each frame repeated to fill the pair.

        Each frame resized to `input_size` (bicubic, the processor's resampling), then
        the image processor's own rescale, normalisation and patch layout.
        """
        from PIL import Image

        resized = []
        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
            pil = Image.fromarray(image).resize(self.input_size[::-1], Image.Resampling.BICUBIC)
            resized.append(np.asarray(pil))
        out = self._proc(images=resized, do_resize=False, return_tensors="pt")
        return out["pixel_values"]

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Frames to (h, w, D) merged tokens in the LM's embedding space."""
        import torch

        if not images:
            return []
        h, w = self._info.grid
        rows = h * w * self._merge**2  # patch rows of one frame
        out: list[FrameFeatures] = []
        with torch.inference_mode():
            pixels = self.pixels(images).to(self._model.device, self._model.dtype)
            step = frames_per_pass(self._model)
            for start in range(0, len(images), step):
                b = min(step, len(images) - start)
                grid = torch.tensor([[1, *self.patch_grid]] * b, device=pixels.device)
                batch = pixels[start * rows : (start + b) * rows]
                merged = self._model.model.get_video_features(batch, grid).pooler_output
                for tokens in merged:  # one (h*w, D) block per one-step video
                    row = tokens.float().cpu().numpy().reshape(h, w, -1)
                    out.append(_features(np.ascontiguousarray(row), self._info.space))
        return out

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

    def _layout(
        self, parts: Sequence[Part], times: Sequence[float] | None
    ) -> tuple[list[int], list[np.ndarray], list[VisualRun]]:
        """The rendered turn's ids, each video's (n, D) tokens and its run of grids and offsets."""
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
        return self._ids(render_turn(content, self.system), content), videos, runs

    def _prompt(self, parts: Sequence[Part], times: Sequence[float] | None) -> tuple[Any, Any]:
        """(1, L, D) inputs_embeds with the videos spliced in, and their (3, 1, L) position ids."""
        import torch

        turn, videos, runs = self._layout(parts, times)
        ids = torch.tensor(turn)
        where = (ids == self.video_token_id).nonzero().flatten().tolist()
        if len(where) != len(runs):  # the tokenizer split the pad token: a broken checkpoint
            raise RuntimeError(f"{self.name}: {len(runs)} videos but {len(where)} placeholders")
        table = self._model.get_input_embeddings()
        pieces: list[Any] = []
        segments: list[Segment] = []
        start = 0
        with torch.inference_mode():
            for at, tokens, run in zip(where, videos, runs):
                pieces.append(table(ids[start:at].to(self._model.device)))
                pieces.append(torch.from_numpy(tokens).to(self._model.device, self._model.dtype))
                segments += [at - start, run]
                start = at + 1
            pieces.append(table(ids[start:].to(self._model.device)))
            segments.append(len(ids) - start)
            embeds = torch.cat(pieces)[None]  # (1, L, D)
        positions = torch.from_numpy(position_ids(segments))[:, None].to(self._model.device)
        return embeds, positions  # (1, L, D), (3, 1, L)

    def prompt_ids(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> list[int]:
        """The turn's ids, each video pad expanded as the processor does: one per merged token."""
        turn, videos, _ = self._layout(parts, times)
        rows = iter(len(v) for v in videos)
        out: list[int] = []
        for i in turn:
            out += [i] * (next(rows) if i == self.video_token_id else 1)
        return out

    def prompt_inputs(
        self, parts: Sequence[Part], times: Sequence[float] | None = None
    ) -> tuple[Any, Any]:
        """What `generate` feeds the LM: (1, L, D) inputs_embeds and (3, 1, L) position ids."""
        return self._prompt(parts, times)

    def prompt_embeds(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """What `generate` feeds the LM for `parts`: (1, L, D) float tensor (for tests, benches)."""
        return self._prompt(parts, times)[0]

    def prompt_positions(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """The (3, 1, L) (t, h, w) position ids `generate` gives the prompt of `parts`."""
        return self._prompt(parts, times)[1]

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

    def generate(
        self,
        parts: Sequence[Part],
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        times: Sequence[float] | None = None,
    ) -> Iterator[str]:
        """Greedy decoding with a KV cache; yields text as it is complete (whole characters).

        `times`: the stream time (s) of each visual part, in order; None: 1 s apart.
        """
        embeds, positions = self._prompt(parts, times)
        yield from decoding.greedy_pieces(
            self._model,
            self._tok,
            embeds,
            self._stop_ids,
            max_new_tokens,
            stop,
            positions=positions,
        )

    def answer_ids(self, text: str) -> list[int]:
        """The tokens the template writes for the assistant message `text` (as they are)."""
        return answer_ids(self._tok, GENERATION_PROMPT, text)

    def option_logprob(
        self, parts: Sequence[Part], option_text: str, times: Sequence[float] | None = None
    ) -> float:
        """Sum log-probability of the answer `option_text`, as the chat template writes it."""
        embeds, positions = self._prompt(parts, times)
        return decoding.option_logprob(self._model, embeds, self.answer_ids(option_text), positions)


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
