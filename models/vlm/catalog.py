"""The published vision-language checkpoints the `vlm` backend knows, and which are here.

The catalog is every published checkpoint of every row of `registry.FAMILIES`;
a cached checkpoint of another id is supported when its family (config.json
`model_type`) has a row there. "Here"
means in the local Hugging Face cache, found offline: `$HF_HUB_CACHE`, else
`$HF_HOME/hub`, else `~/.cache/huggingface/hub`, read when asked (not when
imported), laid out as `models--ORG--NAME/snapshots/<rev>/` with `refs/main`.
`download` is the one place a checkpoint is fetched from the hub.

Example:
    >>> [m.model_id for m in CATALOG if m.supported][:1]
    ['llava-hf/llava-onevision-qwen2-0.5b-ov-hf']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from models.vlm.base import UnsupportedModelError
from models.vlm.checkpoint import first_line
from models.vlm.registry import FAMILIES, family_of
from models.weights import ModelMissingError

__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "DownloadError",
    "Listed",
    "cached",
    "cached_supported",
    "download",
    "hub_cache",
    "listed",
]

DEFAULT_ENDPOINT = "https://huggingface.co"


class DownloadError(ModelMissingError):
    """A checkpoint could not be fetched (one sentence that says what to do)."""


@dataclass(frozen=True)
class Listed:
    """One published checkpoint: its id and family."""

    model_id: str  # Hugging Face id
    family: str  # what a person calls it
    model_type: str  # config.json "model_type", the key of its `registry.FAMILIES` row

    @property
    def supported(self) -> bool:
        return family_of(self.model_type) is not None


CATALOG: tuple[Listed, ...] = tuple(
    Listed(model_id, f.label, f.model_type) for f in FAMILIES for model_id in f.published
)
DEFAULT_MODEL = FAMILIES[0].example_id  # LLaVA-OneVision-0.5B, 0.9 B parameters


def listed(model_id: str) -> Listed | None:
    """The catalog entry of `model_id` (ids compare case-insensitively, as on the hub)."""
    return next((m for m in CATALOG if m.model_id.lower() == model_id.lower()), None)


def hub_cache() -> Path:
    """The Hugging Face hub cache folder, from the environment as it is now."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def cached(model_id: str) -> Path | None:
    """The snapshot folder of `model_id` at `refs/main` when its config.json is cached."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(model_id, "config.json", cache_dir=hub_cache())
    except ValueError:  # not a valid repo id
        return None
    return Path(found).parent if isinstance(found, str) else None


def cached_supported() -> list[str]:
    """Ids of the cached checkpoints whose family has an adapter: the catalog's, then others."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        repos = [r.repo_id for r in scan_cache_dir(hub_cache()).repos if r.repo_type == "model"]
    except CacheNotFound:
        return []
    ids = [m.model_id for m in CATALOG if m.supported and m.model_id in repos]
    return ids + sorted(
        r for r in repos if r not in ids and family_of(_model_type(r) or "") is not None
    )


def _model_type(model_id: str) -> str | None:
    snapshot = cached(model_id)
    if snapshot is None:
        return None
    try:
        value = json.loads((snapshot / "config.json").read_text()).get("model_type")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def download(model_id: str) -> Path:
    """Fetch `model_id` into the hub cache; its snapshot folder.

    Raises:
        UnsupportedModelError: an id the vlm backend cannot read.
        DownloadError: the hub could not be reached (or refused the download).
    """
    entry = listed(model_id)
    if entry is None or not entry.supported:
        ok = ", ".join(m.model_id for m in CATALOG if m.supported)
        why = "is not supported yet" if entry else "is not a model the vlm backend knows"
        raise UnsupportedModelError(f"{model_id} {why}; pull one of: {ok}.")
    import httpx
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    endpoint = os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT  # read now, not at import
    try:
        folder = snapshot_download(entry.model_id, cache_dir=hub_cache(), endpoint=endpoint)
    except (LocalEntryNotFoundError, httpx.TransportError, OSError) as e:  # no network, refused
        raise DownloadError(_unreachable(entry.model_id)) from e
    except HfHubHTTPError as e:
        raise DownloadError(
            f"The Hugging Face hub refused {entry.model_id} ({first_line(e)}); "
            "log in with `hf auth login` if it needs a licence, or try again later."
        ) from e
    return Path(str(folder))


def _unreachable(model_id: str) -> str:
    return (
        f"Could not reach the Hugging Face hub to download {model_id}; check your connection, "
        "or copy the model folder here and use vlm:FOLDER."
    )
