"""The saved-session format: written whole, read back, or refused in one sentence."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from streamer.manifest import (
    CHECKSUM,
    FORMAT_VERSION,
    MANIFEST_FILE,
    Manifest,
    digest,
    list_saved,
    read_manifest,
    write_manifest,
)
from streamer.memory.items import MemoryConfigError
from streamer.memory.kv import KvConfig
from streamer.memory.timeline import Timeline
from streamer.session import Session, SessionConfig, saved_config
from streamer.store import StoreError
from streamer.types import Policy


def manifest(**kw) -> Manifest:
    base = dict(source="talk.mp4", stream_time=12.5, memory="pyramid", embedder_dim=384)
    return Manifest(config=asdict(SessionConfig("talk.mp4")), **{**base, **kw})


def write_raw(folder, obj) -> None:
    """A manifest as a writer with a mistake would leave it: its checksum fits its contents."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(obj, dict) and "files" in obj and obj["files"] is None:
        obj = {k: v for k, v in obj.items() if k != "files"}
    if isinstance(obj, dict):
        obj = {**obj, CHECKSUM: digest(obj)}
    (folder / MANIFEST_FILE).write_text(json.dumps(obj))


def test_round_trip_and_listing(tmp_path):
    write_manifest(tmp_path / "a", manifest(saved_at=100.0))
    write_manifest(tmp_path / "b", manifest(saved_at=200.0, memory="star"))
    (tmp_path / "not-a-session").mkdir()
    write_raw(tmp_path / "broken", [1, 2])
    back = read_manifest(tmp_path / "a")
    assert back == manifest(saved_at=100.0, files={}) and back.format == FORMAT_VERSION
    listed = Session.saved(tmp_path)
    assert [s.name for s in listed] == ["b", "a"]  # newest first; unreadable ones left out
    assert listed[0].manifest.memory == "star" and list_saved(tmp_path / "none") == []


def good(**changes) -> dict:
    raw = asdict(manifest())
    raw.update(changes)
    return raw


@pytest.mark.parametrize(
    "raw, words",
    [
        ([1, 2, 3], "not a JSON object"),
        (good(format=FORMAT_VERSION + 1), "saved by a newer streamer"),
        (good(thumbnails_v2=True), "saved by a newer streamer"),
        ({k: v for k, v in good().items() if k != "stream_time"}, "has no stream_time"),
        (good(stream_time="abc"), "'stream_time' is str"),
        (good(embedder_dim=True), "'embedder_dim' is bool"),
        (good(config=[1]), "'config' is list"),
        (good(format=0), "format 0"),
    ],
)
def test_unreadable_manifests_are_one_sentence(tmp_path, raw, words):
    write_raw(tmp_path / "s", raw)
    with pytest.raises(StoreError, match=words) as e:
        Session.open(tmp_path / "s")  # refused before any model loads
    assert "\n" not in str(e.value) and str(tmp_path / "s") in str(e.value)


def test_a_folder_without_a_manifest_says_what_to_pick(tmp_path):
    with pytest.raises(StoreError, match="is not a saved session"):
        Session.open(tmp_path)


@pytest.mark.parametrize(
    "config, words",
    [
        ({**asdict(SessionConfig()), "colour_mode": 1}, "newer streamer .*colour_mode"),
        (
            {**asdict(SessionConfig()), "perception": {"ocr": True, "dream": 2}},
            "newer streamer .*dream",
        ),
        ({**asdict(SessionConfig()), "perception": {"sample_rate_hz": "x"}}, "newer"),
        ({**asdict(SessionConfig()), "speed": 1, "perception": {"max_batch": 0}}, "cannot use"),
        ({**asdict(SessionConfig()), "pace": "fast"}, "cannot use .*pace is realtime or none"),
        ({**asdict(SessionConfig()), "speed": 0}, "cannot use .*Speed \\(0\\)"),
    ],
)
def test_saved_settings_this_version_cannot_use(tmp_path, config, words):
    with pytest.raises(StoreError, match=words):
        saved_config(tmp_path, config)


def test_one_policy_from_the_pace_to_the_kv_prefill():
    replay, live = SessionConfig("a.mp4", pace="none"), SessionConfig("a.mp4")
    assert replay.is_replay and replay.policy is Policy.WAIT
    assert not live.is_replay and live.policy is Policy.DROP_OLDEST
    saved = json.loads(json.dumps(asdict(KvConfig(when_busy=live.policy))))
    assert saved["when_busy"] == "drop" and KvConfig(**saved).when_busy is Policy.DROP_OLDEST
    with pytest.raises(MemoryConfigError, match="'wait' or 'drop'"):
        KvConfig(when_busy="later")  # type: ignore[arg-type]


def test_a_damaged_timeline_record_is_one_sentence(tmp_path):
    (tmp_path / "timeline.jsonl").write_text('{"kind": "speech", "text": "hi"}\n')
    with pytest.raises(StoreError, match="damaged .*does not fit"):
        Timeline.load(tmp_path)
