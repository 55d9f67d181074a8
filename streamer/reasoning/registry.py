"""Reasoning backends by name: `make_backend("extractive" | "llm[:PATH.gguf]" | "vlm:ID" |
"openai:MODEL@URL")`.

A name is `KIND` or `KIND:ARGUMENT` (a model path or id). The UI's backend list
and the command line's choices are `BACKEND_NAMES`, plus `vision_models()`: the
vlm checkpoints found in the local Hugging Face cache.

Where a model runs (`device`: "auto", "cpu", "cuda") is not part of the name: a
name says which model answers, and is saved with a session; the device is this
machine's, chosen again wherever the session is run or reopened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from streamer.errors import StreamerError
from streamer.reasoning.backend import Backend

log = logging.getLogger("streamer")


def _extractive(arg: str | None, device: str = "auto") -> Backend:
    from streamer.reasoning.extractive import ExtractiveBackend

    if arg:
        raise StreamerError("The extractive backend takes no model; use plain 'extractive'.")
    return ExtractiveBackend()


def _llm(arg: str | None, device: str = "auto") -> Backend:
    """A local GGUF model (the packaged Qwen2.5-Coder-1.5B, or `arg`, a .gguf path).

    When the llm extra or its weights are missing it logs one sentence saying so
    and returns the extractive backend, whose answers then say backend="extractive".
    """
    from models.llm import LlamaModel
    from models.weights import ModelMissingError
    from streamer.reasoning.llm import LlmBackend

    try:
        return LlmBackend(LlamaModel(arg or None).load()).warm_up()
    except ModelMissingError as e:
        log.warning("%s The extractive backend answers instead.", e)
        return _extractive(None)


def _vlm(arg: str | None, device: str = "auto") -> Backend:
    """A vision-language checkpoint: `arg` is a Hugging Face id in the local cache or a folder."""
    from models.vlm.device import DeviceError
    from models.vlm.loader import load_vlm
    from streamer.reasoning.vlm import VlmBackend

    if not arg:
        raise StreamerError(
            "The vlm backend needs a model: vlm:llava-hf/llava-onevision-qwen2-0.5b-ov-hf "
            "(from the Hugging Face cache) or vlm:FOLDER."
        )
    try:
        return VlmBackend(load_vlm(arg, device=device))
    except DeviceError as e:
        raise StreamerError(str(e)) from None


def _openai(arg: str | None, device: str = "auto") -> Backend:
    """A model on a server the user runs: `arg` is `MODEL@URL` (the key from the environment)."""
    from streamer.reasoning.openai_chat import OpenAIBackend
    from streamer.reasoning.openai_prompt import parse_endpoint

    endpoint = parse_endpoint(arg)
    try:
        return OpenAIBackend(endpoint)
    except ImportError:
        raise StreamerError(
            "The openai backend needs OpenAI's client: pip install -e '.[openai]'."
        ) from None


FACTORIES: dict[str, Callable[[str | None, str], Backend]] = {
    "extractive": _extractive,
    "llm": _llm,
    "vlm": _vlm,
    "openai": _openai,
}
BACKEND_NAMES: tuple[str, ...] = tuple(FACTORIES)  # ("extractive", "llm", "vlm", "openai")


def backend_kind(name: str) -> str:
    """The kind part of a backend name: "llm" for "llm:model.gguf"."""
    return name.partition(":")[0].strip()


def make_backend(name: str, device: str = "auto") -> Backend:
    """The backend called `name` on `device` (see the module docstring). StreamerError if unknown.

    The device matters to a vlm backend only; the others run where they always do.
    """
    kind, _, arg = name.partition(":")
    factory = FACTORIES.get(kind.strip())
    if factory is None:
        raise StreamerError(
            f"Unknown backend {name!r}; use one of {', '.join(BACKEND_NAMES)} "
            "(llm:PATH for another .gguf model, vlm:ID_OR_FOLDER for a vision-language model, "
            "openai:MODEL@URL for a model on an OpenAI-compatible server)."
        )
    return factory(arg.strip() or None, device)


def vision_models() -> list[str]:
    """Backend names `vlm:ID` of the supported checkpoints in the local Hugging Face cache."""
    from models.vlm.catalog import cached_supported

    return [f"vlm:{model_id}" for model_id in cached_supported()]
