"""One word matcher for the answers and the watches: a word in any form, or a paraphrase.

A wanted word (a watch's word, a question's topic word) is met by a text when one
of the text's content words

- has its stem ('boxes' meets 'box', reasoning/stems.py), or
- is a paraphrase of it: the packaged sentence embedder (MiniLM) puts the two words,
  each embedded alone, at cosine >= PARAPHRASE, and they are not rivals.

Rivals are two entries of one closed set (two weekdays, two colours, two COCO
classes, a pair of opposites): embeddings put them close because they are said in
the same places ("friday"/"monday" 0.71, "husband"/"wife" 0.87, "car"/"truck"
0.69), yet a watch for one must not fire on the other. A watch that fires falsely
is worse than a missed paraphrase, so the threshold sits above every false pair
measured outside those sets. On the labelled table of tests/reasoning/test_matcher.py
(89 pairs): precision 1.0, recall 0.73 (word forms alone 0.31; cosine of whole texts
is exact only from 0.60, recall 0.13). "parcel"/"package" (0.53) stays below it, with
"parcel"/"delivery" (0.61): MiniLM alone cannot tell those apart.

Each word is embedded once (a cache of word vectors) and each text's words are
looked up once (a cache of texts), so a watch checking every event stays cheap.

    >>> m = Matcher(embedder.embed)  # doctest: +SKIP
    >>> m.holds(["sofa"], "The cat sleeps on the couch.")  # doctest: +SKIP
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from streamer.reasoning.question import terms
from streamer.reasoning.stems import stem
from streamer.reasoning.word_sets import rivals

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) float32, rows of unit length
PARAPHRASE = 0.80  # word cosine from which two words that are not rivals mean the same
WORDS_KEPT = 20_000  # word vectors cached: 1.5 KB each at 384 dims, 30 MB at most
TEXTS_KEPT = 4096  # texts whose words were looked up (a stream's recent events)


@dataclass(frozen=True)
class Meeting:
    """How one wanted word is met by a text."""

    word: str  # the wanted word, as asked
    by: str  # the text's word that meets it; "" when none does
    how: str  # "form" (same stem) | "paraphrase" | "" (not met)
    score: float  # 1.0 for a form, the cosine for a paraphrase, 0.0 when not met


@dataclass(frozen=True)
class _Words:
    """A text's content words, their stems and (once asked for) their vectors."""

    words: tuple[str, ...]
    stems: frozenset[str]


class Matcher:
    """Meets wanted words in texts; without an embedder, by word form alone."""

    def __init__(self, embed: Embed | None = None) -> None:
        self._embed = embed
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # word -> (dim,)
        self._texts: OrderedDict[str, _Words] = OrderedDict()

    @property
    def paraphrases(self) -> bool:
        """Whether it can meet a word by paraphrase (it has an embedder)."""
        return self._embed is not None

    def meet(self, wanted: Sequence[str], text: str, paraphrase: bool = True) -> list[Meeting]:
        """How each of `wanted` (content words) is met by `text`, in order."""
        have = self._words_of(text)
        out = [
            Meeting(w, w, "form", 1.0) if stem(w) in have.stems else Meeting(w, "", "", 0.0)
            for w in wanted
        ]
        missing = [i for i, m in enumerate(out) if not m.how]
        if not missing or not paraphrase or self._embed is None or not have.words:
            return out
        asked = [wanted[i] for i in missing]
        sims = self._vectors_of(asked) @ self._vectors_of(list(have.words)).T  # (n_asked, n_have)
        for row, i in enumerate(missing):
            for j in np.argsort(-sims[row]):
                cos, by = float(sims[row, j]), have.words[j]
                if cos < PARAPHRASE:
                    break
                if not rivals(wanted[i], by):
                    out[i] = Meeting(wanted[i], by, "paraphrase", cos)
                    break
        return out

    def prepare(self, wanted: Sequence[str], texts: Sequence[str]) -> None:
        """Embed in one batch the words of `texts` that `meet` may compare with `wanted`: one
        call instead of one per text (each call costs ~100 ms on 2 busy cores)."""
        if self._embed is None or not wanted:
            return
        asked = {stem(w) for w in wanted}
        words = [w for t in texts if not asked <= (h := self._words_of(t)).stems for w in h.words]
        if words:
            self._vectors_of([*wanted, *words])

    def share(self, wanted: Sequence[str], text: str, paraphrase: bool = True) -> float:
        """Share of the `wanted` words met by `text`, 0..1 (0 for none wanted)."""
        if not wanted:
            return 0.0
        met = self.meet(wanted, text, paraphrase)
        return sum(1 for m in met if m.how) / len(wanted)

    def holds(self, wanted: Sequence[str], text: str) -> bool:
        """Whether `text` meets every one of the non-empty `wanted` words."""
        return bool(wanted) and self.share(wanted, text) == 1.0

    def _words_of(self, text: str) -> _Words:
        with self._lock:
            got = self._texts.get(text)
            if got is not None:
                self._texts.move_to_end(text)
                return got
        words = tuple(dict.fromkeys(terms(text)))  # each word once, in order
        got = _Words(words, frozenset(stem(w) for w in words))
        with self._lock:
            self._texts[text] = got
            while len(self._texts) > TEXTS_KEPT:
                self._texts.popitem(last=False)
        return got

    def _vectors_of(self, words: list[str]) -> np.ndarray:
        """(len(words), dim) unit rows; the words not seen before embedded in one batch."""
        assert self._embed is not None
        with self._lock:
            found = {w: self._vectors[w] for w in words if w in self._vectors}
            for w in found:
                self._vectors.move_to_end(w)
        new = [w for w in dict.fromkeys(words) if w not in found]
        if new:  # outside the lock: embedding takes tens of ms a word on 2 busy cores
            vectors = np.asarray(self._embed(new), np.float32)  # (len(new), dim)
            found.update(zip(new, vectors))
            with self._lock:
                self._vectors.update(zip(new, vectors))
                while len(self._vectors) > WORDS_KEPT:
                    self._vectors.popitem(last=False)
        return np.stack([found[w] for w in words])


MATCHERS_KEPT = 8  # embedders with a matcher of their own (a process has one or two)
_shared: OrderedDict[Embed, Matcher] = OrderedDict()  # a bound method is equal to itself
_shared_lock = threading.Lock()
FORMS_ONLY = Matcher()  # no embedder: word forms alone


def matcher(embed: Embed | None) -> Matcher:
    """The one matcher of the process for this embedder (its word caches shared by the
    answers and the watches); FORMS_ONLY without one."""
    if embed is None:
        return FORMS_ONLY
    with _shared_lock:
        m = _shared.get(embed)
        if m is None:
            m = _shared[embed] = Matcher(embed)
            while len(_shared) > MATCHERS_KEPT:
                _shared.popitem(last=False)
        _shared.move_to_end(embed)
        return m
