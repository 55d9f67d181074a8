"""Object watches on real footage: opencv-doc's vtest.avi (people walking past parked vans)
cut between empty grey stretches, so people and vans come into view and leave at known times.

The stream: grey 0-4 s, vtest 8-16 s at 4-12 s, grey 12-17 s, vtest 66-72 s at 17-23 s,
grey 23-26 s. Persons and the parked van are in every vtest stretch (5-8 persons in
those seconds, see tests/assets/object-labels.json); there is no dog in vtest.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
FPS = 10
PLAN = [("grey", 4.0), ((8.0, 16.0), 8.0), ("grey", 5.0), ((66.0, 72.0), 6.0), ("grey", 3.0)]
IN_VIEW = [(4.0, 12.0), (17.0, 23.0)]  # stream seconds with vtest's people and vans
WATCHES = {
    "alert me when a person enters": [4.0, 17.0],
    "tell me when the delivery van arrives": [4.0, 17.0],
    "tell me when the people leave": [12.0, 23.0],
    "let me know if there are more than 2 people": [4.0, 17.0],
    "tell me when a dog appears": [],
}
TOLERANCE = 2.0


def cut_footage(path: Path) -> None:
    with av.open(str(VTEST)) as src:
        frames = [f.to_ndarray(format="rgb24") for f in src.decode(video=0)]  # 10 fps
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "20"})
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        for what, seconds in PLAN:
            for i in range(int(seconds * FPS)):
                if what == "grey":
                    img = np.full((h, w, 3), 128, np.uint8)
                else:
                    img = frames[int(what[0] * FPS) + i]
                out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(video.encode(None))


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    if not VTEST.exists():
        pytest.skip("opencv-doc is not installed (apt-get install opencv-doc)")
    path = tmp_path_factory.mktemp("footage") / "vtest-cut.mp4"
    cut_footage(path)
    config = SessionConfig(
        str(path), pace="none", perception=PerceptionConfig(ocr=False, speech=False)
    )
    with Session(config) as s:
        for text in WATCHES:
            s.watches.watch(text)
        s.run_until(None)
        yield s


@pytest.mark.parametrize("text", list(WATCHES))
def test_objects_coming_and_going_alert_once_each(watched, text):
    (w,) = [w for w in watched.watches.watch_list() if w.text == text]
    got = sorted(a.t for a in watched.watches.alerts() if a.watch == w.id)
    want = WATCHES[text]
    assert len(got) == len(want), (got, want)
    for t, expected in zip(got, want):
        assert abs(t - expected) <= TOLERANCE, (got, want)


def test_object_alerts_name_what_was_seen(watched):
    (w,) = [w for w in watched.watches.watch_list() if w.text == "alert me when a person enters"]
    first = next(a for a in watched.watches.alerts() if a.watch == w.id)
    assert "person" in first.sentence or "people" in first.sentence
    assert first.evidence.kind == "objects" and first.evidence.thumbnail is not None
    assert any(lo <= first.t <= hi for lo, hi in IN_VIEW)
