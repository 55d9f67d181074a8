"""What a standing question asks to watch for, understood once when it is registered.

understand("tell me when someone mentions the budget")  -> Condition("speech", words=("budget",))
understand("alert me when a person enters")             -> Condition("appear", labels={"person"})
understand("let me know if there are more than 2 cars") -> Condition("count", labels={"car"}, n=3)
understand("tell me when the sign changes")             -> Condition("screen_change")
understand("what did she say?")                         -> None: not a watch
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streamer.perception.colours import NAMES as COLOURS
from streamer.perception.objects import plural
from streamer.reasoning.object_words import LABELS, named_labels
from streamer.reasoning.question import STOPWORDS, terms

# "tell me when", "let me know if", "alert me as soon as", "notify me whenever", "watch for"
LEAD = (
    r"^\s*(?:(?:please|ok|okay|hey)[\s,]+)?(?:"
    r"(?:tell|let|alert|notify|warn|ping|remind)\s+(?:me|us)\s+(?:know\s+)?"
    r"(?:when(?:ever)?|if|as soon as|once|the moment)"
    r"|(?:notify|alert)\s+me(?:\s+of|\s+about)?"
    r"|watch\s+(?:out\s+)?for|keep an eye out for|look out for"
    r")\b[\s,:]*"
)
STOP_LEAD = (
    r"^\s*(?:please\s+)?(?:stop|quit|cancel|forget)\s+"
    r"(?:watching|the watch|alerting|alerts?)(?:\s+(?:for|on|about))?\b\s*"
)
LIST_WATCHES = (
    r"^\s*(?:what|which)\s+(?:are you|do you)\s+(?:watching|keeping an eye on)"
    r"|^\s*(?:list|show)\s+(?:the\s+|my\s+)?watch(?:es)?\b"
)
SPEECH_VERB = (
    r"\b(?:says?|said|saying|mentions?|mentioned|mentioning|talks? about|talking about"
    r"|speaks? about|speaking about|asks? about|brings? up|brought up|calls? out|utters?)\b"
)
SPEECH_PASSIVE = r"\b(?:is|are|gets?|was)\s+(?:mentioned|said|spoken|brought up|discussed)\b"
ANY_SPEECH = (
    r"^(?:someone|somebody|anyone|anybody|a person|he|she|they)\s+"
    r"(?:speaks|talks|starts talking|says something)$"
)
SCREEN_NOUN = r"\b(?:sign|screen|card|board|caption|text|notice|display|banner|slide|title)s?\b"
SCREEN_VERB = r"\b(?:says?|reads?|shows?|displays?|contains?|mentions?)\b"
ON_SCREEN = (
    r"\b(?:(?:appears?|shows? up|is shown|is written|is displayed)\s+on\s+(?:the\s+)?"
    r"(?:screen|sign|card|board)|on (?:the )?screen)\b"
)
SCREEN_CHANGE = rf"{SCREEN_NOUN}\s+(?:changes|changed|is updated|updates|switches)"
SCENE_CHANGE = (
    r"\b(?:scene|shot|view|picture|camera angle)\s+(?:changes|cuts|switches|is different)"
    r"|\b(?:a|the|there is a)\s+(?:cut|scene change|new scene)\b"
)
TURNS = r"\b(?:turns?|goes|becomes|gets|is|changes to|switches to)\b"
SCENE_NOUN = r"\b(?:screen|scene|picture|image|view|everything|it|background|frame)\b"
LEAVE_VERB = (
    r"\b(?:leaves?|left|disappears?|disappeared|goes away|gone|is gone|exits?|walks? out"
    r"|drives? off|drives? away|no longer (?:there|visible|in view)|out of (?:view|sight))\b"
)
MORE = r"\b(?:more than|over|above|at least|(?P<n_or>\w+) or more)\s+(?P<n>\w+)?"
FEWER = r"\b(?:fewer than|less than|under|below)\s+(?P<n>\w+)"
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a": 1, "an": 1,
}  # fmt: skip
FILLER = frozenset(
    "someone somebody anyone anybody person people he she they word words thing something "
    "appear appears arrive arrives enter enters come comes up back out new about".split()
)


@dataclass(frozen=True)
class Condition:
    """What a watch looks for; `holds` on a timeline event or object frame is in check.py."""

    # speech | screen | screen_change | mention | appear | leave | count | scene | colour | look
    kind: str
    words: tuple[str, ...] = ()  # content words that must all be said / shown (folded, see terms)
    phrase: str = ""  # the words as the user wrote them, for the description
    labels: frozenset[str] = field(default_factory=frozenset)  # COCO classes
    named: str = ""  # the user's word for them: "people", "van"
    colour: str = ""  # a palette colour the object / the scene must have
    at_least: int = 1  # count: fires when this many or more are in view at once ...
    at_most: int | None = None  # ... or when at most this many (fewer than N)

    def describe(self) -> str:
        """In words, for the reply when it is registered: 'someone saying "budget"'."""
        k = self.kind
        if k == "speech":
            return f'someone saying "{self.phrase}"' if self.phrase else "someone speaking"
        if k == "screen":
            return f'on-screen text reading "{self.phrase}"'
        if k == "mention":
            return f'"{self.phrase}" said or shown on screen'
        if k == "screen_change":
            return "the on-screen text changing"
        if k == "scene":
            return "a change of scene"
        if k == "colour":
            return f"the picture turning {self.colour}"
        what = self._objects()
        if k == "appear":
            return f"{what} coming into view"
        if k == "leave":
            return f"{what} leaving the view"
        if k == "count":
            if self.at_most is not None:
                return f"{self.at_most} or fewer {self._objects(plural_form=True)} in view"
            return f"{self.at_least} or more {self._objects(plural_form=True)} in view at once"
        return f'"{self.phrase}" (the vision-language model looks at the newest frames)'

    def _objects(self, plural_form: bool = False) -> str:
        names = sorted(self.labels)
        if len(names) > 3:
            word = self.named or "object"
            return plural(word) if plural_form else f"any {word}"
        shown = [plural(n) if plural_form else n for n in names]
        joined = " or ".join(shown)
        colour = f"{self.colour} " if self.colour else ""
        if plural_form:
            return f"{colour}{joined}"
        article = "an" if (colour or joined)[:1] in "aeiou" else "a"
        return f"{article} {colour}{joined}"


def understand(text: str, can_look: bool = False) -> Condition | None:
    """The condition a "tell me when …" sentence asks for; None when `text` is not one.

    `can_look`: a vision-language model is there to decide what no timeline event can
    ("the door opens"); without one such a watch looks for its words in speech and text.
    """
    low = text.lower().strip()
    lead = re.match(LEAD, low)
    if lead is None:
        return None
    body = re.sub(r"[?.!]+$", "", low[lead.end() :]).strip()
    body = re.sub(r"^(?:there is|there's|you see|you hear)\s+", "", body)
    return condition(body, can_look) if body else None


def stop_target(text: str) -> str | None:
    """What "stop watching …" names ('' for all watches); None when `text` is not one."""
    m = re.match(STOP_LEAD, text.lower())
    return None if m is None else re.sub(r"[?.!]+$", "", text[m.end() :]).strip()


def asks_for_watches(text: str) -> bool:
    """True for "what are you watching for?" / "list watches"."""
    return re.match(LIST_WATCHES, text.lower()) is not None


def condition(body: str, can_look: bool = False) -> Condition:
    """The condition of a watch's body ('someone says budget', 'a red car appears')."""
    quoted = re.search(r"[\"“']([^\"”']+)[\"”']", body)
    if re.search(SCENE_CHANGE, body):
        return Condition("scene")
    if re.search(SCREEN_CHANGE, body):
        return Condition("screen_change")
    if re.match(ANY_SPEECH, body):
        return Condition("speech")
    speech = re.search(SPEECH_VERB, body) or re.search(SPEECH_PASSIVE, body)
    screen = re.search(ON_SCREEN, body) or (
        re.search(SCREEN_NOUN, body) and re.search(SCREEN_VERB, body)
    )
    if speech and not (screen and re.search(SCREEN_NOUN, body[: speech.start()])):
        said = quoted.group(1) if quoted else _after_or_before(body, speech)
        return _worded("speech", said)
    if screen:
        m = re.search(SCREEN_VERB, body)
        shown = quoted.group(1) if quoted else body[m.end() :] if m else body[: screen.start()]
        if not m or not shown.strip():
            shown = re.sub(ON_SCREEN, " ", body)
        return _worded("screen", shown)
    colour = _scene_colour(body)
    if colour:
        return Condition("colour", colour=colour)
    objects = _objects(body)
    if objects is not None:
        return objects
    words = quoted.group(1) if quoted else body
    if can_look:
        return Condition("look", words=tuple(terms(words)), phrase=words.strip())
    return _worded("mention", words)


