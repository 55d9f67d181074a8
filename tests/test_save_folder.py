"""A save folder is claimed before the stream starts: never replaced, never raced, never silent.

The gate clip (tests/conftest.py): a card "GATE 7 CLOSES AT NOON" from 3 s to 6 s, a
sentence from 8 s. Each test saves into its own folder with the real packaged models.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from streamer.errors import StreamerError
from streamer.folder_lock import FolderLock, is_locked
from streamer.manifest import MANIFEST_FILE, read_manifest
from streamer.session import Session, SessionConfig
from streamer.store import StoreError
from tests.conftest import CARD_TEXT, ROOT


def config(source, folder, **kw) -> SessionConfig:
    return SessionConfig(str(source), pace="none", save_dir=str(folder), **kw)


def saved_until(source, folder, t) -> Session:
    s = Session(config(source, folder)).start()
    try:
        s.run_until(t)
    finally:
        s.stop()
    return s


def one_sentence(e: pytest.ExceptionInfo) -> str:
    text = str(e.value)
    assert "\n" not in text and text.strip()
    return text


def texts(s: Session) -> list[str]:
    return [e.text for e in s.timeline_events()]


def test_another_source_never_replaces_a_saved_session(clip, bunny, tmp_path):
    path, _ = clip
    folder = tmp_path / "saved"
    saved_until(path, folder, 7.0)
    before = (folder / MANIFEST_FILE).read_bytes()
    other = Session(config(bunny, folder))
    with pytest.raises(StoreError) as e:
        other.start()
    assert "holds a saved session of" in one_sentence(e) and "--overwrite" in str(e.value)
    assert other.source is None  # refused before the stream opened
    assert (folder / MANIFEST_FILE).read_bytes() == before
    assert not is_locked(folder)  # the refusal let the folder go

    broken = Session(SessionConfig("/etc/hostname", pace="none", save_dir=str(folder)))
    broken.config.overwrite = True
    with pytest.raises(Exception):  # noqa: B017, PT011 - the source's own sentence
        broken.start()
        broken.run_until(None)
    broken.stop()
    assert (folder / MANIFEST_FILE).read_bytes() == before  # nothing played: nothing replaced

    s = Session(config(bunny, folder, overwrite=True)).start()
    try:
        s.run_until(None)
    finally:
        s.stop()
    assert read_manifest(folder).source == str(bunny)


def test_the_same_source_saved_again_is_resumed(clip, tmp_path):
    path, _ = clip
    folder = tmp_path / "saved"
    first = saved_until(path, folder, 7.0)
    assert any(CARD_TEXT.lower() in t.lower() for t in texts(first))
    s = Session(config(path, folder)).start()
    try:
        assert s.stream_time() == pytest.approx(7.0)  # it goes on from where it ended
        assert texts(s) == texts(first)  # with what it had seen
        s.run_until(None)
        answer = s.ask("What did the card say?").result(60)
    finally:
        s.stop()
    assert any("north entrance" in t.lower() for t in texts(s))  # heard after 7 s
    assert CARD_TEXT.lower() in answer.text.lower()  # seen by the first run only
    assert read_manifest(folder).stream_time > 11.0


def test_a_session_kept_in_another_memory_is_not_continued(clip, tmp_path):
    path, _ = clip
    folder = tmp_path / "saved"
    saved_until(path, folder, 2.0)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    with pytest.raises(StoreError) as e:
        Session(config(path, folder, memory="star")).start()
    assert "--memory pyramid" in one_sentence(e)
    assert json.loads((folder / MANIFEST_FILE).read_text()) == manifest


def test_a_second_writer_of_a_folder_is_refused(clip, tmp_path):
    path, _ = clip
    folder = tmp_path / "saved"
    first = Session(config(path, folder)).start()
    try:
        second = Session(config(path, folder))
        with pytest.raises(StoreError) as e:
            second.start()
        assert "being saved by another streamer process" in one_sentence(e)
        assert second.source is None
        held = FolderLock(tmp_path / "other")
        held.acquire()
        with pytest.raises(StoreError, match="another streamer process"):
            first.save(tmp_path / "other")  # an explicit save takes the lock too
        held.release()
    finally:
        first.stop()
    assert not is_locked(folder)


def test_a_killed_writer_leaves_no_lock(tmp_path):
    folder = tmp_path / "saved"
    code = (
        "import sys, time; from streamer.folder_lock import FolderLock; "
        f"FolderLock({str(folder)!r}).acquire(); print('locked', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"locked"
        with pytest.raises(StoreError, match=rf"another streamer process \(pid {child.pid}\)"):
            FolderLock(folder).acquire()
        child.kill()  # SIGKILL: no exit handler runs
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    lock = FolderLock(folder)
    lock.acquire()  # the system released the dead process's lock
    lock.release()


@pytest.mark.parametrize("where", ["/proc/streamer-test/saved", "file"])
def test_a_folder_that_cannot_be_written_fails_before_the_stream(clip, tmp_path, where):
    path, _ = clip
    if where == "file":
        where = str(tmp_path / "a-file")
        (tmp_path / "a-file").write_text("not a folder")
    s = Session(config(path, where))
    with pytest.raises(StoreError) as e:
        s.start()
    assert "cannot be saved into" in one_sentence(e) and where in str(e.value)
    assert s.source is None


def test_an_autosave_that_fails_stops_the_stream_in_one_sentence(clip, tmp_path):
    path, _ = clip
    folder = tmp_path / "saved"
    thread_errors: list[object] = []
    old_hook = threading.excepthook
    threading.excepthook = thread_errors.append
    try:
        s = Session(config(path, folder, autosave_seconds=0.2)).start()
        (folder / "memory").write_text("in the way")  # the memory's save folder is a file
        try:
            with pytest.raises(StreamerError) as e:
                s.run_until(None)
            assert "could not be saved into" in one_sentence(e)
            assert s.stats().state == "error" and s.stats().error == str(e.value)
        finally:
            s.stop()  # no second failure: autosave already said it
    finally:
        threading.excepthook = old_hook
    assert thread_errors == []


def test_a_source_that_never_played_leaves_no_save(tmp_path):
    folder = tmp_path / "saved"
    s = Session(SessionConfig("/etc/hostname", pace="none", save_dir=str(folder)))
    with pytest.raises(Exception):  # noqa: B017, PT011 - the source's own sentence
        s.start()
        s.run_until(None)
    s.stop()
    time.sleep(0.1)
    assert not folder.exists()


def test_ask_says_so_in_one_sentence(clip, bunny, tmp_path, capsys):
    from cli.main import main

    path, _ = clip
    folder = tmp_path / "saved"
    saved_until(path, folder, 2.0)
    before = (folder / MANIFEST_FILE).read_bytes()
    ask = ["ask", "-q", "What did the card say?", "--quiet"]
    assert main([*ask, str(bunny), "--at", "1", "--save", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "holds a saved session of" in err and "\n" not in err
    assert (folder / MANIFEST_FILE).read_bytes() == before

    t0 = time.monotonic()
    assert main([*ask, str(path), "--save", "/proc/streamer-test"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot be saved into /proc/streamer-test" in err and "\n" not in err
    assert time.monotonic() - t0 < 5.0  # before any replay, not after it


def test_ask_continues_the_same_source_and_says_where_it_asks(clip, tmp_path, capsys):
    from cli.main import main

    path, _ = clip
    folder = tmp_path / "saved"
    ask = ["ask", str(path), "-q", "What did the card say?", "--quiet", "--save", str(folder)]
    assert main([*ask, "--at", "7"]) == 0
    assert read_manifest(folder).stream_time == pytest.approx(7.0)
    capsys.readouterr()
    assert main([*ask, "--at", "2"]) == 0  # resumed at 7 s: it cannot un-see 2-7 s
    out = capsys.readouterr()
    assert "had already seen 0:07; asking there." in out.err and "[0:07] Q:" in out.out
    assert main([*ask, "--at", "10"]) == 0
    assert read_manifest(folder).stream_time == pytest.approx(10.0)
