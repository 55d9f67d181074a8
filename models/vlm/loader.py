"""One door to every supported vision-language family: `load_vlm("ID_OR_FOLDER")`.

The checkpoint's `config.json` says its family (`model_type`); the adapter for
that family loads it, from a local folder or the Hugging Face cache only
(`local_files_only=True`): nothing is downloaded here.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import cast

from models.vlm.base import UnsupportedModelError, VisionLanguageModel
from models.vlm.device import placement
from models.vlm.llava_onevision import _local_config

# config.json "model_type" -> "module:class" of its adapter (imported only when used)
ADAPTERS: dict[str, str] = {
    "llava_onevision": "models.vlm.llava_onevision:LlavaOneVision",
    "qwen2_5_vl": "models.vlm.qwen2_5_vl:Qwen25VL",
    "smolvlm": "models.vlm.smolvlm:SmolVLM2",
}


def load_vlm(path_or_id: str | Path, device: str = "auto") -> VisionLanguageModel:
    """The model at `path_or_id`, by its family, on `device` ("auto", "cpu", "cuda").

    Raises:
        ModelMissingError: not in a folder or the cache.
        UnsupportedModelError: a family without an adapter.
        DeviceError: "cuda" asked for and none here.
    """
    from transformers import AutoConfig

    where = placement(device)  # before any weights are read: a missing GPU fails fast

    folder = Path(path_or_id).expanduser()
    source = str(folder) if folder.is_dir() else str(path_or_id)
    name = folder.name if folder.is_dir() else source
    config = _local_config(AutoConfig, source, name)
    target = ADAPTERS.get(str(config.model_type))
    if target is None:
        raise UnsupportedModelError(
            f"{name} is a {config.model_type!r} model; the vlm backend reads "
            f"{', '.join(sorted(ADAPTERS))} models."
        )
    module, _, cls = target.partition(":")
    adapter = getattr(importlib.import_module(module), cls)
    kwargs = {"device": where.device}
    if "dtype" in inspect.signature(adapter.load).parameters:  # adapters that choose a float type
        kwargs["dtype"] = where.dtype
    return cast(VisionLanguageModel, adapter.load(path_or_id, **kwargs))
