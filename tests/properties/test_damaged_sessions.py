"""A saved session with any file damaged reopens whole, or is refused in one sentence naming it.

Never a traceback, and never silently less: a session that opens has every event,
memory item and stream second that was saved; only its watches may be left out,
and then with a note that says so. One real session (the gate clip, a watch that
fired) is saved once; each example damages one file of a copy.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from streamer.manifest import CHECKSUM, MANIFEST_FILE, digest
from streamer.session import Session, SessionConfig
from streamer.session_files import SAVING_MARK
from streamer.store import StoreError
from streamer.watch import WATCHES_FILE, Watches
from tests.properties.conftest import JSON, json_bytes, raises_only_sentences

WATCH = "tell me when the sign says gate 7"
# The variants the hostile campaign found, each a traceback at reopen before.
BAD_WATCHES = [
    {"next_id": "x", "watches": [1], "alerts": 5},
    {"watches": [{"id": 1}]},
    {"watches": [], "alerts": [{"evidence": {"thumbnail": "%%%"}}]},
    [1, 2],
    {"watches": [{"id": "1", "text": 7, "since": None}]},
]


@pytest.fixture(scope="module")
def saved(clip, tmp_path_factory) -> tuple[Path, Session]:
    path, _ = clip
    folder = tmp_path_factory.mktemp("damage") / "saved"
    s = Session(SessionConfig(str(path), pace="none"))
    s.watches.watch(WATCH)
    s.start()
    try:
        s.run_until(None)
        s.save(folder)
    finally:
        s.stop()
    assert s.watches.alerts() and s.timeline_events()
    return folder, s


def whole(s: Session) -> tuple[Any, ...]:
    """Everything a reopened session must have kept, watches apart."""
    assert s.timeline is not None and s.memory is not None
    return (
        round(s.stream_time(), 6),
        s.timeline.events,
        s.timeline.objects.lines(),
        s.memory.snapshot(),  # every held item: its time, span, weight, thumbnail
    )


def watched(s: Session) -> tuple[Any, ...]:
    return [w.text for w in s.watches.watch_list()], [(a.t, a.sentence) for a in s.watches.alerts()]


def reopen(folder: Path, s: Session) -> Session | None:
    back: Session | None = raises_only_sentences(lambda: Session.open(folder, models=s.models))
    if back is not None:
        back.stop()
    return back


def copy(saved: tuple[Path, Session], tmp: Path) -> Path:
    folder = tmp / "copy"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(saved[0], folder)
    return folder


def test_an_undamaged_save_reopens_whole(saved, tmp_path):
    folder, s = saved
    back = reopen(copy(saved, tmp_path), s)
    assert back is not None and back.notes == []
    assert whole(back) == whole(s) and watched(back) == watched(s)


@pytest.mark.parametrize("bad", BAD_WATCHES)
def test_damaged_watches_are_left_out_with_a_note(saved, tmp_path, bad):
    folder = copy(saved, tmp_path)
    (folder / WATCHES_FILE).write_bytes(json_bytes(bad))
    back = reopen(folder, saved[1])
    assert back is not None and whole(back) == whole(saved[1])
    assert back.watches.watch_list() == [] and back.watches.alerts() == []
    assert len(back.notes) == 1 and WATCHES_FILE in back.notes[0] and "\n" not in back.notes[0]


@pytest.mark.parametrize("bad", BAD_WATCHES)
def test_watches_refuse_records_they_did_not_write(bad):
    w = Watches(lambda: 0.0)
    with pytest.raises(ValueError):
        w.restore(bad)
    assert w.watching() == [] and w.alerts() == []  # nothing half taken back


@pytest.mark.parametrize(
    "name", ["timeline.jsonl", "objects.jsonl", "timeline.safetensors", "memory/state.json"]
)
def test_a_missing_file_is_named(saved, tmp_path, name):
    folder = copy(saved, tmp_path)
    (folder / name).unlink()
    with pytest.raises(StoreError, match=f"missing its file {name}"):
        Session.open(folder, models=saved[1].models)


def rewrite_manifest(folder: Path, **changes: Any) -> None:
    raw = json.loads((folder / MANIFEST_FILE).read_text())
    raw.pop(CHECKSUM)
    raw.update(changes)
    text = json.dumps({**raw, CHECKSUM: digest(raw)})  # NaN as Python writes it
    (folder / MANIFEST_FILE).write_text(text)


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_a_stream_time_that_is_not_a_time_is_refused(saved, tmp_path, value):
    folder = copy(saved, tmp_path)
    rewrite_manifest(folder, stream_time=value)
    with pytest.raises(StoreError, match="damaged .*'stream_time'"):
        Session.open(folder, models=saved[1].models)


def test_an_edited_timeline_is_refused(saved, tmp_path):
    folder = copy(saved, tmp_path)
    path = folder / "timeline.jsonl"
    path.write_text(path.read_text().replace("GATE 7", "GATE 9"))
    with pytest.raises(StoreError, match="timeline.jsonl is damaged .*checksum"):
        Session.open(folder, models=saved[1].models)


# -- every file, damaged every way ---------------------------------------------------
def damage(data: bytes, how: str, at: int, extra: bytes) -> bytes | None:
    """`data` damaged `how` (None: the file is deleted)."""
    at = at % (len(data) + 1)
    if how == "delete":
        return None
    if how == "truncate":
        return data[:at]
    if how == "flip" and data:
        i = at % len(data)
        return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]
    if how == "insert":
        return data[:at] + extra + data[at:]
    return extra  # "replace": other bytes or JSON altogether


HOW = st.sampled_from(["delete", "truncate", "flip", "insert", "replace"])
EXTRA = st.binary(max_size=40) | JSON.map(json_bytes)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data(), HOW, st.integers(0, 1 << 20), EXTRA)
@example(None, "replace", 0, b'{"next_id":"x","watches":[1],"alerts":5}')
def test_any_damage_is_one_sentence_or_a_whole_reopen(saved, tmp_path, data, how, at, extra):
    folder = copy(saved, tmp_path)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    name = data.draw(st.sampled_from(files)) if data is not None else WATCHES_FILE
    path = folder / name
    damaged = damage(path.read_bytes(), how, at, extra)
    if damaged is None:
        path.unlink()
    else:
        path.write_bytes(damaged)
    back = reopen(folder, saved[1])
    if back is None:
        return  # refused in one sentence
    assert whole(back) == whole(saved[1]), f"{name} {how}: opened with less"
    if watched(back) != watched(saved[1]):
        assert back.notes and WATCHES_FILE in back.notes[0], f"{name} {how}: watches lost silently"


def test_a_save_cut_off_by_a_crash_opens_as_its_files_stand(saved, tmp_path):
    folder = copy(saved, tmp_path)
    (folder / SAVING_MARK).write_bytes(b"")  # the writer died between its files and manifest
    path = folder / "timeline.jsonl"
    path.write_text(path.read_text().splitlines(keepends=True)[0])  # the files moved on
    back = reopen(folder, saved[1])
    assert back is not None and back.timeline is not None
    assert len(back.notes) == 1 and "cut off" in back.notes[0]
    assert back.timeline.events == saved[1].timeline.events[:1]
    (folder / SAVING_MARK).unlink()  # without the mark it is damage, not a crash
    with pytest.raises(StoreError, match="timeline.jsonl is damaged"):
        Session.open(folder, models=saved[1].models)
