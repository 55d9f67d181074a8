"""Watches on the bundled demo met by paraphrase, through the real Session.

The demo (assets/demo.json) shows "GATE 7 CLOSES AT NOON" from 0:03 and says "The
meeting has moved to room two fourteen." at 0:32 and "Remember to water the plants
on Friday." at 0:47. A watch for words meets them as the answers do (one matcher,
reasoning/matcher.py): "midday" is the sign's "noon", "relocated" is "moved"; the
near misses (the gate opening, Monday, a lorry for the delivery van) never fire.
"""

from __future__ import annotations

import pytest

from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig
from tests.conftest import DEMO

WATCHES = {  # watch -> the stream times its alerts must come at
    "tell me when the screen shows midday": [3.0],
    "tell me when someone says the meeting was relocated": [32.0],
    "tell me when the sign says the gate opens": [],
    "tell me when someone mentions Monday": [],
    "tell me when someone says a lorry arrived": [],
}
TOLERANCE = 2.0  # seconds of stream time either side
HEARD_AND_READ = PerceptionConfig(objects=False, language="en")  # what these watches need


@pytest.fixture(scope="module")
def demo_alerts() -> dict[str, list[float]]:
    s = Session(SessionConfig(str(DEMO), pace="none", perception=HEARD_AND_READ))
    ids = {
        s.watches.watch(text).id: text for text in WATCHES
    }  # registered before the stream starts
    with s:  # starts it
        s.run_until(None)
        got: dict[str, list[float]] = {text: [] for text in WATCHES}
        for a in s.watches.alerts():
            got[ids[a.watch]].append(a.t)
        return got


@pytest.mark.parametrize("text", list(WATCHES))
def test_a_demo_watch_fires_on_its_meaning_and_only_there(demo_alerts, text) -> None:
    got, want = sorted(demo_alerts[text]), WATCHES[text]
    assert len(got) == len(want), (got, want)
    for t, w in zip(got, want):
        assert abs(t - w) <= TOLERANCE, (got, want)
