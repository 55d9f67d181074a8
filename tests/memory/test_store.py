"""Atomic file helpers: JSON, safetensors, JSONL with a torn tail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamer.errors import StreamerError
from streamer.store import (
    StoreError,
    append_jsonl,
    load_arrays,
    read_json,
    read_jsonl,
    save_arrays_atomic,
    write_bytes_atomic,
    write_json_atomic,
)


def test_json_and_arrays_round_trip(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "a.json", {"t": 1.5, "text": "état"})
    assert read_json(tmp_path / "a.json") == {"t": 1.5, "text": "état"}
    arrays = {"x": np.arange(12, dtype=np.float32).reshape(3, 4), "y": np.ones(2, np.float64)}
    save_arrays_atomic(tmp_path / "a.safetensors", arrays)
    back = load_arrays(tmp_path / "a.safetensors")
    assert back.keys() == arrays.keys()
    for k in arrays:
        np.testing.assert_array_equal(back[k], arrays[k])
        assert back[k].dtype == arrays[k].dtype
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_replace_keeps_the_old_file_until_the_new_one_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "b.bin"
    write_bytes_atomic(path, b"old")

    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin"]


def test_errors_are_one_sentence_streamer_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(StreamerError, match=r"bad.json is damaged \(not valid JSON"):
        read_json(tmp_path / "bad.json")
    (tmp_path / "bad.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    with pytest.raises(StoreError, match="is damaged"):
        load_arrays(tmp_path / "bad.safetensors")
    with pytest.raises(StoreError, match="is missing"):
        read_json(tmp_path / "none.json")


def test_jsonl_ignores_a_torn_last_line_and_repairs_it_on_append(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    append_jsonl(path, [{"i": 0}, {"i": 1}])
    with open(path, "ab") as f:
        f.write(b'{"i": 2, "te')  # a crash in the middle of a line
    assert read_jsonl(path) == [{"i": 0}, {"i": 1}]
    append_jsonl(path, [{"i": 3}])
    assert read_jsonl(path) == [{"i": 0}, {"i": 1}, {"i": 3}]
    assert path.read_bytes().endswith(b'{"i": 3}\n')


def test_jsonl_torn_first_line_and_damage_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"i": 0')
    assert read_jsonl(path) == []
    append_jsonl(path, [{"i": 1}])
    assert read_jsonl(path) == [{"i": 1}]
    path.write_bytes(b'{"i": 0}\n{garbled\n{"i": 2}\n')
    with pytest.raises(StoreError, match="line 2 is not valid JSON"):
        read_jsonl(path)
