"""Which specs FFmpeg may open, and what it may do for each.

A source only ever *connects*: it never listens, and it never reaches beyond the
scheme it was given. So only the schemes the app offers are accepted (http and
https, which also carry HLS playlists; rtsp and rtmp, with their TLS forms), a
`listen` option in the query is refused, and FFmpeg opens each URL with a
`protocol_whitelist` of just the protocols that scheme needs: an HLS playlist or
a redirect cannot lead it to `file:`, `tcp:` listeners, `concat:` or `subfile:`.
A local file is opened by its absolute path with only the `file` protocol.

Any failure to play a URL is told in one neutral sentence (`NETWORK_FAILURE`),
the same whether the port is closed, open but not speaking video, or the host
unknown, so a typed URL cannot be used to probe ports.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from streamer.errors import SourceError

_HTTP = "http,https,tcp,tls,crypto"  # https segments in an http playlist; crypto: AES-128 HLS
PROTOCOLS = {  # scheme -> the FFmpeg protocols it may open
    "http": _HTTP,
    "https": _HTTP,
    "rtsp": "rtsp,rtp,udp,tcp",  # control over tcp; rtp and udp for a udp transport
    "rtsps": "rtsp,rtsps,rtp,udp,tcp,tls",
    "rtmp": "rtmp,tcp",
    "rtmps": "rtmps,tcp,tls",
}
LOCAL_PROTOCOLS = "file"
RTSP_TRANSPORTS = ("tcp", "udp")
LISTEN_KEYS = frozenset({"listen", "rtmp_listen", "listen_timeout"})
# FFmpeg reads a protocol from "name:" or "name,options:" (subfile); one letter is a DOS drive.
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)(?::|,.*:)")
SOURCES_HINT = "use a file path, http(s)://, rtsp://, rtmp://, webcam:N or mic:NAME"
NETWORK_FAILURE = (
    "The stream could not be played: it cannot be reached or does not send "
    "audio or video; check the URL and that the stream is on."
)


@dataclass(frozen=True)
class Target:
    """What `av.open` gets for a spec: the URL or absolute path, and its options."""

    url: str
    network: bool
    options: dict[str, str] = field(default_factory=dict)


def is_url(spec: str) -> bool:
    """A URL of a scheme the app plays (http, https, rtsp, rtmp and their TLS forms)."""
    scheme, sep, _ = spec.strip().partition("://")
    return bool(sep) and scheme.lower() in PROTOCOLS


def target(spec: str, rtsp_transport: str = "tcp") -> Target:
    """The URL or local path FFmpeg may open for `spec`, or SourceError saying why not.

    RTSP goes over TCP unless `rtsp_transport` is "udp" (lower latency, but packets
    lost on a busy network are gone).
    """
    if rtsp_transport not in RTSP_TRANSPORTS:
        raise SourceError(f"rtsp_transport must be one of {', '.join(RTSP_TRANSPORTS)}.")
    spec = spec.strip()
    if is_url(spec):
        return _url_target(spec, rtsp_transport)
    if not os.path.exists(spec):  # an existing file named "a:b.mp4" is still a file
        m = SCHEME_RE.match(spec)
        if m:
            scheme = m.group(1)
            raise SourceError(
                f"Sources starting with '{scheme}:' are not supported; {SOURCES_HINT}."
            )
    # An absolute path starts with "/", so FFmpeg never reads a protocol name from it.
    return Target(os.path.abspath(spec), False, {"protocol_whitelist": LOCAL_PROTOCOLS})


def _url_target(url: str, rtsp_transport: str) -> Target:
    try:
        parts = urlsplit(url)
        keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        host = parts.hostname
    except ValueError as e:  # a malformed port or bracket
        raise SourceError(f"{url} is not a valid URL; check it.") from e
    if keys & LISTEN_KEYS:
        raise SourceError(
            "A source URL can only connect to a stream, not listen for one; "
            "remove the 'listen' option."
        )
    if not host:
        raise SourceError(f"{url} names no host; check the URL.")
    scheme = parts.scheme.lower()
    options = {"protocol_whitelist": PROTOCOLS[scheme]}
    if scheme.startswith("rtsp"):
        options["rtsp_transport"] = rtsp_transport
    return Target(url, True, options)
