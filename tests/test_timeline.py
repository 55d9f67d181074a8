"""The text timeline: meaning with the real MiniLM embedder; the index against a brute force."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

from streamer.bench.timeline import stream_events, unit_vectors
from streamer.memory.timeline import VECTORS_FILE, Timeline
from streamer.modelset import load_models
from streamer.store import load_arrays
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS as EVENTS


@pytest.fixture(scope="module")
def embedder():
    return load_models(ocr=False, speech=False).embedder


@pytest.fixture
def timeline(embedder):
    tl = Timeline(embedder.embed, embedder.dim)
    for e in EVENTS:
        tl.add(e)
    return tl


@pytest.mark.parametrize(
    "window, expected",
    [
        ((0.0, 60.0), [0, 1, 2, 3]),  # "the first minute"
        ((104.0, 134.0), [5]),  # "the last 30 s" at 2:14
        ((60.0, 120.0), [4]),  # "between 1:00 and 2:00"
        ((6.0, 8.0), [0, 1]),  # touching spans count
        ((24.0, 69.0), []),
    ],
)
def test_window_returns_exactly_the_events_inside(timeline, window, expected):
    assert timeline.window(*window) == [EVENTS[i] for i in expected]


def test_similarity_finds_a_paraphrase(timeline):
    hits = timeline.search("a truck showed up at the gate on the north side", k=2)
    assert hits[0].event == EVENTS[1]
    hits = timeline.search("how much money is planned for next year", k=1)
    assert hits[0].event in (EVENTS[2], EVENTS[3])


def test_similarity_within_a_window(timeline):
    hits = timeline.search("money for next year", k=3, window=(0.0, 16.0))
    assert [h.event for h in hits][0] == EVENTS[2]
    assert all(h.event.start <= 16.0 for h in hits)
    speech = timeline.search("money", k=5, kinds=["speech"])
    assert {h.event.kind for h in speech} == {"speech"}


def test_identical_screens_merge_into_one_event(embedder):
    tl = Timeline(embedder.embed, embedder.dim)
    for t in range(10):  # the same card read once a second for 10 s
        tl.add(
            TextEvent(
                "ocr",
                "GATE 7  closes at noon" if t % 2 else "GATE 7 CLOSES AT NOON",
                float(t),
                t + 1.0,
            )
        )
    tl.add(TextEvent("speech", "hello", 10.0, 11.0))
    tl.add(TextEvent("ocr", "GATE 7 CLOSES AT NOON", 11.0, 12.0))  # after a gap of 1 s: same
    tl.add(TextEvent("ocr", "GATE 7 CLOSES AT NOON", 30.0, 31.0))  # much later: a new event
    ocr = [e for e in tl.events if e.kind == "ocr"]
    assert [(e.start, e.end) for e in ocr] == [(0.0, 12.0), (30.0, 31.0)]


def test_a_sentence_heard_further_replaces_its_draft(embedder):
    """A replay's gate hears a draft of the open sentence; the whole sentence replaces it."""
    tl = Timeline(embedder.embed, embedder.dim)
    tl.add(TextEvent("speech", "The keys are in the garage.", 1.0, 3.0))
    tl.add(TextEvent("speech", "Let work shop.", 6.56, 7.2))  # heard up to a question at 7.0
    tl.add(TextEvent("ocr", "GATE 7", 7.0, 8.0))
    whole = TextEvent("speech", "The workshop was moved to Saturday.", 6.56, 8.7)
    assert tl.add(whole) == 1
    tl.add(TextEvent("speech", "Bob will arrive on Monday.", 9.0, 10.5))  # another start: new
    assert [e.text for e in tl.events if e.kind == "speech"] == [
        "The keys are in the garage.",
        whole.text,
        "Bob will arrive on Monday.",
    ]
    hits = tl.search("what day was the workshop moved to", k=1, kinds=["speech"])
    assert hits[0].event == whole and hits[0].score > 0.5  # its vector was replaced too
    assert tl.window(8.5, 8.6) == [whole]


def test_save_load_round_trip(timeline, embedder, tmp_path):
    timeline.save(tmp_path)
    back = Timeline.load(tmp_path, embedder.embed, embedder.dim)
    assert back.events == timeline.events
    q = "what did she say about the budget"
    assert [h.event for h in back.search(q, k=3)] == [h.event for h in timeline.search(q, k=3)]


# -- the index itself: random unit vectors stand in for sentences (no model needed) -----
DIM = 32


def embed(texts: list[str]) -> np.ndarray:
    return unit_vectors(texts, DIM)  # (n, 32): each text's own random unit vector


def reference(events, query, k, window, kinds):
    """The spec of `Timeline.search`: score every event in the window, best first,
    equal scores in the order added. Scores per text in float64, so copies tie exactly."""
    lo, hi = window if window is not None else (-np.inf, np.inf)
    texts = sorted({e.text for e in events})
    q = embed([query])[0].astype(np.float64)
    score = {t: float(np.dot(v.astype(np.float64), q)) for t, v in zip(texts, embed(texts))}
    keep = [i for i, e in enumerate(events) if e.end >= lo and e.start <= hi]
    keep = [i for i in keep if kinds is None or events[i].kind in kinds]
    return sorted(keep, key=lambda i: (-score[events[i].text], i))[:k], score


def near_ties(score: dict[str, float], ids: list[int], events) -> bool:
    """Two different texts among the results closer than float32 noise: their order is noise."""
    s = sorted({score[events[i].text] for i in ids})
    return any(b - a < 1e-5 for a, b in zip(s, s[1:]))


