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
   time order; each layer reads its own blocks, as in ReKV (blocks of unequal
   length, as SmolVLM2's, take one choice for all layers, by the layers'
   standardised scores summed: every layer's cache must have one length);
3. answer: sinks + retrieved blocks (+ the tail) are the cache the answer is
   greedily decoded over.

Positions: every token is encoded at the absolute position it has in the stream,
and its keys are stored rotated there. The model places each block
(`kv_block_positions`): 1-D RoPE after the previous block; Qwen2.5-VL's M-RoPE at
(t, h, w) of one video, t from the frame's stream time. Retrieval scores the
stored keys with the question's queries. At stream positions (`reindex` off: ReKV's
choice) the queries sit after the last frame, past the trained context on a long stream
as the answer would. Re-indexed (the default), every block is scored as if it alone lay
right after the sinks with the question after it: its mean key turned by that move
(`_front`: a block moves as one, every token by the same shift, so its mean key turns
exactly as its keys would), the queries at the positions after it. Every block is then
read at the same distance from the question, under the trained context at any length.

An answer does not read the blocks there: a long stream puts them, and the
question after them, past the positions the LM was trained on (32,768 for
Qwen2-0.5B: 6 minutes at 0.5 fps of LLaVA-OV's 196-token frames), and a real LM
then answers garbage from the right blocks. So before the question each layer's
retrieved blocks are re-indexed into one compact range right after the sinks
(`compact`), in time order: each key is turned by its new minus old position
(`models.vlm.kv.turn_keys`, exact for RoPE), values are untouched, and the question
and the answer's tokens follow the last block. 1-D RoPE: the blocks lie back to
back. M-RoPE: what is kept is the time axis's order and each gap between two
retrieved frames up to `MAX_GAP_S` of stream (a longer gap, frames retrieval
skipped, is cut to it); only t moves, a frame's h and w positions stay as encoded.
Either way the question sits under sinks + top_k blocks (+ their gaps) positions
at any stream length.

Exact where nothing moves: with a window that covers every block and all blocks
retrieved, 1-D blocks are already back to back and the answer's logits equal one
full-attention pass over the whole turn (tests/models/vlm/test_kv.py). A moved
block's keys are exactly the keys its layer-0 tokens would have at the new
positions (so a one-layer LM answers exactly as one pass over sinks + retrieved
frames + question: tests/models/vlm/test_kv_positions.py); deeper layers also
carry what the block saw when encoded (its distance to the sinks, its window),
which is ReKV's approximation, not the positions'.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.vlm.kv import KvLanguageModel, LayerKV, block_scores, turn_keys
from streamer.memory.kv_store import KvStore

__all__ = ["Compacted", "KvStream"]

WINDOW = 8  # blocks in the local window while encoding: 8 x 196 = 1568 tokens at LLaVA-OV
TOP_K = 16  # blocks retrieved per layer for an answer (ReKV's setting for 1 fps video is 64)
# M-RoPE: the longest stream time kept between two retrieved frames when they are
# re-indexed; 30 s is 60 temporal positions at Qwen2.5-VL's 2 tokens a second, so 16
# blocks span under 1,000 positions however long the stream
MAX_GAP_S = 30.0


@dataclass(frozen=True)
class Compacted:
    """What an answer reads: per layer, sinks + the chosen blocks at their answer positions."""

    context: list[LayerKV]  # per layer (kv_heads, n, head_dim) keys and values
    start: int  # the question's first position; the answer's tokens follow it
    moved: int  # blocks whose keys were turned to a new position, over all layers


class KvStream:
    """One video's KV cache: `add_frame` as frames arrive, `answer` any time."""

    def __init__(
        self,
        model: KvLanguageModel,
        folder: Path,
        ram_bytes: int,
        window: int = WINDOW,
        top_k: int = TOP_K,
        reindex: bool = True,
    ) -> None:
        if window < 0 or top_k < 1:
            raise ValueError("window >= 0 and top_k >= 1")
        self.model, self.window, self.top_k = model, window, top_k
        self.reindex = reindex  # False: blocks at their stream positions (the bench's "before")
        self.layout = model.kv_layout
        self.store = KvStore(self.layout.n_layers, folder, ram_bytes)
        self._lock = threading.Lock()  # one pass at a time over the shared state
        head = model.kv_head()  # (L0, D)
        sinks = np.arange(len(head))
        self.sinks: list[LayerKV] = model.kv_pass(head, [], sinks).kv
        self.positions: list[np.ndarray] = []  # per block, its tokens' absolute positions
        self._front: list[np.ndarray] = []  # per block, its move to right after the sinks
        self._front_end = 0  # the first position after the longest block moved there
        self.places: list[list[float]] = []  # per block [after, h, w, seconds, rows]
        self._ends: list[int] = []  # per block, the first free position after it
        self._next = self._sink_len = len(head)  # position of the next token; of the first frame
        self._t0: float | None = None  # stream time of the first frame

    def add_frame(self, tokens: np.ndarray, t: float | None = None) -> int:
        """Prefill one frame's (h, w, D) or (n, D) visual tokens, seen at stream time `t`, as
        a block; its id. (`t` places the frame in time for M-RoPE; 1-D RoPE ignores it.)"""
        h, w = (tokens.shape[0], tokens.shape[1]) if tokens.ndim == 3 else (1, len(tokens))
        grid = (int(h), int(w))
        rows = self.model.kv_frame_rows(tokens.reshape(*grid, tokens.shape[-1]), t or 0.0)
        with self._lock:
            first = max(0, len(self.positions) - self.window)
            local = list(range(first, len(self.positions)))
            context = self._context([local] * self.layout.n_layers)
            place = self._place(grid, t, len(rows))
            out = self.model.kv_pass(rows, context, place[0])
            block = self.store.add([k for k, _ in out.kv], [v for _, v in out.kv])
            self._commit(place, grid, t)
            return block

    def _place(self, grid: tuple[int, int], t: float | None, n: int) -> tuple[np.ndarray, int]:
        """Positions of the next block of `n` rows, and the first free one after it (locked)."""
        t0 = self._t0 if self._t0 is not None else (t or 0.0)
        seconds = max(0.0, (t or 0.0) - t0)
        return self.model.kv_block_positions(self._next, self._sink_len, grid, seconds, n)

    def _commit(
        self, place: tuple[np.ndarray, int], grid: tuple[int, int], t: float | None
    ) -> None:
        """Note the block just stored at `place` (lock held)."""
        if self._t0 is None:
            self._t0 = t or 0.0
        seconds = max(0.0, (t or 0.0) - self._t0)
        self.places.append([self._next, grid[0], grid[1], seconds, int(place[0].shape[-1])])
        self.positions.append(place[0])
        self._ends.append(place[1])
        front, end = self.model.kv_block_positions(
            self._sink_len, self._sink_len, grid, 0.0, int(place[0].shape[-1])
        )
        self._front.append((front - place[0])[..., 0])  # one shift for the whole block
        self._front_end = max(self._front_end, end)
        self._next = place[1]

    def add_block(
        self, keys: Sequence[np.ndarray], values: Sequence[np.ndarray], t: float | None = None
    ) -> int:
        """Store a block computed elsewhere, as the next frame's, seen at stream time `t` (a
        benchmark fills long streams this way); its tokens take the next positions. Its id."""
        with self._lock:
            grid = (1, int(keys[0].shape[1]))
            place = self._place(grid, t, grid[1])
            block = self.store.add(keys, values)
            self._commit(place, grid, t)
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
            moves = np.stack(self._front[:n], -1) if self.reindex else None  # (n,) or (3, n)
            start = self._front_end if self.reindex else start
            at = np.arange(start, start + len(tail))
            queries = self.model.kv_pass(tail, self.sinks, at, queries=True).queries
        assert queries is not None
        reps = [self.store.representatives(layer)[:n] for layer in range(len(queries))]
        if moves is not None:  # each mean key as its block's keys would be after the sinks
            rotary = self.model.kv_rotary
            reps = [turn_keys(r.transpose(1, 0, 2), moves, rotary).transpose(1, 0, 2) for r in reps]
        scores = [block_scores(q, r) for q, r in zip(queries, reps)]
        with self._lock:
            even = len({p.shape[-1] for p in self.positions[:n]}) <= 1
        if not even:  # blocks of unequal length (SmolVLM2's stamps): one choice for all layers,
            # so every layer's cache has one length; by the layers' standardised scores summed
            votes = sum((s - s.mean()) / (s.std() or 1.0) for s in scores)
            best = sorted(int(b) for b in np.argsort(-votes, kind="stable")[:k])
            return [best] * self.layout.n_layers
        return [sorted(int(b) for b in np.argsort(-s, kind="stable")[:k]) for s in scores]

    def _upto(self, upto: int | None) -> tuple[int, int]:
        """(blocks, position after the last of them) of the first `upto` blocks (lock held)."""
        n = len(self.positions) if upto is None else min(upto, len(self.positions))
        return n, self._ends[n - 1] if n else self._sink_len

    def answer_logits(self, question: str, blocks: Sequence[Sequence[int]]) -> np.ndarray:
        """(Lq, vocab) logits of the tail over sinks + `blocks` (per layer).

        The last row is the answer's first token.
        """
        tail = self.model.kv_tail(question)
        read = self.compact(blocks)
        at = np.arange(read.start, read.start + len(tail))
        out = self.model.kv_pass(tail, read.context, at, logits=True)
        assert out.logits is not None
        return out.logits

    def option_logprobs(
        self,
        question: str,
        texts: Sequence[str],
        blocks: Sequence[Sequence[int]],
        upto: int | None = None,
    ) -> list[float]:
        """Sum log-probability of each of `texts` as the answer's start, over sinks + `blocks`.

        The tail and a text's tokens in one pass at the positions the answer gets (after
        the compacted blocks; `upto` as in `compact`): the multiple-choice fallback when a
        reply names no option, scoring each option's letter. One compaction serves all.
        """
        tail = self.model.kv_tail(question)
        read = self.compact(blocks, upto)
        out = []
        for text in texts:
            ids, rows = self.model.kv_text(text)
            x = np.concatenate([tail, rows])
            at = np.arange(read.start, read.start + len(x))
            scored = self.model.kv_pass(x, read.context, at, logits=True).logits
            assert scored is not None
            scores = scored[len(tail) - 1 : len(tail) - 1 + len(ids)].astype(np.float64)
            top = scores.max(axis=1, keepdims=True)
            logp = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
            out.append(float(logp[np.arange(len(ids)), ids].sum()))
        return out

    def option_logprob(
        self, question: str, text: str, blocks: Sequence[Sequence[int]], upto: int | None = None
    ) -> float:
        """`option_logprobs` of one text."""
        return self.option_logprobs(question, [text], blocks, upto)[0]

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
        read = self.compact(chosen, upto)
        yield from self.model.kv_generate(tail, read.context, read.start, max_new_tokens, stop)

    def compact(self, blocks: Sequence[Sequence[int]], upto: int | None = None) -> Compacted:
        """Per layer, sinks + that layer's `blocks` (time order) re-indexed right after the
        sinks, and the question's start after them; see the module's docstring.

        With `reindex` off: the blocks at their stream positions and the question after
        the first `upto` blocks (all when None), as before re-indexing existed.
        """
        with self._lock:  # blocks never change once stored; their places are read here
            places, positions = list(self.places), list(self.positions)
            _, after_all = self._upto(upto)
        if not self.reindex:
            return Compacted(self._context(blocks), after_all, 0)
        rotary = self.model.kv_rotary
        context, start, moved = [], self._sink_len, 0
        for layer, ids in enumerate(blocks):
            order = sorted(ids)
            shifts, end = self._shifts(order, places, positions)
            keys, values = [self.sinks[layer][0]], [self.sinks[layer][1]]
            for (k, v), shift in zip(self.store.get(order, layer), shifts):
                if shift.any():
                    k, moved = turn_keys(k, shift, rotary), moved + 1
                keys.append(k)
                values.append(v)
            context.append((np.concatenate(keys, 1), np.concatenate(values, 1)))
            start = max(start, end)  # layers may read different blocks: one start for all
        return Compacted(context, start, moved)

    def _shifts(
        self, order: Sequence[int], places: Sequence[list[float]], positions: Sequence[np.ndarray]
    ) -> tuple[list[np.ndarray], int]:
        """Per block of `order`, its new minus old positions; the first position after them."""
        after, shifts = self._sink_len, []
        seconds = last = 0.0
        for i, b in enumerate(order):
            _, h, w, t, n = places[b]
            seconds = 0.0 if i == 0 else seconds + min(t - last, MAX_GAP_S)  # M-RoPE's t only
            last = t
            grid = (int(h), int(w))
            new, after = self.model.kv_block_positions(after, self._sink_len, grid, seconds, int(n))
            shifts.append(new - positions[b])
        return shifts, after

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
        """[after, h, w, seconds, rows] of each of the first `upto` blocks: what gives their
        positions again (`adopt`), for a save."""
        with self._lock:
            return [list(p) for p in self.places[:upto]]

    def adopt(self, places: Sequence[Sequence[float]]) -> None:
        """Take the positions of blocks already in the store (a reopened save)."""
        if len(places) != len(self.store):
            raise ValueError(f"{len(places)} block places for {len(self.store)} blocks")
        with self._lock:
            self._t0 = 0.0 if places else None
            for after, h, w, seconds, n in places:
                self._next = int(after)
                grid = (int(h), int(w))
                self._commit(self._place(grid, float(seconds), int(n)), grid, float(seconds))

    def close(self) -> None:
        self.store.close()
