"""What the synthetic needle-in-the-stream benchmark plants, and where.

A stream is cut into slots of SLOT seconds. Each slot holds one fact, drawn
with a seeded generator: a text card (a sign with a subject and a value, like
"GATE 7 / CLOSES AT NOON"), a spoken sentence ("The keys are in the garage."),
a coloured shape, a notice card shown several times (to count), or only a
change of scene (filler: the haystack). Subjects are never reused within a
stream, so every question has one right answer; when a pool runs out the slot
becomes filler.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SLOT = 5.0  # seconds per fact slot
LEAD = 1.0  # seconds before the first slot
TAIL = 5.0  # seconds after the last slot, so late questions can still be asked
CARD_SECONDS = 3.0  # a sign or notice stays on screen this long
SHAPE_SECONDS = 2.5
SPEECH_AT = 0.5  # a sentence starts this long into its slot

# slot kinds and their shares of the slots that are not notices
SLOT_WEIGHTS = {"sign": 0.35, "speech": 0.30, "shape": 0.15, "scene": 0.20}
NOTICE_EVERY = 12  # one repeated notice per this many slots (at least one)
MAX_REPEATS = 3  # a notice is shown 1..MAX_REPEATS times


@dataclass(frozen=True)
class Template:
    """A family of facts: subject and value slots, the wording on screen or aloud."""

    name: str
    text: str  # card text or sentence, with {s} (subject) and {v} (value)
    question: str  # the "what" question, with {s}
    mention: str  # how a later question names the fact, with {s}
    subjects: tuple[str, ...]
    values: tuple[str, ...]


def _nums(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(str(n) for n in range(lo, hi + 1))


SIGNS = (
    Template(
        "gate",
        "GATE {s}\nCLOSES AT {v}",
        "What time does gate {s} close?",
        "the sign about gate {s}",
        _nums(1, 60),
        ("NOON", "MIDNIGHT", "6 PM", "9 AM", "10 PM", "4 AM", "7 PM", "11 AM"),
    ),
    Template(
        "platform",
        "PLATFORM {s}\nTRAIN TO {v}",
        "Where does the train from platform {s} go?",
        "the sign about platform {s}",
        _nums(1, 30),
        ("LYON", "MILAN", "GENEVA", "BERLIN", "VIENNA", "PRAGUE", "MADRID", "OSLO", "DUBLIN"),
    ),
    Template(
        "room",
        "{s} MEETING\nIN ROOM {v}",
        "Which room is the {s} meeting in?",
        "the sign about the {s} meeting",
        tuple(
            "SALES DESIGN BUDGET SAFETY HIRING PRESS TRAINING PLANNING QUALITY RESEARCH "
            "SUPPORT LEGAL TRAVEL WELCOME PRODUCT MARKETING".split()
        ),
        ("104", "212", "305", "318", "420", "507", "611", "709", "815", "902"),
    ),
    Template(
        "locker",
        "LOCKER {s}\nCODE {v}",
        "What is the code for locker {s}?",
        "the sign about locker {s}",
        _nums(10, 99),
        ("4821", "7390", "1568", "9042", "3317", "6285", "5704", "2936"),
    ),
)

THINGS = tuple(
    "keys ladder laptop umbrella bicycle toolbox camera suitcase guitar printer blanket kettle "
    "helmet backpack lantern stapler hammer mirror basket violin telescope microwave sofa "
    "piano".split()
)
PLACES = ("kitchen", "garage", "basement", "office", "garden", "hallway", "attic", "bedroom")
NAMES = tuple(
    "Anna Peter Maria David Sarah Thomas Laura Michael Emma James Sophie Robert Julia Daniel "
    "Alice George Helen Frank".split()
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVENTS = tuple(
    "concert dinner match exam party lecture wedding picnic interview rehearsal workshop "
    "tournament festival auction".split()
)

SPOKEN = (
    Template(
        "where",
        "The {s} is in the {v}.",
        "Where did someone say the {s} is?",
        "the {s}",
        THINGS,
        PLACES,
    ),
    Template(
        "arrive",
        "{s} will arrive on {v}.",
        "What day did someone say {s} will arrive?",
        "{s}",
        NAMES,
        DAYS,
    ),
    Template(
        "moved",
        "The {s} was moved to {v}.",
        "What day did someone say the {s} was moved to?",
        "the {s}",
        EVENTS,
        DAYS,
    ),
)

NOTICES = (
    "WET FLOOR",
    "NO PARKING",
    "FIRE DRILL TODAY",
    "LIFT OUT OF ORDER",
    "QUIET PLEASE",
    "STAFF ONLY",
    "KEEP LEFT",
    "MIND THE STEP",
    "CASH ONLY",
    "ROAD CLOSED",
    "NO ENTRY",
    "SALE ENDS SOON",
)
SHAPE_KINDS = ("circle", "square", "triangle")
SHAPE_COLORS = ("red", "green", "blue", "yellow", "orange", "purple")  # names in synth.COLORS
SCENES = ((60, 110, 60), (40, 60, 110), (110, 80, 40), (70, 70, 70), (100, 40, 90))  # RGB
CARD_BACKGROUNDS = ((20, 30, 80), (90, 20, 20), (20, 70, 60), (40, 40, 40))  # RGB


@dataclass(frozen=True)
class Planted:
    """One fact in the stream, with the exact times it is on screen or spoken."""

    kind: str  # "sign" | "speech" | "shape" | "notice" | "scene"
    start: float  # stream time, seconds
    end: float  # stream time, seconds (speech: the planned end; render measures the real one)
    template: str  # a Template name, a shape kind, or "notice"/"scene"
    subject: str  # "7", "keys", "circle", the notice text
    value: str  # "NOON", "garage", "red"; "" for notices and scenes
    text: str  # what is on screen or said
    background: tuple[int, int, int] = (0, 0, 0)


def plan_slots(n_slots: int, rng: random.Random) -> list[str]:
    """The kind of every slot: notices placed first (each 1..MAX_REPEATS times), then the rest."""
    kinds: list[str | None] = [None] * n_slots
    n_notices = min(len(NOTICES), max(1, n_slots // NOTICE_EVERY))
    free = list(range(n_slots))
    rng.shuffle(free)
    for i in range(n_notices):
        repeats = rng.randint(1, MAX_REPEATS)
        for _ in range(min(repeats, len(free))):
            kinds[free.pop()] = f"notice:{i}"
    names, weights = list(SLOT_WEIGHTS), list(SLOT_WEIGHTS.values())
    return [k if k is not None else rng.choices(names, weights)[0] for k in kinds]


class Pools:
    """Subjects still unused, per template, so no subject is planted twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.left: dict[str, list[str]] = {}
        for t in SIGNS + SPOKEN:
            subjects = list(t.subjects)
            rng.shuffle(subjects)
            self.left[t.name] = subjects

    def take(self, family: tuple[Template, ...]) -> tuple[Template, str] | None:
        open_ = [t for t in family if self.left[t.name]]
        if not open_:
            return None
        t = self.rng.choice(open_)
        return t, self.left[t.name].pop()


