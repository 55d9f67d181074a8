"""What `streamer/` codes against for a vision-language model (VLM).

A VLM here is two things at once: the session's frame encoder (its own vision
tower and projector, so a memory strategy keeps exactly the tokens the model
will read) and a generator whose prompt interleaves text with blocks of those
tokens.

Example:
    >>> vlm = LlavaOneVision.load("llava-hf/llava-onevision-qwen2-0.5b-ov-hf")  # doctest: +SKIP
    >>> feats = vlm.encode(frames)  # doctest: +SKIP
    >>> parts = ["[0:03]", feats[0].tokens, "What is on the card?"]  # doctest: +SKIP
    >>> "".join(vlm.generate(parts, max_new_tokens=32))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from models.protocols import EncoderInfo, FrameFeatures
from models.weights import ModelMissingError

__all__ = [
    "Part",
    "TimedTokens",
    "UnsupportedModelError",
    "VisionLanguageModel",
    "answer_ids",
    "as_token_rows",
    "clock",
    "frames_per_pass",
]

# A prompt part: text, or one frame's visual tokens, (h, w, D) or (n, D) float32 in the
# LM's embedding space (what `encode` returned). Visual parts with no text between them
# are one video: the model reads them as consecutive frames.
Part = str | np.ndarray
# A held frame for `video_parts`: its stream time (s) and its tokens, as a Part.
TimedTokens = tuple[float, np.ndarray]


class UnsupportedModelError(ModelMissingError):
    """The folder or id holds a model, but not of the family asked for (one sentence)."""


GPU_FRAMES_PER_PASS = 8  # frames per vision-tower pass on a GPU: about 25 MB of patches


def frames_per_pass(model: object) -> int:
    """How many frames `encode` sends through the vision tower at once on `model`'s device.

    One on a CPU: what perception batches is whatever piled up while it was busy, and a
    frame's tokens must not depend on that (int8 layers quantise their whole input with
    one scale; CPU matrix kernels block by the batch), or one stream gives different
    answers from run to run. Batching buys a 2-core CPU next to nothing; a GPU it does.
    """
    device = getattr(model, "device", None)
    return GPU_FRAMES_PER_PASS if getattr(device, "type", "cpu") != "cpu" else 1


def clock(seconds: float) -> str:
    """A stream time as a prompt writes it: 62.4 -> '1:02', 3723 -> '1:02:03'."""
    s = int(max(0.0, seconds))
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def as_token_rows(block: np.ndarray, dim: int) -> np.ndarray:
    """A visual part as (n, dim) rows; ValueError for any other shape."""
    if block.ndim == 3 and block.shape[2] == dim:
        return block.reshape(-1, dim)
    if block.ndim == 2 and block.shape[1] == dim:
        return block
    raise ValueError(f"a visual part must be (h, w, {dim}) or (n, {dim}), not {block.shape}")


def answer_ids(tokenizer: Any, generation_prompt: str, answer: str) -> list[int]:
    """The token ids a chat template writes for the assistant message `answer`.

    `generation_prompt` ends the rendered turn (what the model continues from) and
    `answer` is the message's text as the template renders it after that prompt
    (SmolVLM2's "Assistant:" is followed by " " + the content). Tokenized together,
    as the template's text is, so a merge across the boundary is what it would be.
    """
    head: list[int] = tokenizer(generation_prompt, add_special_tokens=False)["input_ids"]
    full: list[int] = tokenizer(generation_prompt + answer, add_special_tokens=False)["input_ids"]
    same = 0
    while same < min(len(head), len(full)) and head[same] == full[same]:
        same += 1
    return full[same:]


@runtime_checkable
class VisionLanguageModel(Protocol):
    """Frames in (as tokens), text out."""

    @property
    def info(self) -> EncoderInfo:
        """Space, LM hidden size and per-frame token grid of what `encode` returns."""
        ...

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """(H, W, 3) uint8 RGB frames to video-frame tokens, one FrameFeatures per image."""
        ...

    def video_parts(self, frames: Sequence[TimedTokens], duration: float) -> list[Part]:
        """Frames of a `duration`-second stream, (stream time, tokens) in time order, written
        the way this family introduces the frames of a video (time stamps, intro), for
        `generate`'s parts; pass the same frames' times as its `times`."""
        ...

    def generate(
        self,
        parts: Sequence[Part],
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        times: Sequence[float] | None = None,
    ) -> Iterator[str]:
        """Greedy answer to the user turn `parts`, yielded a piece of text at a time.

        `times`: the stream time (s) of each visual part, for a family whose positions
        carry time (Qwen2.5-VL's M-RoPE); the others read time from the text.
        """
        ...

    def option_logprob(
        self, parts: Sequence[Part], option_text: str, times: Sequence[float] | None = None
    ) -> float:
        """Sum of log-probabilities of `option_text`'s tokens as the answer to `parts`."""
        ...

    def option_logprobs(
        self, parts: Sequence[Part], options: Sequence[str], times: Sequence[float] | None = None
    ) -> list[float]:
        """`option_logprob` of each of `options` (the prompt read once for all)."""
        ...
