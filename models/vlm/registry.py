"""Every vision-language family the `vlm` backend reads: one row each, `FAMILIES`.

A family is one file (`llava_onevision.py`, `smolvlm.py`, `qwen2_5_vl.py`: its
template, placeholders, pixel preparation and its adapter class) ending in one
`Family` row; this table lists the rows, and everything that needs a family reads
it here: the catalog (`catalog.py`), `load_vlm` (`loader.py`), int8 vision
(`quantize.py`), the random models of benchmarks (`synthetic.py`) and the kv
memory's refusal. Importing it is cheap: the family files import torch and
transformers only when a model is loaded. docs/vlm-families.md says how to add one.

Example:
    >>> family_of("smolvlm").label
    'SmolVLM2'
"""

from __future__ import annotations

from models.vlm.checkpoint import Family
from models.vlm.llava_onevision import FAMILY as LLAVA_ONEVISION
from models.vlm.qwen2_5_vl import FAMILY as QWEN2_5_VL
from models.vlm.smolvlm import FAMILY as SMOLVLM2

__all__ = ["FAMILIES", "Family", "family_of", "labels"]

FAMILIES: tuple[Family, ...] = (LLAVA_ONEVISION, SMOLVLM2, QWEN2_5_VL)


def family_of(model_type: str) -> Family | None:
    """The row of the family whose checkpoints say config.json "model_type" = `model_type`."""
    return next((f for f in FAMILIES if f.model_type == model_type), None)


def labels(last: str = "or") -> str:
    """The families by name for a sentence: "LLaVA-OneVision, SmolVLM2 or Qwen2.5-VL"."""
    names = [f.label for f in FAMILIES]
    return ", ".join(names[:-1]) + f" {last} " + names[-1] if len(names) > 1 else names[0]
