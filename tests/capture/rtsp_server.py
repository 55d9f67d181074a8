"""An RTSP server on 127.0.0.1 serving one file at rtsp://127.0.0.1:PORT/clip (Debian's
GStreamer RTSP server). Run with the system Python, which has `gi`:

    /usr/bin/python3 tests/capture/rtsp_server.py PORT FILE.mp4

It prints "ready" once it listens and serves until it is killed.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( filesrc location={path} ! qtdemux name=d "
    "d.video_0 ! queue ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 "
    "d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"
)


def main() -> None:
    port, path = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE.format(path=path))
    factory.set_shared(True)
    server.get_mount_points().add_factory("/clip", factory)
    server.attach(None)
    print("ready", flush=True)
    GLib.MainLoop().run()


main()
