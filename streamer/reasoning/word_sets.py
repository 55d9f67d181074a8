"""Closed sets of names whose members are never paraphrases of one another.

Word embeddings put two weekdays, two colours, two kinds of vehicle or a pair of
opposites close together (they are said in the same places: "friday"/"monday"
0.71, "husband"/"wife" 0.87, "east"/"west" 0.80 with MiniLM), yet a watch for one
must not fire on the other. Each set lists its members; one member may have
several words that do mean the same ("noon midday"), which stay paraphrases.

    >>> rivals("friday", "Monday"), rivals("noon", "midday"), rivals("parcel", "van")
    (True, False, False)
    >>> rivals("56", "55"), rivals("2027", "2027")
    (True, False)
"""

from __future__ import annotations

from functools import lru_cache

from models.detector import coco_labels
from streamer.perception.colours import NAMES as COLOURS
from streamer.reasoning.stems import stem

# "|" between members, " " between the words of one member (any of their forms)
SETS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday",
    "january|february|march|april|may|june|july|august|september|october|november|december",
    "spring|summer|autumn fall|winter",
    "morning|afternoon|evening|night|noon midday|midnight|dawn sunrise|dusk sunset",
    "north|south|east|west",
    "left|right",
    "top|bottom",
    "front|back rear",
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred"
    "|thousand|million|billion",
    "euro|dollar|pound|yen|franc",
    # the people a sentence can name: a watch for one is never about the other
    "man|woman",
    "boy|girl",
    "husband|wife",
    "mother mom mum|father dad",
    "brother|sister",
    "son|daughter",
    "uncle|aunt",
    "king|queen",
    "male|female",
    # opposites
    "open|close shut",
    "start begin|end finish stop",
    "arrive come|leave depart",
    "enter|exit",
    "buy purchase|sell",
    "win|lose",
    "early|late",
    "hot warm|cold cool",
    "wet|dry",
    "full|empty",
    "big large|small little",
    "fast quick|slow",
    "up|down",
    "inside|outside",
    "push|pull",
    "old|new",
    "young|old",
    "light|dark",
    "true|false",
    "yes|no",
    "happy glad|sad",
    "increase rise|decrease fall drop",
    "accept|reject",
    "high|low",
    "day|night",
)


def _members(entry: str) -> list[frozenset[str]]:
    return [frozenset(stem(w) for w in member.split()) for member in entry.split("|")]


@lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[int, int]]]:
    """stem -> the (set, member) places it has."""
    sets = [_members(entry) for entry in SETS]
    one_word = [name for name in coco_labels().values() if " " not in name]  # "car", "truck"
    sets.append([frozenset({stem(n)}) for n in one_word])
    sets.append([frozenset({stem(c)}) for c in COLOURS])
    out: dict[str, list[tuple[int, int]]] = {}
    for s, members in enumerate(sets):
        for m, stems in enumerate(members):
            for st in stems:
                out.setdefault(st, []).append((s, m))
    return out


def rivals(a: str, b: str) -> bool:
    """Whether words `a` and `b` name two different members of one closed set.

    Numbers in digits are one such set, open-ended: "56" is never "55" (MiniLM puts
    them at 0.89), a gate or a platform number is the fact itself.
    """
    if _has_digit(a) or _has_digit(b):
        return a.lower() != b.lower()
    index = _index()
    places_a, places_b = index.get(stem(a.lower()), []), index.get(stem(b.lower()), [])
    return any(sa == sb and ma != mb for sa, ma in places_a for sb, mb in places_b)


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)
