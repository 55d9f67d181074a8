"""The value a "which / what / where" question asks for, read out of the line that holds it.

    asked_value("What time does gate 55 close?", "GATE 55 CLOSES AT 10 AM")  -> "10 AM"
    asked_value("Where did someone say the keys are?", "The keys are in the garage.") -> "garage"
    asked_value("What did she say about the budget?", ...)  -> None: it asks for the words

The value is what the line says beyond the question's own words: its longest
run of content words (the last of equal runs), when the rest is short enough
to be one value rather than a sentence.
"""

from __future__ import annotations

import re

from streamer.reasoning.question import STOPWORDS
from streamer.reasoning.stems import stems

MAX_VALUE_WORDS = 5  # a line leaving more words than this is quoted, not cut to a value
ASKS_FOR_WORDS = (  # "what did she say (about X)?": the words themselves are the answer
    r"\b(say|said|says|read|reads|show|shown|showed|write|written|happen|happened"
    r"|mention|mentioned|talk|talked)\b(\s+(about|on)\b.*)?[?.!\s]*$"
)
ASKS_FOR_VALUE = r"^\s*(where|which|who|whom|what)\b"


def asked_value(question: str, line: str) -> str | None:
    """The value `question` asks for, as written in `line`; None to quote the line instead."""
    low = question.lower()
    if not re.search(ASKS_FOR_VALUE, low) or re.search(ASKS_FOR_WORDS, low):
        return None
    asked = set(stems(question))
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[\w:,.'-]+", line):
        bare = word.strip(".,:'-")
        folded = stems(bare)
        if not bare or bare.lower() in STOPWORDS or (folded and folded[0] in asked):
            runs.append([])
        else:
            runs[-1].append(bare)
    runs = [r for r in runs if r]
    if not runs or sum(len(r) for r in runs) > MAX_VALUE_WORDS:
        return None
    best = max(reversed(runs), key=len)  # the longest; of equal ones the last
    return " ".join(best)
