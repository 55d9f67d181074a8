"""The openai backend: the model server the user already runs answers, over the chat API.

`openai:MODEL@URL` sends the frames the memory chose (JPEG images, each after its
stream time), the relevant timeline lines and the question to an OpenAI-compatible
server (`openai_prompt`), and streams the reply as the server writes it. The
evidence and the chosen option are read from the reply as the vlm backend reads
them (`cited_evidence`, `parse_option`); a multiple-choice reply that names no
option gets the option the timeline supports best (`choose_option`). What the timeline
clearly decides the server's model does not overrule, as with the vlm backend
(`found.kept_to_timeline`): a choice the timeline decides is stated from it without a
request, and an open answer that misses the value one line heard or shown holds gives
way to the found answer.

The memory holds frames for it, not a model's tokens: the packaged encoder still
fills the memory (it ranks and merges frames), and each held frame keeps a JPEG
of `FRAME_SIDE` px, which is what the server sees.

When the server cannot answer, the answer says why in one sentence and then
gives the extractive answer, with its evidence:

- down or unreachable: "The model server at URL did not answer; is it running? ...";
- too slow: "The model server at URL took more than 60 s; ...";
- a model that refuses images (the server answers an error to a request with
  images): asked again once with the timeline alone, and the answer ends by
  saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from streamer.reasoning.answers import choose_option, model_text, nothing_about
from streamer.reasoning.backend import Backend, Context, Grounds, Reply, TokenStream
from streamer.reasoning.evidence import answer_first
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.found import kept_to_timeline
from streamer.reasoning.openai_prompt import (
    FRAME_SIDE,
    Endpoint,
    api_key,
    chat_messages,
    sent_frames,
)
from streamer.reasoning.question import Question
from streamer.reasoning.timeline_prompt import (
    cited_evidence,
    parse_option,
    select_events,
    timeline_lines,
)
from streamer.reasoning.vlm import MAX_TOKENS, frame_evidence

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger("streamer")

TIMEOUT_S = 60.0  # seconds a request may take, first token to last: a CPU server's 16 images
FALLBACK = "From the timeline:"
TEXT_ONLY_NOTE = "(The model at {url} does not take images, so it read the timeline alone.)"


class ServerError(Exception):
    """The server could not give an answer; `str()` is the one sentence for the user."""


class OpenAIBackend(Backend):
    """Answers with a model on an OpenAI-compatible server (see the module docstring)."""

    name = "openai"

    def __init__(
        self,
        endpoint: Endpoint,
        timeout: float = TIMEOUT_S,
        max_tokens: int = MAX_TOKENS,
        timeline_decides: bool = True,
    ) -> None:
        import openai

        self.endpoint = endpoint
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.timeline_decides = timeline_decides
        # no retries of the client's own: a server that is down says so at once
        self.client = openai.OpenAI(
            base_url=endpoint.base_url, api_key=api_key(), timeout=timeout, max_retries=0
        )
        self.extractive = ExtractiveBackend()

    def frame_side(self) -> int:
        return FRAME_SIDE

    def respond(self, q: Question, ctx: Context) -> Reply:
        if not len(ctx.timeline) and not ctx.view.frames_seen:
            return Reply.text(nothing_about(q, ctx))  # nothing to read yet
        if not self.timeline_decides:
            return Reply(self._generate(q, ctx))
        return Reply(kept_to_timeline(q, ctx, lambda: self._generate(q, ctx)))

    def _generate(self, q: Question, ctx: Context) -> TokenStream:
        frames = sent_frames(ctx.view.items, q.asked_at)
        scored = select_events(q, ctx.timeline)
        lines = timeline_lines(scored, ctx.view.items, q.asked_at)
        note = None
        try:
            try:
                text = yield from model_text(self._stream(chat_messages(q, frames, lines), q))
            except _Refused:
                frames = []  # asked again once, text alone: the model refused the images
                note = TEXT_ONLY_NOTE.format(url=self.endpoint.base_url)
                text = yield from model_text(self._stream(chat_messages(q, [], lines), q))
        except ServerError as e:
            return (yield from self._extractive(q, ctx, str(e)))
        if note:
            yield " " + note
        option = None
        if q.options:
            option = parse_option(text, q.options)
            if option is None:  # a reply naming no option: the timeline's best supported
                option = choose_option(q, ctx.timeline)[0]
        evidence = answer_first(
            cited_evidence(text, scored, ctx.view.items, q.asked_at),
            frame_evidence(frames, q.asked_at),
        )
        return Grounds(evidence, option)

    def _extractive(self, q: Question, ctx: Context, why: str) -> TokenStream:
        """`why` in one sentence, then the extractive answer and its grounds."""
        log.info("%s", why)
        yield f"{why} {FALLBACK} "
        reply = self.extractive.respond(q, ctx)
        yield from reply
        return reply.grounds

    def _stream(self, messages: list[dict[str, Any]], q: Question) -> Iterator[str]:
        """The reply's text pieces as the server sends them.

        Raises `_Refused` when a request with images gets an error status before any
        text, `ServerError` for every other failure (one sentence each).
        """
        import openai

        url = self.endpoint.base_url
        has_images = not isinstance(messages[-1]["content"], str)
        sent = False
        try:
            chunks = self.client.chat.completions.create(
                model=self.endpoint.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                max_tokens=self.max_tokens,
                temperature=0.0,
                stop=["\n"] if q.options else ["\n\n"],
                stream=True,
            )
            for chunk in chunks:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    sent = True
                    yield piece
        except openai.APITimeoutError:
            raise ServerError(
                f"The model server at {url} took more than {self.timeout:g} s to answer; "
                "try a smaller model or a shorter question."
            ) from None
        except openai.APIConnectionError:
            raise ServerError(
                f"The model server at {url} did not answer; is it running and is the URL right?"
            ) from None
        except openai.AuthenticationError:
            raise ServerError(
                f"The model server at {url} refused the API key; set STREAMER_OPENAI_API_KEY."
            ) from None
        except openai.NotFoundError:
            raise ServerError(
                f"The model server at {url} has no model {self.endpoint.model!r}; "
                "name one it lists at /v1/models."
            ) from None
        except openai.APIStatusError as e:
            if has_images and not sent:
                log.info("%s answered %s to images; asking with text alone", url, e.status_code)
                raise _Refused from None
            raise ServerError(
                f"The model server at {url} refused the request ({e.status_code}: "
                f"{short(server_says(e))}); see its log."
            ) from None
        except openai.APIError as e:  # an error inside the stream (e.g. the server ran out)
            raise ServerError(f"The model server at {url} stopped answering: {e.message}") from None


def server_says(e: Any) -> str:
    """The message in an error answer's body ({"error": {"message"}}, {"detail"}), else its text.

    `e`: an openai.APIStatusError.
    """
    body = e.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        said = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
        if said:
            return str(said)
    try:
        text = e.response.text
    except Exception:  # a streamed answer whose body was not read
        text = ""
    return str(text or e.message)


def short(message: str, limit: int = 160) -> str:
    """A server's error message on one line, cut to `limit` characters, no final stop."""
    line = " ".join(message.split()).rstrip(".")
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _Refused(Exception):
    """The server answered an error to a request with images."""
