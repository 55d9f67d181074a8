"""One door to every supported vision-language family: `load_vlm("ID_OR_FOLDER")`.

The checkpoint's `config.json` says its family (`model_type`); the adapter of
that family's row in `registry.FAMILIES` loads it, from a local folder or the
Hugging Face cache only (`local_files_only=True`): nothing is downloaded here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from models.vlm.base import UnsupportedModelError, VisionLanguageModel
from models.vlm.checkpoint import locate
from models.vlm.device import placement
from models.vlm.quantize import int8_vision
from models.vlm.reference import reference_note
from models.vlm.registry import FAMILIES, family_of

log = logging.getLogger("streamer")


def load_vlm(path_or_id: str | Path, device: str = "auto") -> VisionLanguageModel:
    """The model at `path_or_id`, by its family, on `device` (one of `DEVICES`).

    Raises:
        ModelMissingError: not in a folder or the cache.
        UnsupportedModelError: a family without an adapter.
        DeviceError: "cuda" asked for and none here.
    """
    where = placement(device)  # before any weights are read: a missing GPU fails fast
    ckpt, config = locate(path_or_id)
    family = family_of(str(config.model_type))
    if family is None:
        raise UnsupportedModelError(
            f"{ckpt.name} is a {config.model_type!r} model; the vlm backend reads "
            f"{', '.join(sorted(f.model_type for f in FAMILIES))} models."
        )
    loaded = family.adapter.load(path_or_id, device=where.device, dtype=where.dtype)
    note = reference_note(path_or_id)
    if note:  # its answers from text are real, what it says about pixels is not
        log.warning("%s is a reference model (%s).", ckpt.name, note)
    if where.vision_int8:  # `--device cpu-int8`: frames encode 1.4-1.6x faster
        int8_vision(loaded.model, family.vision_part)
    return cast(VisionLanguageModel, loaded)