def _after_or_before(body: str, verb: re.Match[str]) -> str:
    after = body[verb.end() :].strip()
    return after if terms(after) else body[: verb.start()]


def _worded(kind: str, phrase: str) -> Condition:
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,:;\"'")
    words = tuple(w for w in terms(phrase) if w not in FILLER)
    if not words:  # "tell me when someone says something": any speech
        return Condition("speech") if kind == "speech" else Condition("screen_change")
    shown = " ".join(w for w in phrase.split() if w not in STOPWORDS and w not in FILLER)
    return Condition(kind, words=words, phrase=shown or phrase)


def _scene_colour(body: str) -> str:
    for c in COLOURS:
        if re.search(rf"{SCENE_NOUN}\s+{TURNS}\s+(?:all\s+)?{c}\b", body):
            return c
    return ""


def _objects(body: str) -> Condition | None:
    labels, named = named_labels(body)
    if not labels:
        return None
    colour = next((c for c in COLOURS if re.search(rf"\b{c}\s+\w+", body)), "")
    more, fewer = re.search(MORE, body), re.search(FEWER, body)
    if more:
        n = _number(more.group("n_or") or more.group("n") or "")
        if n is not None:
            at_least = n if re.search(r"\bat least\b|or more\b", more.group(0)) else n + 1
            return Condition("count", labels=labels, named=named, colour=colour, at_least=at_least)
    if fewer:
        n = _number(fewer.group("n"))
        if n is not None:
            return Condition(
                "count", labels=labels, named=named, colour=colour, at_least=0, at_most=n - 1
            )
    kind = "leave" if re.search(LEAVE_VERB, body) else "appear"
    if labels == frozenset(LABELS):
        named = "object"
    return Condition(kind, labels=labels, named=named, colour=colour)


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)
