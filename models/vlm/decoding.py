"""Greedy decoding and option scoring from a prompt's `inputs_embeds`, for any family.

A family adapter builds the (1, L, D) embeddings of its prompt (text embedded,
visual tokens spliced in) and, where its positions are not the model's own 1-D
ones, their position ids (Qwen2.5-VL's M-RoPE); what follows is the same for every
family: one KV-cached greedy loop (`greedy_ids`; `greedy_pieces` yields its whole
characters, benchmarks time it), and the summed log-probability of a given answer.

The loop ends where the checkpoint says an answer ends: every id of its
`generation_config.json` `eos_token_id` (Qwen2.5 lists both `<|im_end|>` and
`<|endoftext|>`), and any stop string that is one of the tokenizer's special
tokens (decoded text skips those, so only the id can match). Other stop strings
are matched in the decoded text. The checkpoint's `repetition_penalty` applies
unless the caller gives one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = [
    "end_ids",
    "greedy_ids",
    "greedy_pieces",
    "option_logprob",
    "option_logprobs",
    "repetition_penalty",
    "split_stops",
    "turn_ids",
]


def turn_ids(tokenizer: Any, text: str, body: str, placeholders: Sequence[str]) -> list[int]:
    """Token ids of the rendered turn `text`, whose user content `body` is read as plain text.

    The template around `body` keeps its control tokens; inside `body` only the
    `placeholders` (where visual tokens go) are special: an OCR line or a sentence that
    says "<|im_end|>" or "<|im_start|>assistant" stays words and cannot end the user turn.
    """
    at = text.rfind(body) if body else -1
    if at < 0:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def ids(piece: str, plain: bool) -> list[int]:
        if not piece:
            return []
        out = tokenizer(piece, add_special_tokens=False, split_special_tokens=plain)
        return list(out["input_ids"])

    chunks = [body]
    for mark in placeholders:  # split the body at each placeholder, keeping them
        chunks = [c for chunk in chunks for c in _split_keep(chunk, mark)]
    found = [i for c in chunks for i in ids(c, c not in placeholders)]
    return ids(text[:at], False) + found + ids(text[at + len(body) :], False)


def _split_keep(text: str, mark: str) -> list[str]:
    pieces = text.split(mark)
    return [p for i, piece in enumerate(pieces) for p in ((mark, piece) if i else (piece,))]


def end_ids(model: Any, tokenizer: Any, *tokens: str) -> set[int]:
    """Ids that end an answer: `tokens`, the tokenizer's eos, every generation_config eos id."""
    found: list[Any] = [tokenizer.convert_tokens_to_ids(t) for t in tokens]
    found.append(tokenizer.eos_token_id)
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    found += eos if isinstance(eos, list) else [eos]
    return {int(i) for i in found if isinstance(i, int) and i >= 0}


def split_stops(tokenizer: Any, stop: Sequence[str]) -> tuple[set[int], tuple[str, ...]]:
    """(ids of the stop strings that are special tokens, the stop strings left to match as text)."""
    special = set(getattr(tokenizer, "all_special_tokens", ()))
    special |= {str(t) for t in getattr(tokenizer, "added_tokens_decoder", {}).values()}
    ids = {int(tokenizer.convert_tokens_to_ids(s)) for s in stop if s in special}
    return ids, tuple(s for s in stop if s not in special)


def repetition_penalty(model: Any, given: float | None = None) -> float:
    """`given`, else the checkpoint's generation_config `repetition_penalty`, else 1.0 (none)."""
    if given is not None:
        return float(given)
    value = getattr(getattr(model, "generation_config", None), "repetition_penalty", None)
    return float(value) if isinstance(value, int | float) and value > 0 else 1.0


def penalised(logits: Any, ids: Sequence[int], penalty: float) -> Any:
    """`logits` (V,) with the tokens already generated made less likely, as transformers does.

    A positive logit is divided by `penalty`, a negative one multiplied (CTRL's rule, the
    `RepetitionPenaltyLogitsProcessor` of `generate`).
    """
    if penalty == 1.0 or not ids:
        return logits
    import torch

    seen = torch.tensor(sorted(set(ids)), device=logits.device)
    out = logits.clone()
    picked = out[seen]
    out[seen] = torch.where(picked > 0, picked / penalty, picked * penalty)
    return out


