"""Properties of the saved-session reader: any bytes or JSON in its files, one-sentence errors."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from streamer.manifest import MANIFEST_FILE, read_manifest
from streamer.memory.state import STATE_FILE, read_state
from streamer.memory.timeline import EVENTS_FILE, VECTORS_FILE, Timeline
from streamer.session_config import SessionConfig, saved_config
from streamer.store import load_arrays, read_json, read_jsonl
from tests.properties.conftest import JSON, json_bytes, raises_only_sentences

FIXTURE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
DEEP = b"[" * 100_000  # deeper than the JSON parser recurses
LONG_INT = b"1" * 5000  # past Python's 4300-digit limit for int("...")
BYTES = st.binary(max_size=200) | JSON.map(json_bytes)


@FIXTURE
@given(BYTES)
@example(DEEP)  # was a RecursionError
@example(LONG_INT)  # was a bare ValueError (int digit limit)
@example(b"\xff{}")  # not UTF-8
def test_json_files_are_read_or_refused_in_one_sentence(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(data)
    raises_only_sentences(lambda: read_json(path))


@FIXTURE
@given(st.lists(BYTES, max_size=4).map(b"\n".join))
@example(b"[]\n" + DEEP + b"\n")  # was a RecursionError
@example(LONG_INT + b"\n{}\n")  # was a bare ValueError
def test_jsonl_files_are_read_or_refused_in_one_sentence(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "file.jsonl"
    path.write_bytes(data)
    records = raises_only_sentences(lambda: read_jsonl(path))
    assert records is None or all(isinstance(r, dict) for r in records)


@FIXTURE
@given(st.binary(max_size=300))
def test_tensor_files_are_read_or_refused_in_one_sentence(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "file.safetensors"
    path.write_bytes(data)
    raises_only_sentences(lambda: load_arrays(path))


def _manifest(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = dict(source="a.mp4", stream_time=1.0, memory="pyramid", embedder_dim=8)
    return {**raw, "config": asdict(SessionConfig()), **changes}


MANIFESTS = (
    JSON
    | st.dictionaries(st.sampled_from(sorted(_manifest())), JSON).map(lambda d: _manifest(**d))
    | st.dictionaries(st.text(max_size=8), JSON, max_size=2).map(lambda d: _manifest(**d))
)


@FIXTURE
@given(MANIFESTS)
@example(_manifest(**{"new\nkey": 1}))  # its name broke the sentence over two lines
def test_manifests_are_read_or_refused_in_one_sentence(tmp_path: Path, raw: Any) -> None:
    (tmp_path / MANIFEST_FILE).write_bytes(json_bytes(raw))
    raises_only_sentences(lambda: read_manifest(tmp_path))


CONFIGS = st.dictionaries(
    st.sampled_from([*asdict(SessionConfig()), "fps", "x\ny"]), JSON, max_size=4
) | st.dictionaries(st.just("perception"), JSON | st.dictionaries(st.text(max_size=6), JSON))


@settings(max_examples=200, deadline=None)
@given(CONFIGS)
@example({"perception": 3})  # was a bare TypeError
@example({"perception": ["a"]})  # was a bare TypeError
@example({"x\ny": 1})  # its name broke the sentence over two lines
def test_saved_configs_are_read_or_refused_in_one_sentence(saved: dict[str, Any]) -> None:
    raises_only_sentences(lambda: saved_config(Path("saved"), saved))


EVENT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["speech", "ocr", "tags"]) | JSON,
        "text": st.text(max_size=10) | JSON,
        "start": st.floats(0, 100) | JSON,
        "end": st.floats(0, 100) | JSON,
    },
    optional={"confidence": JSON, "extra": JSON},
)
EVENTS = st.lists(EVENT | JSON, max_size=4)
VECTORS = st.sampled_from([None, (0,), (2,), (2, 8), (1, 8), (2, 3), (2, 8, 1)])


@FIXTURE
@given(EVENTS, VECTORS, st.booleans())
@example([{"kind": "ocr", "text": "x", "start": "a", "end": "b"}], None, True)  # ValueError
@example([{"kind": "ocr", "text": "x", "start": 0, "end": 1}], (1,), True)  # IndexError
@example([{"kind": "ocr", "text": "x", "start": "b\n", "end": "a"}], None, True)  # 2 lines
@example([{"kind": "ocr", "text": "x", "start": 0, "end": 1, "x\ny": 0}], None, True)  # 2 lines
@example([{"kind": "ocr", "text": "x", "start": 0, "end": 1}], (1, 8), False)  # KeyError
def test_timelines_are_loaded_or_refused_in_one_sentence(
    tmp_path: Path, records: list[Any], shape: tuple[int, ...] | None, named: bool
) -> None:
    (tmp_path / EVENTS_FILE).write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / VECTORS_FILE).unlink(missing_ok=True)
    if shape is not None:
        arrays = {"vectors" if named else "other": np.zeros(shape, np.float32)}
        (tmp_path / VECTORS_FILE).write_bytes(safetensors.numpy.save(arrays))
    tl = raises_only_sentences(lambda: Timeline.load(tmp_path, dim=8))
    if tl is not None:
        assert len(tl) == len(records)


STATES = JSON | st.fixed_dictionaries(
    {
        "format": st.just(1) | JSON,
        "tensors": st.sampled_from(["t.safetensors", "", "..", "a\0b", "../x"]) | JSON,
    }
)


@FIXTURE
@given(STATES)
@example({"format": 1, "tensors": "a\0b"})  # was a bare ValueError (embedded null byte)
def test_memory_states_are_read_or_refused_in_one_sentence(tmp_path: Path, state: Any) -> None:
    (tmp_path / STATE_FILE).write_bytes(json_bytes(state))
    (tmp_path / "t.safetensors").write_bytes(safetensors.numpy.save({"a": np.zeros(2)}))
    raises_only_sentences(lambda: read_state(tmp_path))
