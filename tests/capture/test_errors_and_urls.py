"""Bad input gives one clear sentence and leaves no thread running; URLs decode like files."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from streamer.capture import FileConfig, FileSource, open_source, source_config
from streamer.capture.urls import NETWORK_FAILURE
from streamer.errors import SourceError
from streamer.types import StatusKind
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
    local, local_audio, _ = drain(FileSource(FileConfig(str(clip[0]))))
    remote, remote_audio, end = drain(open_source(source_config(f"{base}/clip.mp4")))
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


def _cut(clip_path, tmp_path, fraction: float) -> str:
    """The clip's first `fraction` of bytes (its moov is at the front: faststart)."""
    data = clip_path.read_bytes()
    path = tmp_path / f"cut-{fraction:.2f}.mp4"
    path.write_bytes(data[: int(len(data) * fraction)])
    return str(path)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda c, d: str(d / "missing.mp4"), "not found"),
        (lambda c, d: _write(d / "empty.mp4", b""), "empty"),
        (lambda c, d: _write(d / "notes.mp4", b"just text\n" * 50), "not a video"),
        (lambda c, d: str(d), "folder"),
        (lambda c, d: f"http://127.0.0.1:{_closed_port()}/clip.mp4", "cannot be reached"),
        (lambda c, d: "gopher://example/clip.mp4", "not supported"),
        (lambda c, d: "", "no source"),
    ],
)
def test_bad_source_is_one_clear_sentence(clip, tmp_path, make, words):
    with pytest.raises(SourceError) as err:
        src = open_source(source_config(make(clip[0], tmp_path)))
        drain(src, timeout=20)
    message = str(err.value)
    assert words in message.lower()
    assert message.count("\n") == 0 and len(message) < 300


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8])
def test_a_cut_file_keeps_what_decoded_and_says_once_that_it_ends_early(clip, tmp_path, fraction):
    whole, whole_audio, whole_end = drain(FileSource(FileConfig(str(clip[0]))))
    assert whole_end.note is None  # an intact file ends without a note
    src = FileSource(FileConfig(_cut(clip[0], tmp_path, fraction)))
    frames, audio, end = drain(src, timeout=20)
    assert end.reason == "end" and end.error is None
    assert 0 < len(frames) < len(whole)
    times, whole_times = [f.t for f in frames], [f.t for f in whole]
    assert set(times) <= set(whole_times) and times == sorted(times)
    before_cut = [t for t in whole_times if t <= times[-1]]
    assert len(times) >= len(before_cut) - 2  # all it could read (the cut packet is lost)
    assert 0 < sum(c.duration for c in audio) < sum(c.duration for c in whole_audio)
    assert end.note is not None and "ends early at 0:" in end.note and "\n" not in end.note
    stats = src.stats()
    assert stats.state == "ended" and stats.note == end.note
    warnings = [e for e in src.events() if e.kind is StatusKind.WARNING]
    assert [w.message for w in warnings] == [end.note]


def test_a_file_with_nothing_decodable_is_one_sentence(clip, tmp_path):
    data = clip[0].read_bytes()
    header = data[: data.find(b"mdat") + 64]  # the whole moov, a few bytes of media
    frames, audio, end = drain(
        FileSource(FileConfig(_write(tmp_path / "header.mp4", header))), timeout=20
    )
    assert not frames and not audio and end.reason == "error"
    message = end.error or ""
    assert "truncated" in message and "\n" not in message and len(message) < 300


@pytest.mark.parametrize(
    "spec",
    [
        "tcp://127.0.0.1:{port}?listen=1",
        "http://127.0.0.1:{port}/live.ts?listen=1",
        "rtmp://127.0.0.1:{port}/app/key?listen=1",
        "rtsp://127.0.0.1:{port}/cam?Listen=2",
    ],
)
def test_a_listen_url_is_refused_before_any_socket_opens(spec):
    port = _closed_port()
    t0 = time.monotonic()
    with pytest.raises(SourceError) as err:
        open_source(source_config(spec.format(port=port))).start()
    assert time.monotonic() - t0 < 1.0  # refused, not listening for 10 s
    message = str(err.value)  # tcp: is refused as a scheme, the others for listening
    assert ("not listen" in message or "not supported" in message) and "\n" not in message
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", port))  # nobody listens there


@pytest.mark.parametrize(
    "spec",
    [
        "tcp://127.0.0.1:9/x",
        "udp://127.0.0.1:9",
        "srt://127.0.0.1:9",
        "file:///etc/passwd",
        "concat:a.mp4|b.mp4",
        "subfile,,start,0,end,0,,:/etc/passwd",
        "subfile:/etc/passwd",
        "pipe:0",
        "data:video/mp4;base64,AAAA",
    ],
)
def test_a_scheme_the_app_does_not_offer_is_one_sentence(spec):
    t0 = time.monotonic()
    with pytest.raises(SourceError) as err:
        FileSource(FileConfig(spec)).start()
    message = str(err.value)
    assert "not supported" in message and "http(s)://" in message
    assert message.count("\n") == 0 and message.endswith(".") and len(message) < 200
    assert time.monotonic() - t0 < 1.0


@pytest.fixture
def garbage_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and answers with noise."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"\x00\xffnot a protocol at all\r\n\r\n" * 4)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    done.set()
    thread.join(5)
    server.close()


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/clip.mp4", "rtsp://127.0.0.1:{port}/a"])
def test_an_open_and_a_closed_port_fail_with_the_same_sentence(url, garbage_port):
    messages = []
    for port in (_closed_port(), garbage_port):
        with pytest.raises(SourceError) as err:
            drain(open_source(source_config(url.format(port=port))), timeout=20)
        messages.append(str(err.value))
    assert messages == [NETWORK_FAILURE, NETWORK_FAILURE]
