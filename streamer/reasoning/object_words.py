"""Which COCO classes a question names, and what it asks of them.

object_query("How many people are walking?")  -> labels {"person"}, asks "count", mode "now"
object_query("What vehicles do you see?")     -> labels {car, truck, bus, ...}, asks "list"
object_query("What did she say?")             -> None: no object named
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from models.detector import coco_labels
from streamer.perception.objects import plural

LABELS = tuple(coco_labels().values())
VEHICLES = frozenset({"bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"})
ANIMALS = frozenset(
    {"bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"}
)
GROUPS = {"vehicle": VEHICLES, "animal": ANIMALS}
ANY_OBJECT = r"\b(objects?|things?|what do you see|what can you see|what is in view|in view)\b"
# Everyday words for COCO classes (the SSD calls a van a car or a truck).
SYNONYMS: dict[str, set[str]] = {
    "people": {"person"},
    "persons": {"person"},
    "man": {"person"},
    "men": {"person"},
    "woman": {"person"},
    "women": {"person"},
    "pedestrians?": {"person"},
    "child(ren)?": {"person"},
    "kids?": {"person"},
    "humans?": {"person"},
    "someone": {"person"},
    "anyone": {"person"},
    "bikes?": {"bicycle"},
    "cyclists?": {"bicycle"},
    "motorbikes?": {"motorcycle"},
    "vans?": {"car", "truck"},
    "lorr(y|ies)": {"truck"},
    "taxis?": {"car"},
    "phones?": {"cell phone"},
    "tvs?|televisions?": {"tv"},
    "sofas?": {"couch"},
    "tables?": {"dining table"},
    "plants?": {"potted plant"},
    "balls?": {"sports ball"},
    "bags?": {"handbag", "backpack", "suitcase"},
    "planes?": {"airplane"},
}
DISTINCT = (
    r"\b(different|distinct|unique|in total|total|altogether|overall|went by|go by|gone by"
    r"|passed|pass by|came|come by|walked (past|by)|drove (past|by)|so far)\b"
)
MOST = r"\b(at most|at once|at the same time|at one time|maximum|max|the most|peak|largest)\b"
NOW = r"\b(now|right now|currently|at the moment|still)\b"
PRESENT = r"\b(are|is|do you see|can you see|there are|is there|are there)\b"
COLOUR = r"\b(colou?r|colou?red)\b"
# Shapes on a plain backdrop (perception/colours.py `shown_shapes`): no COCO class, a colour.
SHAPES = r"\b(shape|circle|square|rectangle|triangle)s?\b"
WHERE = r"^\s*where\b"
LEAVE = r"\b(leave|left|disappear|disappeared|go away|gone|exit|exited|last)\b"
FIRST = r"\b(first|appear|appeared|arrive|arrived|come|came|show up|showed up|enter|entered)\b"


# What an object question asks, and how: counts "now" | "most" | "distinct" (a moment is the
# question's time.at); when "first" | "last"; colour "shown" (of a shape shown) or "".
Asks = Literal["count", "yesno", "when", "where", "colour", "list"]
Mode = Literal["now", "most", "distinct", "first", "last", "shown", ""]


@dataclass(frozen=True)
class ObjectQuery:
    """What a question asks about objects."""

    labels: frozenset[str]  # the COCO classes it is about (all of them for "what objects")
    asks: Asks
    mode: Mode
    named: str  # the words it used for them: "people", "vehicles"; a shape's outline or "shape"


# A person named before one of these and another object after it is who holds the object,
# not what is asked about: "Is anyone holding an umbrella?" asks about umbrellas.
HOLDING = (
    r"\b(holding|holds|held|carrying|carries|carried|with|wearing|wears|wore|riding|rides|rode"
    r"|pushing|pushed|pulling|pulled|has|have|had|using|uses|used)\b"
)
# "Is there a flag?", "Is anyone carrying a guitar?": a thing asked about by sight; the noun
# phrase ends at a preposition or the question mark, its last word is the thing.
SIGHT_THING = (
    r"\b(?:is there|are there|was there|were there|did you see|do you see|can you see"
    r"|have you seen|(?:anyone|anybody|someone|somebody)\s+(?:\w+\s+)?" + HOLDING + r")"
    r"\s+(?:an?|any|some|the)\s+(?P<thing>(?:[a-z]+\s+){0,2}?[a-z]+)"
    r"(?=\s+(?:in|on|at|near|by|with|from|during|before|after|around|about|now|today)\b|\s*[?.!]|$)"
)
CLASSES = r"\b(what|which)\b.*\b(can|do) you\s+(recogni[sz]e|detect|identify|spot|tell apart)\b"


def _matches(text: str) -> list[tuple[int, frozenset[str], str]]:
    """(position, COCO classes, the word used) for each class word in `text`, in text order."""
    found: list[tuple[int, frozenset[str], str]] = []
    for label in sorted(LABELS, key=len, reverse=True):  # "traffic light" before "light"
        m = re.search(rf"\b({re.escape(label)}|{re.escape(plural(label))})\b", text)
        if m and not any(label in other for _, ls, _ in found for other in ls):
            found.append((m.start(), frozenset({label}), m.group(1)))
    for pattern, labels in SYNONYMS.items():
        m = re.search(rf"\b({pattern})\b", text)
        if m:
            found.append((m.start(), frozenset(labels), m.group(1)))
    for group, members in GROUPS.items():
        m = re.search(rf"\b({group}s?)\b", text)
        if m:
            found.append((m.start(), members, m.group(1)))
    return sorted(found, key=lambda f: f[0])


def named_labels(text: str) -> tuple[frozenset[str], str]:
    """The COCO classes `text` names (lower case), and the word it used; empty if none."""
    found = _matches(text)
    people = [f for f in found if f[1] == {"person"}]
    things = [f for f in found if f[1] != {"person"}]
    if people and things and re.search(HOLDING, text[people[0][0] : things[0][0]]):
        found = things  # the person holds, carries or rides what is asked about
    if not found:
        return frozenset(), ""
    return frozenset().union(*(ls for _, ls, _ in found)), found[0][2]


def unrecognised_thing(text: str) -> str:
    """The thing a sight question asks about that no COCO class names ("flag"), else ''."""
    low = text.lower()
    m = re.search(SIGHT_THING, low)
    if m is None or named_labels(m.group("thing"))[0]:
        return ""
    return m.group("thing").split()[-1]


def asks_for_classes(text: str) -> bool:
    """Whether `text` asks which kinds of object the detector knows ("What can you recognise?")."""
    return re.search(CLASSES, text.lower()) is not None


def object_query(text: str, kind: str) -> ObjectQuery | None:
    """What `text` (a question of `kind`, see Question.kind) asks about objects, or None."""
    low = text.lower()
    labels, word = named_labels(low)
    shape = re.search(SHAPES, low)
    if shape and re.search(COLOUR, low) and not labels:  # "what colour was the circle?"
        return ObjectQuery(frozenset(), "colour", "shown", shape.group(1))
    if unrecognised_thing(low):
        return None  # "is anyone holding a flag?" is not asking about people
    generic = re.search(ANY_OBJECT, low)
    if not labels:
        if not generic:
            return None
        labels, word = frozenset(LABELS), "objects"
    asks: Asks
    if re.search(COLOUR, low):
        asks = "colour"
    elif re.search(WHERE, low):
        asks = "where"
    elif kind == "count" and not re.search(r"\bhow many times\b|\bhow often\b", low):
        asks = "count"
    elif kind == "what" and re.search(MOST, low) and len(labels) < len(LABELS):
        asks = "count"  # "what is the most people at once?"
    elif kind == "when":
        asks = "when"
    elif kind == "yesno":
        asks = "yesno"
    elif re.search(r"^\s*(what|which)\b", low) and (generic or len(labels) > 1):
        asks = "list"
    else:
        return None
    mode: Mode = ""
    if asks == "count":
        mode = (
            "distinct"
            if re.search(DISTINCT, low)
            else "most"
            if re.search(MOST, low)
            else "now"
            if re.search(NOW, low) or re.search(PRESENT, low)
            else "most"
        )
    elif asks == "when":
        mode = "last" if re.search(LEAVE, low) else "first"
    return ObjectQuery(labels, asks, mode, word)
