"""Colours of what is shown: shapes on a plain backdrop, named by colour and outline.

The synthetic benchmark's colour questions ("What colour was the most recent
circle?") are about drawn shapes no COCO class names. Frames come from
streamer.synth (every colour and outline known) and the bundled demo (a red
circle at 0:06, a blue square at 0:20, a yellow triangle at 0:34, a purple
circle at 1:02, by eye and in assets/demo.json); real street footage has no
plain backdrop, so nothing there is called a shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.memory.objects import ObjectLog
from streamer.perception import PerceptionConfig
from streamer.perception.colours import shown_shapes
from streamer.session import Session, SessionConfig
from streamer.synth import COLORS, Card, ClipScript, Shape, draw_frame, render
from streamer.types import Answer, FrameObjects, ShownShape
from tests.conftest import DEMO
from tests.models.test_detector import frame_at

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
OBJECTS_ONLY = PerceptionConfig(ocr=False, speech=False)
# A generated clip: two circles and a square of known colours, a text card between them.
SCRIPT = ClipScript(
    duration=24.0,
    shapes=[
        Shape(2.0, 6.0, "circle", "green"),
        Shape(8.0, 12.0, "square", "orange"),
        Shape(16.0, 20.0, "circle", "blue"),
    ],
    cards=[Card(13.0, 15.0, "WET FLOOR")],
    audio=False,
)


@pytest.mark.parametrize("kind", ["circle", "square", "triangle"])
@pytest.mark.parametrize("colour", list(COLORS))
def test_a_drawn_shape_is_named_by_colour_and_outline(kind: str, colour: str) -> None:
    frame = draw_frame(ClipScript(4.0, shapes=[Shape(0.0, 4.0, kind, colour)]), 1.0)
    (shape,) = shown_shapes(frame)
    assert (shape.colour, shape.shape) == (colour, kind)
    x0, y0, x1, y1 = shape.box  # drawn in the middle, half the frame's height across
    assert x0 < 0.5 < x1 and y0 < 0.5 < y1 and 0.4 < y1 - y0 < 0.6


def test_letters_and_streets_are_no_shapes() -> None:
    card = draw_frame(ClipScript(4.0, cards=[Card(0.0, 4.0, "BUDGET 2027\n40,000 EUROS")]), 1.0)
    assert shown_shapes(card) == ()
    assert shown_shapes(frame_at(DEMO, 16.0)) == ()  # the same card, bold, in the demo
    if VTEST.exists():
        assert shown_shapes(frame_at(VTEST, 40.0)) == ()  # a walker on grey tarmac is no shape


@pytest.mark.parametrize(
    ("t", "words"),
    [
        (7.0, "red circle"),
        (21.0, "blue square"),
        (35.0, "yellow triangle"),
        (63.0, "purple circle"),
    ],
)
def test_the_demo_shapes(t: float, words: str) -> None:
    (shape,) = shown_shapes(frame_at(DEMO, t))
    assert shape.words == words


def test_a_new_shape_starts_a_new_event_and_shapes_are_saved(tmp_path: Path) -> None:
    red, blue = (
        ShownShape("red", "circle", (0.4, 0.3, 0.6, 0.7)),
        ShownShape("blue", "circle", (0.4, 0.3, 0.6, 0.7)),
    )
    log = ObjectLog()
    for t, shown in ((0.0, (red,)), (1.0, (red,)), (2.0, (blue,)), (3.0, ())):
        log.add(FrameObjects(t, t + 1.0, (), "white", shown))
    assert [(e.start, e.end, e.text) for e in log.events()] == [
        (0.0, 2.0, "a red circle (centre)"),
        (2.0, 3.0, "a blue circle (centre)"),
        (3.0, 4.0, ""),
    ]
    path = tmp_path / "objects.jsonl"
    path.write_text(log.lines())
    assert [e.shown for e in ObjectLog.load(path).events()] == [(red,), (blue,), ()]


def ask(s: Session, question: str, options: list[str] | None = None) -> Answer:
    answer = s.ask(question, options=options).result(60)
    assert answer.error is None, answer.error
    return answer


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Answer]]:
    path = tmp_path_factory.mktemp("shapes") / "shapes.mp4"
    render(SCRIPT, str(path))
    options = ["red", "green", "blue", "orange"]
    answers = {}
    with Session(SessionConfig(str(path), pace="none", perception=OBJECTS_ONLY)) as s:
        s.run_until(7.0)
        answers["circle@7"] = ask(s, "What colour was the most recent circle?", options)
        s.run_until(None)
        answers["circle@end"] = ask(s, "What colour was the most recent circle?", options)
        answers["first circle"] = ask(s, "What colour was the first circle?", options)
        answers["square"] = ask(s, "What colour was the square?")
        answers["shape"] = ask(s, "What colour was the shape?")
        answers["triangle"] = ask(s, "What colour was the triangle?")
    yield answers


def test_the_colour_of_the_most_recent_shape_is_chosen(generated: dict[str, Answer]) -> None:
    assert generated["circle@7"].text.startswith("B. green"), generated["circle@7"].text
    assert generated["circle@end"].text.startswith("C. blue"), generated["circle@end"].text
    assert generated["first circle"].text.startswith("B. green"), generated["first circle"].text
    head = generated["circle@end"].evidence[0]
    assert head.kind == "objects" and 15.0 <= head.start <= 17.5, head  # the blue circle
    assert head.thumbnail is not None


def test_the_colour_of_a_shape_in_words(generated: dict[str, Answer]) -> None:
    assert generated["square"].text.startswith("Orange: the square shown at 0:0"), generated
    assert generated["shape"].text.startswith("Blue: the circle"), generated["shape"].text
    assert "not seen a triangle" in generated["triangle"].text, generated["triangle"].text


@pytest.fixture(scope="module")
def demo() -> Iterator[dict[str, Answer]]:
    with Session(SessionConfig(str(DEMO), pace="none", perception=OBJECTS_ONLY)) as s:
        s.run_until(None)
        yield {q: ask(s, q) for q in ("What colour was the triangle?", "Did you see an airplane?")}


def test_the_demo_triangle_is_yellow_and_no_airplane(demo: dict[str, Answer]) -> None:
    answer = demo["What colour was the triangle?"]
    assert answer.text.startswith("Yellow: the triangle shown at 0:3"), answer.text
    assert demo["Did you see an airplane?"].text.startswith("No."), demo
