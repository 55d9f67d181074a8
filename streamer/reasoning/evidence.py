"""Finding the moments a question is about: the timeline first, then the frames held.

Relevance of a timeline event to a question mixes meaning (cosine of sentence
embeddings) with wording (the share of the question's content words the event
contains), favours the kinds the question names ("said" -> speech, "sign" ->
on-screen text) and never looks past the moment the question was asked. A numbered
thing the question names ("gate 37", "platform 6") picks out one thing: an event
that holds neither it nor any other the question names is about another gate (or
about platform 37), however alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streamer.memory.items import MemoryItem
from streamer.memory.timeline import Hit, Timeline
from streamer.reasoning.matcher import Matcher, matcher
from streamer.reasoning.question import Question, QuestionError, parse_question, terms
from streamer.reasoning.stems import stem, stems
from streamer.timeref import TimeRef
from streamer.types import Evidence, TextEvent

MEANING_WEIGHT = 0.55  # share of relevance from embedding cosine
WORDING_WEIGHT = 0.45  # share from content-word overlap
KIND_BONUS = 0.10  # the question names this kind of evidence
TAGS_PENALTY = 0.15  # classifier tags are noisy: trusted only when asked about sight
FOUND = 0.40  # relevance from which an event counts as being about the question
NUMBER_MISS = 0.5  # relevance kept by an event holding none of the question's numbers
ANCHOR_SPAN = 60.0  # seconds searched before/after an anchor ("right before X")
SEARCH_K = 64  # timeline candidates scored per question
# Candidates (most alike first) whose missing words are looked for as paraphrases: each new
# word costs an embedding (~20 ms on 2 busy cores), and a paraphrase below these is unlikely.
PARAPHRASED = 16


@dataclass(frozen=True)
class Scored:
    event: TextEvent
    relevance: float
    cosine: float
    overlap: float


def overlap(
    wanted: Sequence[str], text: str, words: Matcher | None = None, paraphrase: bool = True
) -> float:
    """Share of `wanted` words met by `text` (0..1): in any form, or as a paraphrase when
    `words` (the timeline's matcher) has an embedder."""
    return (words or matcher(None)).share(wanted, text, paraphrase)


def question_time(q: Question, timeline: Timeline) -> TimeRef:
    """The stream time to search: the one the question names, or around its anchor, never past
    now; with the moment it names (`at`). Reasoner.context resolves it once, and the Context
    carries it to the answerer (`Context.time`)."""
    lo, hi = q.window if q.window is not None else (0.0, q.asked_at)
    if q.anchor is not None and len(timeline):
        side, what = q.anchor
        hits = timeline.search(what, k=SEARCH_K, window=(0.0, q.asked_at))
        wanted, words = terms(what), matcher(timeline.embedder)
        words.prepare(wanted, [h.event.text for h in hits[:PARAPHRASED]])
        ranked = [
            (
                _mix(h.score, overlap(wanted, h.event.text, words, rank < PARAPHRASED), 0)
                * _number_factor(wanted, h.event.text),
                h,
            )
            for rank, h in enumerate(hits)
        ]
        best = max(ranked, key=lambda r: r[0], default=(0.0, None))[1]
        if best is not None:
            a = best.event
            lo, hi = (
                (max(0.0, a.start - ANCHOR_SPAN), a.start - 1e-3)
                if side == "before"
                else (a.end + 1e-3, a.end + ANCHOR_SPAN)
            )
    return TimeRef(lo, min(hi, q.asked_at), q.at)


def score_events(
    q: Question,
    timeline: Timeline,
    query: str | None = None,
    wanted: Sequence[str] | None = None,
    time: TimeRef | None = None,
) -> list[Scored]:
    """Timeline events inside the question's time (`time`, else `question_time`), most
    relevant first."""
    if not len(timeline):
        return []
    lo, hi = (time if time is not None else question_time(q, timeline)).window
    if hi < lo:
        return []
    text = query if query is not None else (q.topic or q.text)
    words = list(wanted) if wanted is not None else q.terms
    hits: list[Hit] = timeline.search(text, k=SEARCH_K, window=(lo, hi))
    meets = matcher(timeline.embedder)
    meets.prepare(words, [h.event.text for h in hits[:PARAPHRASED]])
    out = []
    for rank, h in enumerate(hits):
        if h.event.start > q.asked_at:
            continue  # no peeking
        ov = overlap(words, h.event.text, meets, rank < PARAPHRASED)
        bonus = (KIND_BONUS if h.event.kind in q.wants else 0.0) - (
            TAGS_PENALTY if h.event.kind == "tags" and "tags" not in q.wants else 0.0
        )
        rel = _mix(h.score, ov, bonus) if words or text.strip() else 0.5 + bonus
        rel *= _number_factor(q.terms, h.event.text)
        out.append(Scored(h.event, rel, h.score, ov))
    if not words:  # nothing to match: nearest the anchor first ("right after X": earliest)
        after = q.anchor is not None and q.anchor[0] == "after"
        out.sort(
            key=lambda s: (-(s.event.kind in q.wants), s.event.start if after else -s.event.start)
        )
    else:
        out.sort(key=lambda s: -s.relevance)
    return out


def search_events(timeline: Timeline, text: str, now: float) -> list[Scored]:
    """The events about `text` (words typed in a search box at stream time `now`), most
    relevant first: the ranking an answer gives its evidence. [] when `text` is empty."""
    try:
        q = parse_question(text, now)
    except QuestionError:
        return []
    return score_events(q, timeline)


def _number_factor(topic_terms: Sequence[str], text: str) -> float:
    """1.0, or NUMBER_MISS when the topic names numbered things and `text` holds none of them.

    A numbered thing is a number with the word before it ("gate 29": PLATFORM 29 is
    another thing), or a number alone when no word comes before it.
    """
    named = [
        (topic_terms[i - 1] if i and not topic_terms[i - 1].isdigit() else None, w)
        for i, w in enumerate(topic_terms)
        if w.isdigit()
    ]
    if not named:
        return 1.0
    have = set(stems(text))
    found = any(n in have and (w is None or stem(w) in have) for w, n in named)
    return 1.0 if found else NUMBER_MISS


def _mix(cosine: float, ov: float, bonus: float) -> float:
    return MEANING_WEIGHT * max(0.0, cosine) + WORDING_WEIGHT * ov + bonus


def to_evidence(
    scored: Sequence[Scored], frames: Sequence[MemoryItem], now: float
) -> list[Evidence]:
    """Evidence records with the thumbnail of the held frame nearest each moment."""
    return [
        Evidence(
            s.event.start,
            min(s.event.end, now),
            s.event.kind,
            s.event.text,
            round(s.relevance, 4),
            nearest_thumbnail(frames, s.event.start, s.event.end),
        )
        for s in scored
    ]


def answer_first(quoted: Sequence[Evidence], frames: Sequence[Evidence]) -> list[Evidence]:
    """Evidence in the order the answer rests on it: the moments it quotes, in the order it
    quotes them, then the frames nearest the first of them (in time order when none)."""
    if not quoted:
        return sorted(frames, key=lambda e: e.start)
    at = quoted[0].start
    return [*quoted, *sorted(frames, key=lambda e: (abs(e.start - at), e.start))]


def nearest_thumbnail(frames: Sequence[MemoryItem], start: float, end: float) -> bytes | None:
    """Thumbnail of the held frame covering [start, end], or the closest one in time."""
    if not frames:
        return None
    mid = (start + end) / 2

    def distance(f: MemoryItem) -> float:
        a, b = f.span
        covers = a <= end and b >= start
        return (0.0 if covers else 1e6) + abs(f.t - mid)

    best = min(frames, key=distance)
    return best.thumbnail if abs(best.t - mid) <= max(5.0, (end - start) / 2 + 5.0) else None
