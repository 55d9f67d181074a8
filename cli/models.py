"""`launch.py models list [--json] | pull ID | reference`: which models are here, how to get one.

`list` never touches the network: it reads the local Hugging Face cache (HF_HOME,
HF_HUB_CACHE) and the installed packages. `pull` downloads a supported
vision-language checkpoint into that cache; `vlm:ID` then loads it offline.
`reference` builds (once) and names the folder of a reference model: a packaged
real language model with random vision (models/vlm/reference.py), for `vlm:FOLDER`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

FAMILIES = ("llava-onevision", "qwen2.5-vl")  # the keys of models.vlm.reference.REFERENCES

HELP = (
    "list the vision-language and packaged models found here, pull one (models pull ID), "
    "or build the reference model (models reference)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="supported models and whether each is here")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.add_argument(
        "--verify", action="store_true", help="also check packaged weights' sha256 (slower)"
    )
    pull = sub.add_parser("pull", help="download a supported vision-language model")
    pull.add_argument("model_id", metavar="ID", help="a Hugging Face id from `models list`")
    reference = sub.add_parser(
        "reference",
        help="build once and name the reference model's folder: real language model, random vision",
    )
    reference.add_argument(
        "--family",
        choices=FAMILIES,
        default=FAMILIES[0],
        help="whose shape: llava-onevision (the 0.5B LM, 2.4 GB) or qwen2.5-vl (the 1.5B LM, "
        "6 GB, needs the 1.5B weight packages)",
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "pull":
        return _pull(args.model_id)
    if args.action == "reference":
        return _reference(args.family)
    found = inventory(verify=args.verify)
    print(json.dumps(found, indent=2) if args.json else render(found))
    return 0


def inventory(verify: bool = False) -> dict[str, Any]:
    """{"hub_cache", "vlm": [...], "packaged": [...]} as `list --json` prints it."""
    from models.inventory import packaged
    from models.vlm.catalog import CATALOG, cached, cached_supported, hub_cache

    vlm = []
    for m in CATALOG:
        snapshot = cached(m.model_id)
        vlm.append(
            {
                "id": m.model_id,
                "family": m.family,
                "supported": m.supported,
                "cached": snapshot is not None,
                "path": str(snapshot) if snapshot else None,
            }
        )
    known = {m.model_id for m in CATALOG}
    for other in cached_supported():  # a cached checkpoint of a supported family, not listed
        if other not in known:
            snapshot = cached(other)
            vlm.append(
                {
                    "id": other,
                    "family": "",
                    "supported": True,
                    "cached": True,
                    "path": str(snapshot),
                }
            )
    return {
        "hub_cache": str(hub_cache()),
        "vlm": vlm,
        "packaged": [asdict(p) for p in packaged(verify)],
    }


def render(found: dict[str, Any]) -> str:
    lines = [f"Vision-language models (backend vlm:ID; Hugging Face cache {found['hub_cache']}):"]
    width = max(len(m["id"]) for m in found["vlm"])
    for m in found["vlm"]:
        if not m["supported"]:
            state = "not yet supported"
        elif m["cached"]:
            state = "here"
        else:
            state = f"not here: python launch.py models pull {m['id']}"
        lines.append(f"  {m['id']:<{width}}  {m['family'] or '(cached)':<16} {state}")
    lines.append("Packaged models (pinned PyPI packages):")
    width = max(len(p["name"]) for p in found["packaged"])
    for p in found["packaged"]:
        tail = f": {p['hint']}" if p["hint"] else ""
        lines.append(f"  {p['name']:<{width}}  {p['state']}{tail}")
    return "\n".join(lines)


def _pull(model_id: str) -> int:
    from models.vlm.catalog import cached, download

    before = cached(model_id)
    folder = download(model_id)  # UnsupportedModelError / DownloadError: one sentence
    verb = "already in the cache, checked" if before else "downloaded"
    print(f"{model_id} {verb}: {folder}")
    print(f"use it with: --backend vlm:{model_id}")
    return 0


def _reference(family: str) -> int:
    from models.vlm.reference import NOTE, REFERENCES, reference_folder

    ref = REFERENCES[family]
    folder = reference_folder(ref)  # ModelMissingError: one sentence
    print(f"{ref.label} ({NOTE}): {folder}")
    print(f"use it with: --backend vlm:{folder}")
    return 0
