"""Which vision-language checkpoint answered: its id, revision, family and file hashes.

For a report that must be made again: `fingerprint("vlm-folder")` hashes the
folder's files (sha256, ~1 s a GB); for a Hugging Face id in the cache, the
blob names already are the sha256 of the large (LFS) files, so only the small
ones are hashed. Nothing is loaded and nothing downloads.

Example:
    >>> fingerprint("llava-hf/llava-onevision-qwen2-0.5b-ov-hf")["revision"]  # doctest: +SKIP
    'f9f2a0a5...'
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from models.vlm.catalog import cached
from models.weights import sha256_file

__all__ = ["fingerprint"]

SHA256_NAME = re.compile(r"[0-9a-f]{64}")  # a hub blob named by its sha256 (an LFS file)


def fingerprint(path_or_id: str) -> dict[str, Any]:
    """{"id", "source", "revision", "model_type", "files": {name: sha256}} of a checkpoint.

    `source` is "folder", "hub cache" or "missing" (then only the id is known).
    """
    folder = Path(path_or_id).expanduser()
    out: dict[str, Any] = {"id": path_or_id}
    if folder.is_dir():
        out |= {"id": folder.name, "path": str(folder.resolve()), "source": "folder"}
    else:
        snapshot = cached(path_or_id)
        if snapshot is None:
            return out | {"source": "missing"}
        folder = snapshot
        out |= {"source": "hub cache", "revision": snapshot.name}
    config = folder / "config.json"
    if config.is_file():
        out["model_type"] = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    out["files"] = {
        p.relative_to(folder).as_posix(): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    return out


def _sha256(path: Path) -> str:
    """The file's sha256; read from the blob's name where the hub cache already holds it."""
    target = path.resolve()
    return target.name if SHA256_NAME.fullmatch(target.name) else sha256_file(target)
