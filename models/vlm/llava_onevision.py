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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.protocols import EncoderInfo, FrameFeatures
from models.vlm import decoding
from models.vlm.base import Part, TimedTokens, answer_ids, as_token_rows, clock, frames_per_pass
from models.vlm.checkpoint import Family, load_parts, locate
from models.vlm.families import LLAVA_ONEVISION_0_5B, LLAVA_ONEVISION_7B, LLAVA_ONEVISION_TINY
from models.vlm.kv_decoder import KvDecoder

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


class LlavaOneVision(KvDecoder):
    """A loaded LLaVA-OneVision checkpoint; build it with `LlavaOneVision.load`."""

    def __init__(
        self, model: Any, tokenizer: Any, processor: Any, name: str, system: str | None
    ) -> None:
        self._model, self._tok, self._proc = model, tokenizer, processor
        self.name, self.system = name, system
        config = model.config
        vision = config.vision_config
        side = math.ceil((vision.image_size // vision.patch_size) / 2)  # 2x2 pooling, rounded up
        self._info = EncoderInfo(
            f"llava-onevision:{name}", config.text_config.hidden_size, (side, side), read_by_lm=True
        )
        self._input_size = (int(vision.image_size), int(vision.image_size))
        self.video_token_id = int(config.video_token_id)
        # the placeholders' strings are the tokenizer's names for the config's ids: a
        # checkpoint's tokenizer need not set `video_token` (a Qwen2 tokenizer names its
        # pad `<|video_pad|>`)
        self.video_token = str(tokenizer.convert_ids_to_tokens(self.video_token_id))
        image = tokenizer.convert_ids_to_tokens(int(config.image_token_id))
        self._blocked = (self.video_token, str(image))  # never let user text add placeholders
        stops = {tokenizer.convert_tokens_to_ids("<|im_end|>"), tokenizer.eos_token_id}
        self._stop_ids = {int(i) for i in stops if isinstance(i, int) and i >= 0}

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        path_or_id: str | Path,
        device: str = "cpu",
        system: str | None = DEFAULT_SYSTEM,
        dtype: str = "float32",
    ) -> LlavaOneVision:
        """Load a checkpoint from a local folder or the Hugging Face cache onto `device`.

        `dtype` is a torch float type name ("float32"; "bfloat16" or "float16" on a GPU,
        as `models.vlm.device.placement` chooses).

        Raises:
            ModelMissingError: not a folder with a model, and not in the cache.
            UnsupportedModelError: a model of another architecture.
        """
        from transformers import LlavaOnevisionForConditionalGeneration

        ckpt, _ = locate(path_or_id, FAMILY)
        model, tokenizer, processor = load_parts(
            ckpt, LlavaOnevisionForConditionalGeneration, FAMILY, device, dtype
        )
        return cls(model, tokenizer, processor, ckpt.name, system)

    @property
    def model(self) -> Any:
        """The transformers `LlavaOnevisionForConditionalGeneration` (for tests and benches)."""
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
        """(B, 3, S, S) float32 tensor: each whole frame resized to the tower's input, normalised.

        This is the image processor's base view (patch 0, the frame resized without
        tiling), which is also what the family's video processor makes of a frame;
        asking for the one grid point S x S keeps it from cutting high-res tiles.
        """
        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        out = self._proc(
            images=list(images), image_grid_pinpoints=[list(self._input_size)], return_tensors="pt"
        )
        return out["pixel_values"][:, 0]  # (B, n_views, 3, S, S) -> the base view

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Frames to (h, w, D) video-frame tokens in the LM's embedding space."""
        import torch

        if not images:
            return []
        h, w = self._info.grid
        out: list[FrameFeatures] = []
        with torch.inference_mode():
            pixels = self.pixels(images).to(self._model.device, self._model.dtype)
            step = frames_per_pass(self._model)
            for start in range(0, len(images), step):
                batch = pixels[start : start + step, None]  # (b, 1 frame, 3, S, S)
                pooled = self._model.get_video_features(pixel_values_videos=batch).pooler_output
                # (b, h*w + 1, D): each one-frame "video" ends in the newline; drop it
                tokens = pooled[:, :-1].float().cpu().numpy()  # (b, h*w, D)
                for row in tokens.reshape(len(tokens), h, w, -1):
                    out.append(_features(np.ascontiguousarray(row), self._info.space))
        return out

    # ---- prompts -------------------------------------------------------------------------

    def _turn_ids(self, parts: Sequence[Part]) -> tuple[Any, np.ndarray | None]:
        """(L,) ids of the rendered user turn (its one video, then its texts) and the video's
        (n, D) frame rows back to back (None without frames)."""
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
        ids = torch.tensor(decoding.turn_ids(self._tok, text, body, [self.video_token]))
        found = int((ids == self.video_token_id).sum())
        if found != (1 if frames else 0):  # the tokenizer split the placeholder
            raise RuntimeError(f"{self.name}: one video but {found} placeholders")
        return ids, np.concatenate(frames) if frames else None

    def prompt_ids(self, parts: Sequence[Part]) -> list[int]:
        """The turn's ids with the video placeholder expanded as the processor expands it:
        one per frame row, + 1 for the newline (what `generate` feeds, as ids)."""
        ids, video = self._turn_ids(parts)
        out: list[int] = []
        for i in ids.tolist():
            n = len(video) + 1 if i == self.video_token_id and video is not None else 1
            out += [i] * n
        return out

    def _embeds(self, parts: Sequence[Part]) -> Any:
        """(1, L, D) inputs_embeds of the rendered user turn: its one video, then its texts."""
        import torch

        ids, video = self._turn_ids(parts)
        table = self._model.get_input_embeddings()
        with torch.inference_mode():
            if video is None:
                return table(ids.to(self._model.device))[None]
            newline = self._model.model.image_newline[None, :]  # (1, D)
            rows = torch.from_numpy(video).to(newline.device, newline.dtype)
            at = int((ids == self.video_token_id).nonzero()[0])
            pieces = [table(ids[:at].to(self._model.device)), rows, newline]
            pieces.append(table(ids[at + 1 :].to(self._model.device)))
            return torch.cat(pieces)[None]  # (1, L, D)

    def _clean(self, text: str) -> str:
        """`text` without the placeholder strings (user text must not add a video)."""
        for token in self._blocked:
            text = text.replace(token, "")
        return text

    def prompt_embeds(self, parts: Sequence[Part]) -> Any:
        """What `generate` feeds the LM for `parts`: (1, L, D) float tensor (for tests, benches)."""
        return self._embeds(parts)

    def prompt_inputs(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """What `generate` feeds the LM: (1, L, D) inputs_embeds, and None for its positions
        (the model's own 1-D ones; `times` is not read)."""
        return self._embeds(parts), None

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

    def generate(
        self,
        parts: Sequence[Part],
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        times: Sequence[float] | None = None,
    ) -> Iterator[str]:
        """Greedy decoding with a KV cache; yields text as it is complete (whole characters).

        `times` is not read: 1-D RoPE positions carry no time (the stamps do).
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
        """The tokens the template writes for the assistant message `text`: right after
        "<|im_start|>assistant\\n", as they are."""
        return answer_ids(self._tok, GENERATION_PROMPT, text)

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


def _features(tokens: np.ndarray, space: str) -> FrameFeatures:
    """(h, w, D) tokens -> FrameFeatures with the unit mean token as feature."""
    mean = tokens.mean(axis=(0, 1))
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    return FrameFeatures(tags=(), feature=mean.astype(np.float32), tokens=tokens, space=space)
