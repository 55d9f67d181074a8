"""What `make test` installed is what the locks say, with one OpenCV.

The locks (requirements/py311-*.lock, written by `make lock`) pin every package a
`make` target installs; `make lint` and these tests fail when pyproject.toml moved
on without them, or when the venv holds something else.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
OPENCV_WHEELS = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)


def load_lock_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_tool", ROOT / "tools" / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lock() -> ModuleType:
    return load_lock_tool()


def installed(name: str) -> Version | None:
    try:
        return Version(version(name))
    except PackageNotFoundError:
        return None


def test_exactly_one_opencv_distribution_is_installed() -> None:
    found = [name for name in OPENCV_WHEELS if installed(name) is not None]
    assert found == ["opencv-python"], "two OpenCV wheels write one cv2/ folder"
    import cv2

    wheel = installed("opencv-python")
    assert wheel is not None and Version(cv2.__version__).release == wheel.release[:3]


def test_the_locks_match_pyproject(lock: ModuleType) -> None:
    assert lock.problems() == []


def test_the_venv_holds_the_locked_versions(lock: ModuleType) -> None:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (target,) = [t for t in lock.TARGETS if t.name == "test"]
    pins = lock.pins(target.path(python))
    assert len(pins) > 100 and "torch" not in pins
    differ = {
        name: (str(pinned), str(installed(name)))
        for name, pinned in pins.items()
        if installed(name) != pinned
    }
    assert differ == {}, "reinstall from the lock: rm -rf .venv && make test"
    assert canonicalize_name("opencv-python") in pins
    assert pins[canonicalize_name("opencv-python")] < Version("5.1")


def test_a_moved_pyproject_or_an_edited_lock_is_caught(
    lock: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    monkeypatch.setattr(lock, "PYPROJECT", pyproject)
    monkeypatch.setattr(lock, "LOCK_DIR", tmp_path / "requirements")

    pyproject.write_text(text)
    assert lock.problems() == []
    pyproject.write_text(text.replace('"tqdm>=4.66"', '"tqdm>=4.66", "left-pad>=1"'))
    found = lock.problems()
    assert any("another pyproject.toml: run `make lock`" in s for s in found)
    assert any("does not pin left-pad" in s for s in found)

    pyproject.write_text(text)
    app_lock = tmp_path / "requirements" / "py311-app.lock"
    pinned = lock.pins(app_lock)[canonicalize_name("opencv-python")]
    app_lock.write_text(
        app_lock.read_text().replace(f"opencv-python=={pinned}", "opencv-python==5.1.0.95")
    )
    (sentence,) = lock.problems()
    assert "pins opencv-python==5.1.0.95, outside pyproject.toml's opencv-python" in sentence