@pytest.fixture(scope="module")
def random_timeline():
    tl = Timeline(embed, DIM)
    for e in stream_events(400, seed=1, vocab=25):  # sentences and cards repeat: exact ties
        tl.add(e)
    return tl


def test_random_stream_is_out_of_order_and_merged(random_timeline):
    events = random_timeline.events
    assert len(events) == 400
    assert sum(b.start < a.start for a, b in zip(events, events[1:])) > 20  # speech lands late
    assert sum(e.kind != "speech" and e.end - e.start > 2.0 for e in events) > 50  # re-read, grown


def test_search_and_window_match_a_brute_force_scan(random_timeline):
    tl, events = random_timeline, random_timeline.events
    span = max(e.end for e in events)
    rng = random.Random(0)
    checked = 0
    for j in range(300):
        lo = rng.uniform(-10.0, span)
        hi = lo + rng.choice([0.0, 1.0, 0.02 * span, 0.1 * span, span])
        window = rng.choice([None, (lo, hi), (lo, hi), (hi, lo)])  # (hi, lo): empty unless equal
        kinds = rng.choice([None, None, ("speech",), ("ocr", "tags"), (), ("tags", "other")])
        k = rng.choice([1, 5, 64, 1000])
        query = rng.choice([f"query {j}", events[rng.randrange(len(events))].text])
        ids, score = reference(events, query, k, window, kinds)
        inside = sorted(reference(events, query, len(events), window, kinds)[0])
        assert tl.window(*(window or (-np.inf, np.inf)), kinds) == [events[i] for i in inside]
        if near_ties(score, ids, events):
            continue
        hits = tl.search(query, k, window, kinds)
        assert [h.index for h in hits] == ids, (query, k, window, kinds)
        assert [h.event for h in hits] == [events[i] for i in ids]
        assert all(abs(h.score - score[h.event.text]) < 1e-5 for h in hits)
        checked += 1
    assert checked > 250


def test_equal_scores_come_in_the_order_added():
    tl = Timeline(embed, DIM)
    for t in range(0, 200, 10):  # "street sign" every other scene: ten copies, never merged
        tl.add(TextEvent("tags", "street sign" if t % 20 == 0 else f"scene {t}", t, t + 10.0))
    hits = tl.search("street sign", k=3)
    assert [h.index for h in hits] == [0, 2, 4] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    hits = tl.search("street sign", k=3, window=(45.0, 200.0))
    assert [h.index for h in hits] == [4, 6, 8]


def test_vectors_round_trip_and_stale_ones_are_recomputed(random_timeline, tmp_path):
    random_timeline.save(tmp_path)
    saved = load_arrays(tmp_path / VECTORS_FILE)["vectors"]  # (n, dim), the same file as before
    texts = [e.text for e in random_timeline.events]
    assert saved.dtype == np.float32 and np.array_equal(saved, embed(texts))
    back = Timeline.load(tmp_path, embed, DIM)
    q = ("sentence 3", 64, (100.0, 900.0), None)
    assert back.search(*q) == random_timeline.search(*q)
    wider = Timeline.load(tmp_path, lambda t: unit_vectors(t, 48), 48)  # another model: redo
    assert len(wider) == 400 and wider.search("sentence 3", k=1)[0].event.text == "sentence 3"
    (tmp_path / VECTORS_FILE).unlink()  # vectors lost: redo from the texts
    assert Timeline.load(tmp_path, embed, DIM).search(*q) == random_timeline.search(*q)


def test_a_timeline_without_embedder_answers_windows_and_keeps_vectors(random_timeline, tmp_path):
    bare = Timeline()
    bare.add(TextEvent("speech", "hello", 1.0, 2.0))
    assert bare.window(0.0, 1.0) == bare.events and bare.window(3.0, 4.0) == []
    with pytest.raises(RuntimeError, match="no text embedder"):
        bare.search("hello")
    random_timeline.save(tmp_path / "a")
    Timeline.load(tmp_path / "a", dim=DIM).save(tmp_path / "b")  # opened without a model
    a, b = (load_arrays(tmp_path / d / VECTORS_FILE)["vectors"] for d in "ab")
    assert np.array_equal(a, b)


def test_searches_while_events_arrive():
    tl = Timeline(embed, DIM)
    adds = stream_events(300, seed=2)
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for j in range(100):
                for h in tl.search(f"query {j}", 8, window=(0.0, 500.0)):
                    assert h.event.end >= 0.0 and h.event.start <= 500.0
        except BaseException as e:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(e)

    reader = threading.Thread(target=search)
    reader.start()
    for e in adds:
        tl.add(e)
    reader.join(timeout=60)
    assert not errors and len(tl) == 300


def test_a_repeated_query_is_embedded_once_and_the_cache_stays_bounded(embedder, monkeypatch):
    import streamer.memory.timeline as timeline_module

    calls: list[list[str]] = []

    def counted(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return embedder.embed(texts)

    tl = Timeline(counted, embedder.dim)
    for e in EVENTS:
        tl.add(e)
    added = len(calls)
    first = [(h.index, h.score) for h in tl.search("budget", k=3)]
    again = [(h.index, h.score) for h in tl.search("budget", k=3)]
    assert first == again and len(calls) == added + 1  # the second search embedded nothing
    monkeypatch.setattr(timeline_module, "QUERY_CACHE", 2)
    for q in ("exit", "plants", "gate"):
        tl.search(q, k=1)
    tl.search("budget", k=1)  # pushed out by the three newer queries: embedded again
    assert len(calls) == added + 5 and len(tl._queries) == 2
