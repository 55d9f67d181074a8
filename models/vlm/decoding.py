"""Greedy decoding and option scoring from a prompt's `inputs_embeds`, for any family.

A family adapter builds the (1, L, D) embeddings of its prompt (text embedded,
visual tokens spliced in); what follows is the same for every model whose
`forward` takes `inputs_embeds` and whose text positions are 1-D (LLaVA-OneVision,
SmolVLM2): a KV-cached greedy loop that yields whole characters, and the summed
log-probability of a given answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["greedy_pieces", "option_logprob"]


def greedy_pieces(
    model: Any,
    tokenizer: Any,
    embeds: Any,
    stop_ids: set[int],
    max_new_tokens: int,
    stop: Sequence[str] = (),
    cache: Any = None,
    start: int | None = None,
) -> Iterator[str]:
    """Greedy answer to the prompt `embeds` (1, L, D), yielded as text becomes complete.

    Ends at a token of `stop_ids`, after `max_new_tokens`, or before the first of the
    `stop` strings (which is not yielded). With `cache` (a transformers Cache) the prompt
    continues it; `start` then gives the prompt's first position (the cache may hold a
    subset of earlier tokens at their own positions, so its length does not tell).
    """
    import torch

    ids: list[int] = []
    sent = ""
    hold = max((len(s) for s in stop), default=1) - 1  # chars that may start a stop string
    with torch.inference_mode():
        where: dict[str, Any] = {}
        n = embeds.shape[1]
        if start is not None:
            where["position_ids"] = torch.arange(start, start + n, device=model.device)[None]
        out = model(inputs_embeds=embeds, cache=cache, use_cache=True, **where)
        for step_index in range(max_new_tokens):
            next_id = int(out.logits[0, -1].argmax())
            if next_id in stop_ids:
                break
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
            step = torch.tensor([[next_id]], device=model.device)
            if start is not None:
                at = start + n + step_index
                where["position_ids"] = torch.tensor([[at]], device=model.device)
            out = model(input_ids=step, cache=out.cache, use_cache=True, **where)
    rest = tokenizer.decode(ids, skip_special_tokens=True)[len(sent) :]
    if rest:
        yield rest


def option_logprob(model: Any, prompt: Any, option: Sequence[int]) -> float:
    """Sum log-probability of the token ids `option` right after the prompt `prompt` (1, L, D).

    `option`: the tokens the chat template writes for the answer (the family's `answer_ids`).
    """
    import torch

    if not option:
        raise ValueError("the option has no tokens")
    with torch.inference_mode():
        ids = torch.tensor(list(option), device=model.device)
        full = torch.cat([prompt, model.get_input_embeddings()(ids)[None]], dim=1)  # (1, L+k, D)
        logits = model(inputs_embeds=full).logits[0].float()  # (L + k, V)
        n = prompt.shape[1]
        logp = torch.log_softmax(logits[n - 1 : n - 1 + len(option)], dim=-1)  # (k, V)
        return float(logp[torch.arange(len(option)), ids].sum())