def plant(duration: float, rng: random.Random) -> list[Planted]:
    """Every fact of a stream of `duration` seconds, in time order."""
    n_slots = max(1, int((duration - LEAD - TAIL) // SLOT))
    pools = Pools(rng)
    notices = rng.sample(NOTICES, len(NOTICES))
    out = []
    for i, kind in enumerate(plan_slots(n_slots, rng)):
        t0 = LEAD + i * SLOT
        out.append(_fact(kind, t0, pools, notices, rng))
    return out


def _fact(kind: str, t0: float, pools: Pools, notices: list[str], rng: random.Random) -> Planted:
    scene = rng.choice(SCENES)
    if kind.startswith("notice:"):
        text = notices[int(kind.split(":")[1])]
        return Planted("notice", t0, t0 + CARD_SECONDS, "notice", text, "", text, (120, 20, 20))
    picked = pools.take(SIGNS if kind == "sign" else SPOKEN) if kind in ("sign", "speech") else None
    if kind == "shape":
        shape, color = rng.choice(SHAPE_KINDS), rng.choice(SHAPE_COLORS)
        return Planted("shape", t0, t0 + SHAPE_SECONDS, shape, shape, color, f"{color} {shape}")
    if picked is None:
        return Planted("scene", t0, t0 + SLOT, "scene", "", "", "", scene)
    template, subject = picked
    value = rng.choice(template.values)
    text = template.text.format(s=subject, v=value)
    if kind == "sign":
        bg = rng.choice(CARD_BACKGROUNDS)
        return Planted("sign", t0, t0 + CARD_SECONDS, template.name, subject, value, text, bg)
    start = t0 + SPEECH_AT
    return Planted("speech", start, t0 + SLOT, template.name, subject, value, text, scene)


def template(name: str) -> Template:
    return next(t for t in SIGNS + SPOKEN if t.name == name)
