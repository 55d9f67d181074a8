"""EfficientNet-Lite0 on real clips: tags, feature similarity, ONNX against torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models import weights
from models.frame_encoder import (
    EfficientNetEncoder,
    FrameEncoderConfig,
    imagenet_classes,
    onnx_path,
)
from models.protocols import FrameEncoder

# ImageNet classes that are (parts of) a bicycle or a two-wheeler.
BIKE_CLASSES = {"mountain bike", "tandem bicycle", "unicycle", "tricycle", "moped", "scooter"}
BIKE_FRAMES = (243, 246, 249)  # bikes.mp4, 25 fps: the last shot, a bicycle parked by a wall
SAME_SHOT = (160, 161)  # two consecutive frames inside one shot of bikes.mp4 (bridge, fence)
CUT = (241, 242)  # the last frame of one shot and the first of the next


def decode_frames(path: Path, indices: set[int] | None = None) -> dict[int, np.ndarray]:
    """Frames of a video file as (H, W, 3) uint8 RGB, keyed by 0-based index."""
    import av

    frames: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if indices is None or i in indices:
                frames[i] = frame.to_ndarray(format="rgb24")
            if indices is not None and len(frames) == len(indices):
                break
    return frames


@pytest.fixture(scope="module")
def encoder() -> EfficientNetEncoder:
    enc = EfficientNetEncoder()
    enc.load()
    return enc


@pytest.fixture(scope="module")
def bikes(media_dir: Path) -> dict[int, np.ndarray]:
    return decode_frames(media_dir / "bikes.mp4", {*BIKE_FRAMES, *SAME_SHOT, *CUT})


@pytest.fixture(scope="module")
def bunny(media_dir: Path) -> np.ndarray:
    return decode_frames(media_dir / "bigbuckbunny.mp4", {60})[60]


def test_runs_onnx_exported_into_the_cache(encoder: EfficientNetEncoder, model_cache: Path) -> None:
    assert isinstance(encoder, FrameEncoder)
    assert encoder.backend == "onnx"
    assert onnx_path().is_file() and onnx_path().is_relative_to(model_cache)
    assert weights.EFFICIENTNET_LITE0.sha256[:16] in onnx_path().name
    leftovers = [p.name for p in onnx_path().parent.iterdir() if p != onnx_path()]
    assert leftovers == []


def test_class_names_are_imagenet_order() -> None:
    names = imagenet_classes()
    assert len(names) == len(set(names)) == 1000
    assert (names[0], names[444], names[671], names[999]) == (
        "tench",
        "tandem bicycle",
        "mountain bike",
        "toilet paper",
    )


def test_bicycle_is_tagged(encoder: EfficientNetEncoder, bikes: dict[int, np.ndarray]) -> None:
    for index, out in zip(BIKE_FRAMES, encoder.encode([bikes[i] for i in BIKE_FRAMES])):
        names = [name for name, _ in out.tags]
        assert BIKE_CLASSES & set(names), f"frame {index}: {out.tags}"


def test_outputs_have_documented_shapes(encoder: EfficientNetEncoder, bunny: np.ndarray) -> None:
    (out,) = encoder.encode([bunny])
    assert out.feature.shape == (1280,) and out.feature.dtype == np.float32
    assert out.tokens.shape == (7, 7, 1280) and out.tokens.dtype == np.float32
    info = encoder.info  # what the memory is told: the space, size and grid of these features
    assert out.space == info.space and (*info.grid, info.dim) == out.tokens.shape
    assert np.linalg.norm(out.feature) == pytest.approx(1.0, abs=1e-5)
    probs = [p for _, p in out.tags]
    assert len(out.tags) == 5 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1
    pooled = out.tokens.mean(axis=(0, 1))  # the feature is the mean of the tokens, normalised
    np.testing.assert_allclose(pooled / np.linalg.norm(pooled), out.feature, atol=1e-5)


def test_near_identical_frames_are_similar_other_scenes_are_not(
    encoder: EfficientNetEncoder, bikes: dict[int, np.ndarray], bunny: np.ndarray
) -> None:
    a, b, before, after, other = encoder.encode(
        [bikes[SAME_SHOT[0]], bikes[SAME_SHOT[1]], bikes[CUT[0]], bikes[CUT[1]], bunny]
    )
    same = float(a.feature @ b.feature)
    assert same > 0.9
    assert float(before.feature @ after.feature) < 0.6  # a cut between two shots
    assert float(a.feature @ other.feature) < 0.6  # a street vs a cartoon meadow


def test_batches_match_single_frames(
    encoder: EfficientNetEncoder, bikes: dict[int, np.ndarray], bunny: np.ndarray
) -> None:
    images = [bikes[SAME_SHOT[0]], bunny, bikes[BIKE_FRAMES[0]]]
    batched = encoder.encode(images)
    for image, out in zip(images, batched):
        (single,) = encoder.encode([image])
        np.testing.assert_allclose(out.feature, single.feature, atol=1e-4)
        assert out.tags[0][0] == single.tags[0][0]
    assert encoder.encode([]) == []


def test_torch_fallback_agrees_with_onnx(
    encoder: EfficientNetEncoder, bikes: dict[int, np.ndarray]
) -> None:
    torch_encoder = EfficientNetEncoder(FrameEncoderConfig(backend="torch"))
    image = bikes[BIKE_FRAMES[-1]]
    (via_torch,), (via_onnx,) = torch_encoder.encode([image]), encoder.encode([image])
    assert torch_encoder.backend == "torch"
    np.testing.assert_allclose(via_torch.feature, via_onnx.feature, atol=1e-4)
    np.testing.assert_allclose(via_torch.tokens, via_onnx.tokens, atol=1e-3)
    assert [n for n, _ in via_torch.tags] == [n for n, _ in via_onnx.tags]


def test_rejects_images_that_are_not_rgb_uint8(encoder: EfficientNetEncoder) -> None:
    with pytest.raises(ValueError, match="uint8 RGB"):
        encoder.encode([np.zeros((32, 32), np.uint8)])
    with pytest.raises(ValueError, match="uint8 RGB"):
        encoder.encode([np.zeros((32, 32, 3), np.float32)])


def test_a_damaged_onnx_cache_entry_is_exported_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bunny: np.ndarray
) -> None:
    monkeypatch.setenv("STREAMER_CACHE", str(tmp_path))
    onnx_path().parent.mkdir(parents=True)
    onnx_path().write_bytes(b"not a graph")  # e.g. a disk error after the rename
    encoder = EfficientNetEncoder(FrameEncoderConfig(backend="onnx"))
    (out,) = encoder.encode([bunny])
    assert encoder.backend == "onnx" and onnx_path().stat().st_size > 10_000_000
    assert out.feature.shape == (1280,)
