"""Fixtures for the app's tests: one model loader for all, a served app per module.

Gradio reads GRADIO_TEMP_DIR when it is imported, so it is set here, before any
test module imports `ui`; TMPDIR (used by gradio_client and the upload store)
points into the same private folder while the ui tests run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_ROOT = Path(tempfile.mkdtemp(prefix="streamer-ui-tests-"))
atexit.register(shutil.rmtree, _ROOT, True)  # also when no ui test ran (deselected)
os.environ["GRADIO_TEMP_DIR"] = str(_ROOT / "gradio")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from ui.app import AppOptions, build_app, launch  # noqa: E402  (after GRADIO_TEMP_DIR)
from ui.controller import AppController  # noqa: E402
from ui.model_loader import ModelLoader  # noqa: E402

GATE_QUESTION = "What does the gate sign say?"
GATE_TEXT = "GATE 7 CLOSES AT NOON"  # assets/demo.json: a card from 3 s to 6 s


@pytest.fixture(scope="package", autouse=True)
def private_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """TMPDIR and Gradio's temp folder inside one folder removed after the ui tests."""
    tmp_path_factory.getbasetemp()  # pytest's own temp root stays where it was
    tmp = _ROOT / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    old_env, old_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = str(tmp), str(tmp)
    try:
        yield _ROOT
    finally:
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        tempfile.tempdir = old_tempdir
        shutil.rmtree(_ROOT, ignore_errors=True)


@pytest.fixture(scope="package")
def models() -> ModelLoader:
    """The packaged models, loaded and warmed once for every ui test."""
    loader = ModelLoader().start()
    loader.get(300)
    return loader


@pytest.fixture
def make_controller(
    models: ModelLoader, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], AppController]]:
    made: list[AppController] = []

    def make() -> AppController:
        app = AppController(tmp_path_factory.mktemp("sessions"), models=models)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@dataclass
class Served:
    url: str
    app: AppController


@pytest.fixture
def served(make_controller: Callable[[], AppController]) -> Iterator[Served]:
    """The app on a free local port, stopped after the test."""
    app = make_controller()
    options = AppOptions(host="127.0.0.1", port=free_port())
    demo = build_app(app, options)
    launch(demo, options, block=False)
    try:
        yield Served(f"http://127.0.0.1:{options.port}/", app)
    finally:
        demo.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` until it returns something true; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stream_time(app: AppController) -> float:
    stats = app.live().stats
    return stats.stream_time if stats is not None else 0.0