def greedy_ids(
    model: Any,
    embeds: Any,
    ends: set[int],
    max_new_tokens: int,
    cache: Any = None,
    positions: Any = None,
    penalty: float = 1.0,
) -> Iterator[int]:
    """The one greedy loop: token ids answering the prompt `embeds` (1, L, D), one at a time.

    Ends before a token of `ends` or after `max_new_tokens`. `positions`: the prompt's
    position ids, (1, L) or M-RoPE's (3, 1, L); each new token then goes at the largest
    so far + 1 on every axis (Qwen2.5-VL's text after a video). None: the model's own
    1-D positions (with no `cache`, 0..L-1). `cache`: a transformers Cache the prompt
    continues. `penalty`: the repetition penalty over the generated tokens.
    """
    import torch

    ids: list[int] = []
    with torch.inference_mode():
        where: dict[str, Any] = {}
        if positions is not None:
            where["position_ids"] = positions
            nxt = int(positions.max()) + 1
        # logits of the last position only: (L, V) would be GBs for a long prompt (V = 152k)
        out = model(inputs_embeds=embeds, cache=cache, use_cache=True, logits_to_keep=1, **where)
        for _ in range(max_new_tokens):
            next_id = int(penalised(out.logits[0, -1], ids, penalty).argmax())
            if next_id in ends:
                return
            ids.append(next_id)
            yield next_id
            if len(ids) == max_new_tokens:
                return
            if positions is not None:
                where["position_ids"] = torch.full(
                    (*positions.shape[:-1], 1), nxt, device=positions.device
                )
                nxt += 1
            step = torch.tensor([[next_id]], device=model.device)
            out = model(input_ids=step, cache=out.cache, use_cache=True, **where)


def greedy_pieces(
    model: Any,
    tokenizer: Any,
    embeds: Any,
    stop_ids: set[int],
    max_new_tokens: int,
    stop: Sequence[str] = (),
    cache: Any = None,
    positions: Any = None,
    penalty: float | None = None,
) -> Iterator[str]:
    """Greedy answer to the prompt `embeds` (1, L, D), yielded as text becomes complete.

    Ends at a token of `stop_ids` or of the model's generation_config eos ids, after
    `max_new_tokens`, or before the first of the `stop` strings (not yielded).
    `penalty`: the repetition penalty, over the generated tokens (as transformers' `generate`
    applies it from `inputs_embeds`); None: the checkpoint's. `cache` and `positions`: as
    `greedy_ids` takes them (a cache may hold a subset of earlier tokens at their own
    positions, so its length does not tell where the prompt goes).
    """
    ends, stop = split_stops(tokenizer, stop)
    ends |= stop_ids | end_ids(model, tokenizer)
    rule = repetition_penalty(model, penalty)
    ids: list[int] = []
    sent = ""
    hold = max((len(s) for s in stop), default=1) - 1  # chars that may start a stop string
    for next_id in greedy_ids(model, embeds, ends, max_new_tokens, cache, positions, rule):
        ids.append(next_id)
        text = tokenizer.decode(ids, skip_special_tokens=True)
        cut = min((text.find(s) for s in stop if s in text), default=-1)
        if cut >= 0:
            if text[len(sent) : cut]:
                yield text[len(sent) : cut]
            return
        ready = text[: len(text) - hold] if hold else text
        if ready.endswith("\ufffd"):  # half a UTF-8 character: wait for the rest
            ready = ready[:-1]
        if len(ready) > len(sent):
            yield ready[len(sent) :]
            sent = ready
    rest = tokenizer.decode(ids, skip_special_tokens=True)[len(sent) :]
    if rest:
        yield rest


def option_logprob(model: Any, prompt: Any, option: Sequence[int], positions: Any = None) -> float:
    """Sum log-probability of the token ids `option` right after the prompt `prompt` (1, L, D).

    `option`: the tokens the chat template writes for the answer (the family's `answer_ids`).
    `positions`: the prompt's position ids as `greedy_ids` takes them (None: the model's own);
    the option's tokens go on from the largest + 1, as generated ones would.
    """
    return option_logprobs(model, prompt, [option], positions)[0]


def option_logprobs(
    model: Any, prompt: Any, options: Sequence[Sequence[int]], positions: Any = None
) -> list[float]:
    """`option_logprob` of each of `options`, from one pass over the prompt.

    The prompt is read once into a KV cache; each option then reads only its own few
    tokens from that cache, which is cut back to the prompt before the next one: N
    options cost one prompt pass and N short ones, not N prompt passes.
    """
    import torch

    if not options or not all(options):
        raise ValueError("an option has no tokens")
    with torch.inference_mode():
        where: dict[str, Any] = {}
        nxt = 0
        if positions is not None:
            where["position_ids"] = positions
            nxt = int(positions.max()) + 1
        out = model(inputs_embeds=prompt, use_cache=True, logits_to_keep=1, **where)
        cache = out.cache
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)  # the answer's first token
        sums = []
        for option in options:
            total = float(first[option[0]])
            if len(option) > 1:
                ids = torch.tensor([list(option[:-1])], device=model.device)
                if positions is not None:  # after the prompt, on every axis, as generated ones
                    after = torch.arange(nxt, nxt + ids.shape[1], device=positions.device)
                    where["position_ids"] = after.expand(*positions.shape[:-1], -1)
                logits = model(input_ids=ids, cache=cache, use_cache=True, **where).logits
                logp = torch.log_softmax(logits[0].float(), dim=-1)  # (k - 1, V)
                rest = torch.tensor(list(option[1:]), device=logp.device)
                total += float(logp[torch.arange(len(rest)), rest].sum())
                cache.crop(-ids.shape[1])  # back to the prompt alone for the next option
            sums.append(total)
        return sums
