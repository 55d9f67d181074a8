"""A video encoded into a language model's KV cache frame by frame, answered by retrieval (ReKV).

The turn's fixed start (system line, user turn opening) is prefilled once:
its keys and values are the attention sinks, held in RAM for good. Each frame's
visual tokens are then prefilled as one block attending to the sinks and the
last `window` blocks (ReKV's sliding-window encoding: sinks + local window),
and the block's keys and values go to a `KvStore` (RAM, then disk).

A question is answered in three steps:

1. queries: the question's tail (the video's closing newline, the question, the
   assistant turn opening) is run over the sinks alone, at the positions it
   will have in the answer, and each layer's attention queries are taken
   (rotated at those positions, as the attention uses them);
2. retrieval: per layer, the blocks whose mean key gets the highest mean
   attention logit from those queries (`block_scores`), the top `top_k`, in
   time order; each layer reads its own blocks, as in ReKV;
3. answer: sinks + retrieved blocks (+ the tail) are the cache the answer is
   greedily decoded over.

Positions: every token keeps the absolute position it was encoded at, so
retrieved blocks keep their original positions and the tail follows the last
frame. Keys are stored already rotated, and RoPE depends only on position
differences, so a block reads exactly as it did when it was encoded; with a
window that covers every block and all blocks retrieved, the answer's logits
equal one full-attention pass over the whole turn (tests/models/vlm/test_kv.py).
The cost: for a stream longer than the LM's context the tail's positions go past
what it was trained on; re-indexing the retrieved blocks (rotating each key by
its new minus old position, exact for RoPE) is the remedy, left for later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from models.vlm.kv import KvLanguageModel, LayerKV, block_scores
from streamer.memory.kv_store import KvStore

__all__ = ["KvStream"]

WINDOW = 8  # blocks in the local window while encoding: 8 x 196 = 1568 tokens at LLaVA-OV
TOP_K = 16  # blocks retrieved per layer for an answer (ReKV's setting for 1 fps video is 64)


class KvStream:
    """One video's KV cache: `add_frame` as frames arrive, `answer` any time."""

    def __init__(
        self,
        model: KvLanguageModel,
        folder: Path,
        ram_bytes: int,
        window: int = WINDOW,
        top_k: int = TOP_K,
    ) -> None:
        if window < 0 or top_k < 1:
            raise ValueError("window >= 0 and top_k >= 1")
        self.model, self.window, self.top_k = model, window, top_k
        self.layout = model.kv_layout
        self.store = KvStore(self.layout.n_layers, folder, ram_bytes)
        self._lock = threading.Lock()  # one pass at a time over the shared state
        head = model.kv_head()  # (L0, D)
        sinks = np.arange(len(head))
        self.sinks: list[LayerKV] = model.kv_pass(head, [], sinks).kv
        self.positions: list[np.ndarray] = []  # per block, its tokens' absolute positions
        self._next = self._sink_len = len(head)  # position of the next token; of the first frame

    def add_frame(self, tokens: np.ndarray) -> int:
        """Prefill one frame's (h, w, D) or (n, D) visual tokens as a block; its id."""
        rows = tokens.reshape(-1, tokens.shape[-1])
        with self._lock:
            first = max(0, len(self.positions) - self.window)
            local = list(range(first, len(self.positions)))
            context = self._context([local] * self.layout.n_layers)
            positions = np.arange(self._next, self._next + len(rows))
            out = self.model.kv_pass(rows, context, positions)
            block = self.store.add([k for k, _ in out.kv], [v for _, v in out.kv])
            self.positions.append(positions)
            self._next += len(rows)
            return block

    def add_block(self, keys: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> int:
        """Store a block computed elsewhere, as the next frame's (a benchmark fills long
        streams this way); its tokens take the next positions. Its id."""
        with self._lock:
            block = self.store.add(keys, values)
            n = int(keys[0].shape[1])
            self.positions.append(np.arange(self._next, self._next + n))
            self._next += n
            return block

    def retrieve(
        self, question: str, top_k: int | None = None, upto: int | None = None
    ) -> list[list[int]]:
        """Per layer, the ids of the `top_k` blocks the question's queries favour, in time order.

        Only blocks before `upto` (all when None) are candidates: the video as it stood when
        the question was asked, however many frames were encoded since.
        """
        k = self.top_k if top_k is None else top_k
        tail = self.model.kv_tail(question)
        with self._lock:  # held over the short query pass: its hooks must see no frame's pass
            n, start = self._upto(upto)
            if n <= k:
                return [list(range(n))] * self.layout.n_layers
            at = np.arange(start, start + len(tail))
            queries = self.model.kv_pass(tail, self.sinks, at, queries=True).queries
        assert queries is not None
        chosen = []
        for layer, q in enumerate(queries):
            scores = block_scores(q, self.store.representatives(layer)[:n])
            best = np.argsort(-scores, kind="stable")[:k]
            chosen.append(sorted(int(b) for b in best))
        return chosen

    def _upto(self, upto: int | None) -> tuple[int, int]:
        """(blocks, position after the last of them) of the first `upto` blocks (lock held)."""
        n = len(self.positions) if upto is None else min(upto, len(self.positions))
        start = int(self.positions[n - 1][-1]) + 1 if n else self._sink_len
        return n, start

    def answer_logits(self, question: str, blocks: Sequence[Sequence[int]]) -> np.ndarray:
        """(Lq, vocab) logits of the tail over sinks + `blocks` (per layer).

        The last row is the answer's first token.
        """
        tail = self.model.kv_tail(question)
        with self._lock:
            at = np.arange(self._next, self._next + len(tail))
            out = self.model.kv_pass(tail, self._context(blocks), at, logits=True)
        assert out.logits is not None
        return out.logits

    def option_logprob(
        self, question: str, text: str, blocks: Sequence[Sequence[int]], upto: int | None = None
    ) -> float:
        """Sum log-probability of `text` as the answer's start, over sinks + `blocks`.

        The tail and `text`'s tokens in one pass at the positions the answer gets
        (after the first `upto` blocks): the multiple-choice fallback when a reply
        names no option, scoring each option's letter.
        """
        tail = self.model.kv_tail(question)
        ids, rows = self.model.kv_text(text)
        with self._lock:
            _, start = self._upto(upto)
        context = self._context(blocks)
        x = np.concatenate([tail, rows])
        out = self.model.kv_pass(x, context, np.arange(start, start + len(x)), logits=True)
        assert out.logits is not None
        scores = out.logits[len(tail) - 1 : len(tail) - 1 + len(ids)].astype(np.float64)
        top = scores.max(axis=1, keepdims=True)
        logp = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
        return float(logp[np.arange(len(ids)), ids].sum())

    def answer(
        self,
        question: str,
        max_new_tokens: int = 128,
        stop: Sequence[str] = (),
        blocks: Sequence[Sequence[int]] | None = None,
        upto: int | None = None,
    ) -> Iterator[str]:
        """Greedy answer from sinks + `blocks` (default: retrieved among the first `upto`).

        Yielded a piece of text at a time; decoding holds no lock, so frames keep coming.
        """
        chosen = self.retrieve(question, upto=upto) if blocks is None else blocks
        tail = self.model.kv_tail(question)
        with self._lock:
            _, start = self._upto(upto)
        context = self._context(chosen)  # blocks never change once stored: no lock needed
        yield from self.model.kv_generate(tail, context, start, max_new_tokens, stop)

    def _context(self, blocks: Sequence[Sequence[int]]) -> list[LayerKV]:
        """Per layer: sinks, then that layer's `blocks` in time order, along the token axis."""
        context = []
        for layer, ids in enumerate(blocks):
            parts = [self.sinks[layer], *self.store.get(list(ids), layer)]
            context.append(
                (np.concatenate([k for k, _ in parts], 1), np.concatenate([v for _, v in parts], 1))
            )
        return context

    def spans(self, upto: int) -> list[list[int]]:
        """[first position, tokens] of each of the first `upto` blocks, for a save."""
        with self._lock:
            return [[int(p[0]), len(p)] for p in self.positions[:upto]]

    def adopt(self, spans: Sequence[Sequence[int]]) -> None:
        """Take the positions of blocks already in the store (a reopened save)."""
        if len(spans) != len(self.store):
            raise ValueError(f"{len(spans)} block positions for {len(self.store)} blocks")
        with self._lock:
            self.positions = [np.arange(int(a), int(a) + int(n)) for a, n in spans]
            if self.positions:
                self._next = int(self.positions[-1][-1]) + 1

    def close(self) -> None:
        self.store.close()
