"""Bad input gives one clear sentence and leaves no thread running; URLs decode like files."""

from __future__ import annotations

import functools
import http.server
import socket
import threading

import pytest

from streamer.capture import FileSource, open_source
from streamer.errors import SourceError
from tests.capture.helpers import drain


@pytest.fixture
def http_root(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving tmp_path (no Range support)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_url_decodes_like_the_file(clip, http_root):
    root, base = http_root
    (root / "clip.mp4").write_bytes(clip[0].read_bytes())
    local, local_audio, _ = drain(FileSource(str(clip[0])))
    remote, remote_audio, end = drain(open_source(f"{base}/clip.mp4"))
    assert end.reason == "end"
    assert [f.t for f in remote] == [f.t for f in local]
    assert sum(c.duration for c in remote_audio) == pytest.approx(
        sum(c.duration for c in local_audio)
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _truncated(clip_path, tmp_path):
    data = clip_path.read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])
    return str(path)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda c, d: str(d / "missing.mp4"), "not found"),
        (lambda c, d: _write(d / "empty.mp4", b""), "empty"),
        (lambda c, d: _write(d / "notes.mp4", b"just text\n" * 50), "not a video"),
        (lambda c, d: str(d), "folder"),
        (lambda c, d: f"http://127.0.0.1:{_closed_port()}/clip.mp4", "cannot reach"),
        (lambda c, d: "gopher://example/clip.mp4", "unknown source scheme"),
        (lambda c, d: "", "no source"),
    ],
)
def test_bad_source_is_one_clear_sentence(clip, tmp_path, make, words):
    with pytest.raises(SourceError) as err:
        src = open_source(make(clip[0], tmp_path))
        drain(src, timeout=20)
    message = str(err.value)
    assert words in message.lower()
    assert message.count("\n") == 0 and len(message) < 300


def test_truncated_file_ends_with_an_error_after_what_could_be_read(clip, tmp_path):
    src = FileSource(_truncated(clip[0], tmp_path))
    try:
        frames, _, end = drain(src, timeout=20)
    except SourceError as e:  # cut inside the header: refused at open
        assert "truncated" in str(e)
        return
    assert end.reason == "error" and "truncated" in (end.error or "")
    assert 0 < len(frames) < 120
    assert src.stats().state == "error"
