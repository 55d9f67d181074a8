"""What a report needs to be made again: the command, the commit, package versions, models, seed.

    p = provenance(["launch.py", "eval", ...], seed=0, backend="extractive")
    p["models"][0]  # {"role": "frame encoder", "name": "EfficientNet-Lite0", "sha256": ...}

Recorded once, when a run folder is made (`runner.prepare` keeps it in run.json),
so a report rebuilt later (`eval --rescore`) names what made the answers, not
what rebuilt the report; the rescore adds its own command and commit beside it.
The packaged models' hashes are their pinned sha256, which `models.weights`
checks before any of them loads; a model given by path is hashed here.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

from models import weights
from streamer import __version__

# The packages that shape the answers (looked up, not imported); absent ones are left out.
PACKAGES = (
    "numpy",
    "torch",
    "transformers",
    "onnxruntime",
    "faiss-cpu",
    "gradio",
    "av",
    "llama-cpp-python",
    "faster-whisper",
    "rapidocr-onnxruntime",
    "sentence-transformers",
    "ray",
)
OPENCV = ("opencv-python", "opencv-python-headless", "opencv-contrib-python")  # one cv2 wins
# What every session's perception and timeline load (`streamer.modelset.load_models`).
PERCEPTION = (
    ("frame encoder", weights.EFFICIENTNET_LITE0),
    ("text embedder", weights.MINILM_L6),
    ("OCR detection", weights.OCR_DET),
    ("OCR recognition", weights.OCR_REC),
    ("OCR angle", weights.OCR_CLS),
    ("speech recognizer", weights.WHISPER_BASE),
    ("voice activity", weights.SILERO_VAD),
    ("object detector", weights.SSD_GRAPH),
    ("object detector graph", weights.SSD_CONFIG),
)
SEED_NOTE = "the synthetic stream's seed; every model decodes greedily, without sampling"


def versions() -> dict[str, str]:
    """streamer, Python, the platform and the installed versions of `PACKAGES` and OpenCV."""
    out = {
        "streamer": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in PACKAGES:
        found = _version(name)
        if found:
            out[name] = found
    cv = [f"{_version(d)} ({d})" for d in OPENCV if _version(d)]
    if cv:
        out["opencv"] = ", ".join(cv)
    return out


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> dict[str, Any]:
    """{"commit": full sha, "dirty": uncommitted changes to tracked files}; {} outside a clone."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return {}
    head = _git(root, "rev-parse", "HEAD")
    if not head:
        return {}
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {"commit": head, "dirty": bool(status)}


def _git(root: Path, *argv: str) -> str | None:
    try:
        res = subprocess.run(
            ["git", "-C", str(root), *argv], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def spec_entry(role: str, spec: weights.WeightSpec) -> dict[str, Any]:
    """A packaged model as the report lists it: its pinned packages and sha256."""
    return {
        "role": role,
        "name": spec.name,
        "packages": [f"{d}=={v}" for d, v in spec.packages],
        "file": spec.filename,
        "sha256": spec.sha256,
    }


def backend_models(backend: str) -> list[dict[str, Any]]:
    """The models a reasoning backend answers with: the packaged GGUF, a file, a checkpoint."""
    kind, _, arg = backend.partition(":")
    kind, arg = kind.strip(), arg.strip()
    if kind == "llm" and not arg:
        return [spec_entry("language model", weights.QWEN_CODER_1_5B)]
    if kind == "llm":
        return [file_entry("language model", Path(arg).expanduser())]
    if kind == "vlm" and arg:
        from models.vlm.fingerprint import fingerprint

        return [{"role": "vision-language model", **fingerprint(arg)}]
    if kind == "openai" and arg:  # a model on the user's server: its name and where (no key)
        from streamer.reasoning.openai_prompt import parse_endpoint

        endpoint = parse_endpoint(arg)
        return [{"role": "model on a server", "name": endpoint.model, "url": endpoint.base_url}]
    return []


def file_entry(role: str, path: Path) -> dict[str, Any]:
    """A model file given by path (not pinned): its name and sha256 as it is now."""
    entry: dict[str, Any] = {"role": role, "name": path.name, "path": str(path)}
    if path.is_file():
        entry["sha256"] = weights.sha256_file(path)
    return entry


def annotation_hashes(paths: list[str]) -> dict[str, str]:
    """The sha256 of each annotation file read (a folder: each of its *.json), so a revised
    file is visible in the report."""
    out = {}
    for p in map(Path, paths):
        for f in sorted(p.glob("*.json")) if p.is_dir() else [p]:
            if f.is_file():
                out[str(f)] = weights.sha256_file(f)
    return out


def provenance(command: list[str] | None, seed: int | None, backend: str) -> dict[str, Any]:
    """Everything above, for the run that is starting now."""
    return {
        "command": command,
        **git_commit(),
        "seed": seed,
        "seed_note": SEED_NOTE,
        "versions": versions(),
        "models": [spec_entry(role, spec) for role, spec in PERCEPTION] + backend_models(backend),
    }


def rescored(command: list[str] | None) -> dict[str, Any]:
    """What a rescore adds: its own command, commit and versions (the answers stay the run's)."""
    return {"command": command, **git_commit(), "versions": versions()}
