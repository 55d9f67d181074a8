"""Finding and loading a vision-language checkpoint, offline, with one-sentence errors.

Every adapter loads the same way: a local folder or a Hugging Face id already in
the cache (`local_files_only=True`, nothing downloads), its `config.json`
checked for the family, then the model, tokenizer and image processor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.vlm.base import UnsupportedModelError
from models.weights import ModelMissingError


@dataclass(frozen=True)
class Family:
    """One vision-language family: its row of `models.vlm.registry.FAMILIES`.

    Everything that names, finds, loads, quantises or fakes a family reads it here.
    """

    label: str  # how messages name it: "LLaVA-OneVision"
    model_type: str  # config.json "model_type": "llava_onevision"
    adapter: type[Any]  # the class whose `load(path_or_id, device=, dtype=)` reads a checkpoint
    vision_part: str  # attribute of the transformers model's `.model` holding its vision tower
    published: tuple[str, ...]  # Hugging Face ids of its checkpoints, smallest first
    # bench names of published shapes (families.py) -> random models of that shape, built by
    # `random` ("module:function", imported when a bench asks: it imports transformers)
    shapes: tuple[tuple[str, Any], ...]
    random: str

    def __post_init__(self) -> None:
        # the adapter finds its own row here (its `load` checks checkpoints against it)
        self.adapter.family = self

    @property
    def example_id(self) -> str:
        """A published checkpoint to suggest: the smallest."""
        return self.published[0]


@dataclass(frozen=True)
class Checkpoint:
    source: str  # what from_pretrained reads: a folder path or a hub id
    name: str  # how messages name it: the folder's name or the id


def locate(path_or_id: str | Path, family: Family | None = None) -> tuple[Checkpoint, Any]:
    """The checkpoint and its config; refused in one sentence if missing or of another family."""
    from transformers import AutoConfig

    folder = Path(path_or_id).expanduser()
    ckpt = Checkpoint(
        str(folder) if folder.is_dir() else str(path_or_id),
        folder.name if folder.is_dir() else str(path_or_id),
    )
    if folder.is_dir() and not (folder / "config.json").is_file():
        raise ModelMissingError(
            f"{folder} is not a model folder (it has no config.json); "
            "give a folder saved with save_pretrained or a Hugging Face model id."
        )
    try:
        config = AutoConfig.from_pretrained(ckpt.source, local_files_only=True)
    except (OSError, ValueError) as e:
        if folder.is_dir():
            raise UnsupportedModelError(
                f"{ckpt.name} has a config.json transformers cannot read ({first_line(e)})."
            ) from e
        label = f"{family.label} model" if family is not None else "Model"
        raise ModelMissingError(
            f"{label} {ckpt.name} is not in the Hugging Face cache or a local folder; "
            f"download it once with: hf download {ckpt.name}"
        ) from e
    if family is not None and config.model_type != family.model_type:
        raise UnsupportedModelError(
            f"{ckpt.name} is a {config.model_type!r} model, not {family.label}; "
            f"give a {family.label} checkpoint such as {family.example_id}."
        )
    return ckpt, config


def load_parts(
    ckpt: Checkpoint, model_class: Any, family: Family, device: str, dtype: str
) -> tuple[Any, Any, Any]:
    """(model on `device` in `dtype`, in eval mode; tokenizer; image processor)."""
    import torch
    from transformers import AutoImageProcessor, AutoTokenizer

    try:
        model = model_class.from_pretrained(
            ckpt.source, local_files_only=True, dtype=getattr(torch, dtype)
        )
        tokenizer = AutoTokenizer.from_pretrained(ckpt.source, local_files_only=True)
        # without torchvision this is the PIL image processor
        processor = AutoImageProcessor.from_pretrained(ckpt.source, local_files_only=True)
    except OSError as e:
        raise ModelMissingError(
            f"{family.label} {ckpt.name} is incomplete ({first_line(e)}); "
            f"download it again with: hf download {ckpt.name}"
        ) from e
    return model.to(device).eval(), tokenizer, processor


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
