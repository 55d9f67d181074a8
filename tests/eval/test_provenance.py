"""What a report records to be made again: model hashes of checkpoints and files, resumes.

The whole-report checks (command, commit, seed, versions, packaged models, a
rescore equal to the original) are in test_ovo_streamingbench.py, on a real run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from streamer.eval.provenance import backend_models, provenance
from streamer.eval.runner import prepare
from streamer.eval.stream import RunConfig
from streamer.eval.types import Benchmark

REVISION = "0123456789abcdef0123456789abcdef01234567"
WEIGHTS = bytes(range(256)) * 512  # 128 KiB standing in for model.safetensors


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_vlm_folder_is_listed_with_every_file_hashed(tmp_path: Path) -> None:
    folder = tmp_path / "my-vlm"
    (folder / "sub").mkdir(parents=True)
    config = json.dumps({"model_type": "llava_onevision"}).encode()
    (folder / "config.json").write_bytes(config)
    (folder / "model.safetensors").write_bytes(WEIGHTS)
    (folder / "sub" / "tokenizer.json").write_bytes(b"{}")
    [m] = backend_models(f"vlm:{folder}")
    assert m["role"] == "vision-language model" and m["id"] == "my-vlm"
    assert m["source"] == "folder" and m["model_type"] == "llava_onevision"
    assert m["files"] == {
        "config.json": _sha(config),
        "model.safetensors": _sha(WEIGHTS),
        "sub/tokenizer.json": _sha(b"{}"),
    }


def test_a_cached_hub_checkpoint_gives_its_revision_and_blob_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub cache's layout: blobs named by sha256 (LFS) or git hash, snapshot links."""
    hub = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    repo = hub / "models--org--tiny-vlm"
    config = json.dumps({"model_type": "smolvlm"}).encode()
    blobs = {_sha(WEIGHTS): WEIGHTS, "a" * 40: config}  # a small file: named by its git hash
    (repo / "blobs").mkdir(parents=True)
    for name, data in blobs.items():
        (repo / "blobs" / name).write_bytes(data)
    snapshot = repo / "snapshots" / REVISION
    snapshot.mkdir(parents=True)
    (snapshot / "model.safetensors").symlink_to(f"../../blobs/{_sha(WEIGHTS)}")
    (snapshot / "config.json").symlink_to(f"../../blobs/{'a' * 40}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    [m] = backend_models("vlm:org/tiny-vlm")
    assert m["source"] == "hub cache" and m["revision"] == REVISION
    assert m["model_type"] == "smolvlm"
    assert m["files"] == {"config.json": _sha(config), "model.safetensors": _sha(WEIGHTS)}
    assert backend_models("vlm:org/not-here") == [
        {"role": "vision-language model", "id": "org/not-here", "source": "missing"}
    ]


def test_a_gguf_given_by_path_is_hashed_and_the_packaged_one_pinned(tmp_path: Path) -> None:
    from models.weights import QWEN_CODER_1_5B

    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(WEIGHTS)
    assert backend_models(f"llm:{gguf}")[0]["sha256"] == _sha(WEIGHTS)
    assert backend_models("llm")[0]["sha256"] == QWEN_CODER_1_5B.sha256
    assert backend_models("extractive") == []


def test_a_resumed_run_keeps_the_first_provenance_and_names_the_resume(tmp_path: Path) -> None:
    bench = Benchmark("synthetic", [])
    first = {"benchmark_args": {"seed": 7}, "command": ["launch.py", "eval", "first"]}
    made = prepare(tmp_path, bench, RunConfig(), first)["provenance"]
    assert made["command"] == first["command"] and made["seed"] == 7
    assert {k: made[k] for k in ("seed", "command")} == {
        k: provenance(first["command"], 7, "extractive")[k] for k in ("seed", "command")
    }
    again = prepare(tmp_path, bench, RunConfig(), {**first, "command": ["launch.py", "again"]})
    kept = again["provenance"]
    assert kept["command"] == first["command"] and kept["versions"] == made["versions"]
    assert [r["command"] for r in kept["resumed"]] == [["launch.py", "again"]]
    assert kept["resumed"][0]["commit"] == made["commit"]
