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
frame. The model places each block (`kv_block_positions`): 1-D RoPE after the
previous block; Qwen2.5-VL's M-RoPE at (t, h, w) of one video, t from the
frame's stream time. Keys are stored already rotated, and RoPE depends only on position
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
        self.places: list[list[float]] = []  # per block [after, h, w, seconds]: its positions
        self._ends: list[int] = []  # per block, the first free position after it
        self._next = self._sink_len = len(head)  # position of the next token; of the first frame
        self._t0: float | None = None  # stream time of the first frame

    def add_frame(self, tokens: np.ndarray, t: float | None = None) -> int:
        """Prefill one frame's (h, w, D) or (n, D) visual tokens, seen at stream time `t`, as
        a block; its id. (`t` places the frame in time for M-RoPE; 1-D RoPE ignores it.)"""
        rows = tokens.reshape(-1, tokens.shape[-1])
        grid = (int(tokens.shape[0]), int(tokens.shape[1])) if tokens.ndim == 3 else (1, len(rows))
        with self._lock:
            first = max(0, len(self.positions) - self.window)
            local = list(range(first, len(self.positions)))
            context = self._context([local] * self.layout.n_layers)
            place = self._place(grid, t)
            out = self.model.kv_pass(rows, context, place[0])
            block = self.store.add([k for k, _ in out.kv], [v for _, v in out.kv])
            self._commit(place, grid, t)
            return block

    def _place(self, grid: tuple[int, int], t: float | None) -> tuple[np.ndarray, int]:
        """Positions of the next block and the first free position after it (lock held)."""
        t0 = self._t0 if self._t0 is not None else (t or 0.0)
        seconds = max(0.0, (t or 0.0) - t0)
        return self.model.kv_block_positions(self._next, self._sink_len, grid, seconds)

    def _commit(
        self, place: tuple[np.ndarray, int], grid: tuple[int, int], t: float | None
    ) -> None:
        """Note the block just stored at `place` (lock held)."""
        if self._t0 is None:
            self._t0 = t or 0.0
        seconds = max(0.0, (t or 0.0) - self._t0)
        self.places.append([self._next, grid[0], grid[1], seconds])
        self.positions.append(place[0])
        self._ends.append(place[1])
        self._next = place[1]

    def add_block(self, keys: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> int:
        """Store a block computed elsewhere, as the next frame's (a benchmark fills long
        streams this way); its tokens take the next positions. Its id."""
        with self._lock:
            grid = (1, int(keys[0].shape[1]))
            place = self._place(grid, None)
            block = self.store.add(keys, values)
            self._commit(place, grid, None)
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
        return n, self._ends[n - 1] if n else self._sink_len

    def answer_logits(self, question: str, blocks: Sequence[Sequence[int]]) -> np.ndarray:
        """(Lq, vocab) logits of the tail over sinks + `blocks` (per layer).

        The last row is the answer's first token.
        """
        tail = self.model.kv_tail(question)
        with self._lock:
            at = np.arange(self._next, self._next + len(tail))  # after every block
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

    def layout_of(self, upto: int) -> list[list[float]]:
        """[after, h, w, seconds] of each of the first `upto` blocks: what gives their
        positions again (`adopt`), for a save."""
        with self._lock:
            return [list(p) for p in self.places[:upto]]

    def adopt(self, places: Sequence[Sequence[float]]) -> None:
        """Take the positions of blocks already in the store (a reopened save)."""
        if len(places) != len(self.store):
            raise ValueError(f"{len(places)} block places for {len(self.store)} blocks")
        with self._lock:
            self._t0 = 0.0 if places else None
            for after, h, w, seconds in places:
                self._next = int(after)
                grid = (int(h), int(w))
                self._commit(self._place(grid, float(seconds)), grid, float(seconds))

    def close(self) -> None:
        self.store.close()
