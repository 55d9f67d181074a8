"""What every family's adapter shares: loading, encoding, splicing, decoding, option scoring.

A family file subclasses `Adapter` and fills in its hooks:

- `MODEL_CLASS`, `DEFAULT_SYSTEM`, `GENERATION_PROMPT`, `ANSWER_PREFIX`,
  `END_TOKENS`: its checkpoints' config, transformers class and chat template;
- `_grid()`: the (h, w) tokens of one frame, read from the config;
- `_frame_tokens(images)`: a batch of frames through its pixel preparation, vision
  tower and projector, (b, h * w, D) tokens in the LM's embedding space;
- `_layout(parts, times)`: the rendered user turn as ids (its template, its
  placeholders: one id for each visual block) and each block's (n, D) rows, plus
  position ids where the family's are not the model's own 1-D ones (Qwen2.5-VL's
  M-RoPE).

Everything else is here, once: the checkpoint read offline (`checkpoint.load_parts`),
frames batched through the tower (`frames_per_pass`), blocks spliced where their
placeholders are, the one greedy loop (`decoding.greedy_pieces`) and option scores
(`decoding.option_logprob`) with the positions the layout gave.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.protocols import EncoderInfo, FrameFeatures
from models.vlm import decoding
from models.vlm.base import Part, answer_ids, frames_per_pass
from models.vlm.checkpoint import Family, load_parts, locate
from models.vlm.kv_decoder import KvDecoder

__all__ = ["Adapter", "Layout", "frame_features"]


@dataclass(frozen=True)
class Layout:
    """One rendered user turn, before its visual blocks are spliced in."""

    ids: list[int]  # the turn's token ids, one placeholder id per visual block
    blocks: list[Any]  # each block's (n, D) rows (numpy or torch), in order
    positions: Any = None  # torch position ids, (3, 1, L) once spliced; None: the model's own


class Adapter(KvDecoder):
    """A loaded checkpoint of one family; build it with `load`."""

    family: ClassVar[Family]  # its row of registry.FAMILIES, which sets it
    MODEL_CLASS: ClassVar[str]  # the transformers class that reads its checkpoints
    DEFAULT_SYSTEM: ClassVar[str | None] = None  # the system line its template writes
    GENERATION_PROMPT: ClassVar[str]  # what the template adds for the answer
    ANSWER_PREFIX: ClassVar[str] = ""  # what it writes between that and the answer's text
    END_TOKENS: ClassVar[tuple[str, ...]] = ()  # tokens that end an answer, with eos
    placeholder_id: int  # the id each visual block replaces

    def __init__(
        self, model: Any, tokenizer: Any, processor: Any, name: str, system: str | None
    ) -> None:
        self._model, self._tok, self._proc = model, tokenizer, processor
        self.name, self.system = name, system
        self._info = EncoderInfo(
            f"{self.space_prefix()}:{name}",
            int(model.config.text_config.hidden_size),
            self._grid(),
            read_by_lm=True,
        )
        stops = [tokenizer.convert_tokens_to_ids(t) for t in self.END_TOKENS]
        stops.append(tokenizer.eos_token_id)
        self._stop_ids = {int(i) for i in stops if isinstance(i, int) and i >= 0}

    @classmethod
    def load(
        cls, path_or_id: str | Path, device: str = "cpu", dtype: str = "float32", **options: Any
    ) -> Any:
        """Load a checkpoint from a local folder or the Hugging Face cache onto `device`.

        `dtype`: a torch float type name (float32 on a CPU; bfloat16/float16 on a GPU, as
        `models.vlm.device.placement` chooses). `options`: `system` (None: no system
        line; default: the family's) and the family's own (Qwen2.5-VL's `frame_size`,
        `input_size`).

        Raises:
            ModelMissingError: not a folder with a model, and not in the cache.
            UnsupportedModelError: a model of another architecture.
        """
        import transformers

        family = cls.family  # set by the family's row (checkpoint.Family)
        ckpt, _ = locate(path_or_id, family)
        model_class = getattr(transformers, cls.MODEL_CLASS)
        model, tokenizer, processor = load_parts(ckpt, model_class, family, device, dtype)
        system = options.pop("system", cls.DEFAULT_SYSTEM)
        return cls(model, tokenizer, processor, ckpt.name, system, **options)

    # ---- hooks -----------------------------------------------------------------------------

    @classmethod
    def space_prefix(cls) -> str:
        """How the encoder's token space is named: "<prefix>:<checkpoint name>"."""
        raise NotImplementedError

    def _grid(self) -> tuple[int, int]:
        raise NotImplementedError

    def _frame_tokens(self, images: Sequence[np.ndarray]) -> Any:
        raise NotImplementedError

    def _layout(self, parts: Sequence[Part], times: Sequence[float] | None) -> Layout:
        raise NotImplementedError

    # ---- shared ----------------------------------------------------------------------------

    @property
    def model(self) -> Any:
        """The transformers model (for tests and benches)."""
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The checkpoint's tokenizer."""
        return self._tok

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def fit_frame_size(self, height: int, width: int) -> EncoderInfo:
        """Read a stream of `height` x `width` px frames as the family reads it; the new
        `info`. Call it before a memory reads `info.grid`. Here: every frame squashed to
        the tower's one square input (LLaVA-OneVision, SmolVLM2), `info` unchanged."""
        return self._info

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Frames to (h, w, D) tokens in the LM's embedding space, as the LM reads them."""
        import torch

        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"expected (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
        h, w = self._info.grid
        out: list[FrameFeatures] = []
        step = frames_per_pass(self._model)
        with torch.inference_mode():
            for start in range(0, len(images), step):
                tokens = self._frame_tokens(images[start : start + step])  # (b, h*w, D)
                for row in tokens.float().cpu().numpy().reshape(len(tokens), h, w, -1):
                    out.append(frame_features(np.ascontiguousarray(row), self._info.space))
        return out

    def prompt_inputs(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """What `generate` feeds the LM: (1, L, D) inputs_embeds, and its position ids
        ((3, 1, L) for M-RoPE; None: the model's own 1-D positions)."""
        import torch

        layout = self._layout(parts, times)
        ids = torch.tensor(layout.ids)
        where = (ids == self.placeholder_id).nonzero().flatten().tolist()
        if len(where) != len(layout.blocks):  # the tokenizer split a placeholder
            raise RuntimeError(
                f"{self.name}: {len(layout.blocks)} visual blocks but {len(where)} placeholders"
            )
        table = self._model.get_input_embeddings()
        device, dtype = table.weight.device, table.weight.dtype
        pieces: list[Any] = []
        start = 0
        with torch.inference_mode():
            for at, block in zip(where, layout.blocks):
                pieces.append(table(ids[start:at].to(device)))
                pieces.append(torch.as_tensor(block).to(device, dtype))
                start = at + 1
            pieces.append(table(ids[start:].to(device)))
            embeds = torch.cat(pieces)[None]  # (1, L, D)
        positions = layout.positions
        return embeds, positions.to(device) if positions is not None else None

    def prompt_embeds(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> Any:
        """What `generate` feeds the LM for `parts`: (1, L, D) float tensor (for tests, benches)."""
        return self.prompt_inputs(parts, times)[0]

    def prompt_ids(self, parts: Sequence[Part], times: Sequence[float] | None = None) -> list[int]:
        """The turn's ids, each placeholder expanded as the processor does: one per block row."""
        layout = self._layout(parts, times)
        rows = iter(len(b) for b in layout.blocks)
        out: list[int] = []
        for i in layout.ids:
            out += [i] * (next(rows) if i == self.placeholder_id else 1)
        return out

    def generate(
        self,
        parts: Sequence[Part],
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        times: Sequence[float] | None = None,
    ) -> Iterator[str]:
        """Greedy decoding with a KV cache; yields text as it is complete (whole characters).

        `times`: the stream time (s) of each visual part, read by a family whose positions
        carry time (Qwen2.5-VL); the others read time from the text.
        """
        embeds, positions = self.prompt_inputs(parts, times)
        yield from decoding.greedy_pieces(
            self._model,
            self._tok,
            embeds,
            self._stop_ids,
            max_new_tokens,
            stop,
            positions=positions,
        )

    def option_logprob(
        self, parts: Sequence[Part], option_text: str, times: Sequence[float] | None = None
    ) -> float:
        """Sum log-probability of the answer `option_text`, as the chat template writes it."""
        return self.option_logprobs(parts, [option_text], times)[0]

    def option_logprobs(
        self, parts: Sequence[Part], options: Sequence[str], times: Sequence[float] | None = None
    ) -> list[float]:
        """`option_logprob` of each of `options`, the prompt read once for all of them."""
        embeds, positions = self.prompt_inputs(parts, times)
        answers = [self.answer_ids(o) for o in options]
        return decoding.option_logprobs(self._model, embeds, answers, positions)

    def answer_ids(self, text: str) -> list[int]:
        """The tokens the template writes for the assistant message `text`: after its
        generation prompt, `ANSWER_PREFIX` + text (SmolVLM2's " Yes", not "Yes")."""
        return answer_ids(self._tok, self.GENERATION_PROMPT, self.ANSWER_PREFIX + text)


def frame_features(tokens: np.ndarray, space: str) -> FrameFeatures:
    """(h, w, D) tokens -> FrameFeatures with the unit mean token as feature."""
    mean = tokens.mean(axis=(0, 1))
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    return FrameFeatures(tags=(), feature=mean.astype(np.float32), tokens=tokens, space=space)
