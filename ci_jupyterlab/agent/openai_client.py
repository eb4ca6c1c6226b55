"""The OpenAI-compatible ``ModelClient``: ``openai.AsyncOpenAI``, Chat Completions, streaming.

Retries of 429, 5xx, timeouts and dropped connections before the answer
starts go through ``retries.with_retries`` (exponential backoff that honours
``Retry-After``, each wait shown to the user); also ours: asking once more for an
answer cut off mid-way, merging streamed tool-call deltas and turning failures
into messages that say what to fix.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta

from .model_client import Capabilities, CutOff, ImagesRejected, LLMError, Reply, Retrying, ToolCall, ToolsRejected
from .redaction import redact
from .retries import Backoff, retried, with_retries
from .setting_rules import setting_name
from .settings import DEFAULT_OPENAI_MODEL, PLACEHOLDER_KEY, endpoint_of, is_openai
from .tokens import count_tokens, prompt_tokens


class _Interrupted(Exception):
    """The stream stopped before the answer was finished (``reason`` says how)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# What a dropped connection or a stalled stream raises while the answer streams
# in: openai >= 3 wraps transport errors in APIConnectionError (APITimeoutError
# for timeouts); older versions let httpx's own errors through, and need httpx.
_TIMEOUTS: tuple[type[Exception], ...] = (openai.APITimeoutError,)
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (openai.APIConnectionError,)
try:
    import httpx
except ImportError:  # openai >= 3 uses httpx2, whose errors it wraps
    pass
else:
    _TIMEOUTS += (httpx.TimeoutException,)
    _TRANSPORT_ERRORS += (httpx.TransportError,)

_SSE_TYPE = "text/event-stream"


def _mentions(exc: openai.APIStatusError, words: tuple[str, ...]) -> bool:
    return any(word in str(exc.message).lower() for word in words)


_TOOL_WORDS = ("tool", "function call")
_IMAGE_WORDS = ("image", "vision", "multimodal", "mmproj")


def _has_images(messages: list[dict]) -> bool:
    return any(
        isinstance(message.get("content"), list)
        and any(part.get("type") == "image_url" for part in message["content"] if isinstance(part, dict))
        for message in messages
    )


class OpenAICompatibleClient:
    """Streams answers from a model behind an OpenAI-compatible API.

    Built from plain values: ``base_url`` (None or "" for OpenAI), the key
    (empty for servers that need none), the model (empty: OpenAI's default
    model there, else the first one the server lists), the seconds to wait for
    the server, how many times to retry, and what is known of the model's
    capabilities. An OpenAI-compatible server declares none of them: each is
    learned from the answers (a refused ``tools`` parameter or image, usage in
    the stream or not).
    """

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str,
        model: str,
        timeout: float,
        retries: int,
        capabilities: Capabilities | None = None,
    ):
        self.endpoint = endpoint_of(base_url)  # for messages: the host, never the key
        self.timeout = timeout
        self.retries = retries
        self._key = api_key
        self._backoff = Backoff(retries)
        # Retries are ours (retries.py), so that each wait can be shown.
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_KEY, base_url=base_url or None, max_retries=0, timeout=timeout
        )
        self._model = model or (DEFAULT_OPENAI_MODEL if is_openai(base_url) else "")
        self._capabilities = capabilities or Capabilities()

    @property
    def model_name(self) -> str | None:
        """The model in use, once known."""
        return self._model or None

    @property
    def capabilities(self) -> Capabilities:
        """What the model was found to do, so far."""
        return self._capabilities

    def _found(self, **found: bool) -> None:
        self._capabilities = Capabilities(**found).merged(self._capabilities)

    async def close(self) -> None:
        """Close pooled connections (before the event loop ends)."""
        await self._client.close()

    async def list_models(self) -> list[str]:
        """The ids of the models the server lists."""
        try:
            page = await retried(self._client.models.list, self._backoff)
        except openai.APIError as exc:
            raise self._translate(exc) from None
        return [model.id for model in page.data]

    async def model(self) -> str:
        """The configured model, else the first one the server lists."""
        if not self._model:
            ids = await self.list_models()
            if not ids:
                raise LLMError(
                    f"The model server at {self.endpoint} lists no models.",
                    f"Load a model in the server, or set {setting_name('model')}.",
                )
            self._model = ids[0]
        return self._model

    async def stream(self, messages: list[dict], *, tools: list[dict] | None) -> AsyncIterator[str | CutOff | Reply]:
        """Yield text deltas as they arrive, then the complete ``Reply``.

        An answer that stops before the server says it is finished (the
        connection dropped, the stream stalled or just ended) is never taken as
        complete: it is asked for once more, after yielding a ``CutOff``. The
        text deltas after a ``CutOff`` start again from the beginning of the
        answer, so front ends should drop the text they showed. A second
        cut-off raises ``LLMError``.
        """
        body = {
            "model": await self.model(),
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **({"tools": tools} if tools else {}),
        }
        where = self.endpoint
        for last_try in (False, True):
            try:
                async for item in self._answer(body, messages, tools):
                    if isinstance(item, Reply):
                        self._learn_from(item, messages, tools)
                    yield item
                return
            except _Interrupted as cut:
                reason = cut.reason
            if not last_try:
                yield CutOff(f"The model's answer from {where} was cut off ({reason}); asking again.")
        raise LLMError(
            f"The model's answer from {where} was cut off twice ({reason}).",
            "The model server or the network to it may be unstable, or a proxy may be "
            "limiting how long an answer can take; try again, and check the server's logs.",
        )

    def _learn_from(self, reply: Reply, messages: list[dict], tools: list[dict] | None) -> None:
        """What an answer shows the model can do (the refusals are learned in ``_translate``)."""
        found = {"streaming_usage": reply.usage_reported}
        if tools:
            found["tools"] = True
        if _has_images(messages):
            found["images"] = True
        self._found(**found)

    async def _answer(self, body: dict, messages: list[dict], tools: list[dict] | None) -> AsyncIterator[str | Reply]:
        """One try at the answer: text deltas, then the ``Reply``; ``_Interrupted`` if cut off."""
        try:
            # Posted as-is: our messages are already wire-format dicts, and
            # ``chat.completions.create`` would re-walk the whole history through
            # its type-driven transform on every call (measured: most of a
            # round's overhead once the conversation has a few dozen messages).
            # Retries and streaming are the client's, as with ``create``.
            stream = None
            async for posted in self._post_reporting_retries(body):
                if isinstance(posted, Retrying):
                    yield posted
                else:
                    stream = posted
            reply = Reply()
            partial_calls: dict[int, ToolCall] = {}
            finished = received = False
            async with stream:
                async for chunk in self._chunks(stream):
                    received = True
                    if chunk.usage:
                        reply.usage_reported = True
                        reply.prompt_tokens = chunk.usage.prompt_tokens or 0
                        reply.completion_tokens = chunk.usage.completion_tokens or 0
                    for choice in chunk.choices:
                        finished = finished or bool(choice.finish_reason)
                        delta = choice.delta or ChoiceDelta()
                        if delta.content:
                            reply.text += delta.content
                            yield delta.content
                        for piece in delta.tool_calls or []:
                            _merge_tool_call(partial_calls, piece)
        except openai.APIError as exc:
            raise self._translate(exc, bool(tools), _has_images(messages)) from None
        if not finished:
            content_type = stream.response.headers.get("content-type", "")
            if not received and not content_type.lower().startswith(_SSE_TYPE):
                raise self._not_a_stream(content_type)
            raise _Interrupted("the stream ended before the answer was finished")
        reply.tool_calls = [partial_calls[index] for index in sorted(partial_calls)]
        if not reply.prompt_tokens:  # the server reports no usage: count it ourselves
            reply.prompt_tokens = prompt_tokens(messages, tools)
            reply.completion_tokens = count_tokens(
                reply.text + "".join(call.name + call.arguments for call in reply.tool_calls)
            )
        yield reply

    async def _post_reporting_retries(self, body: dict) -> AsyncIterator[Retrying | openai.AsyncStream]:
        """Post the request; yield a ``Retrying`` for each wait before it is sent again, then the stream."""

        def post():
            return self._client.post(
                "/chat/completions",
                body=body,
                cast_to=ChatCompletion,
                stream=True,
                stream_cls=openai.AsyncStream[ChatCompletionChunk],
            )

        async for item in with_retries(post, self._backoff):
            yield item

    async def _chunks(self, stream: openai.AsyncStream) -> AsyncIterator[ChatCompletionChunk]:
        """The stream's chunks, checked: the client parses them but does not validate them.

        A transport failure here comes after the answer began, so it is a
        cut-off rather than a failure to connect.
        """
        try:
            async for chunk in stream:
                if not _is_chunk(chunk):
                    raise self._malformed("a JSON event that is not a Chat Completions chunk")
                yield chunk
        except _TIMEOUTS:
            raise _Interrupted(f"no data for {self.timeout:g} seconds") from None
        except _TRANSPORT_ERRORS:
            raise _Interrupted("the connection dropped") from None
        except json.JSONDecodeError as exc:
            raise self._malformed(f"an event that is not JSON: {exc.doc[:60]!r}") from None
        except UnicodeDecodeError:
            raise self._malformed("bytes that are not UTF-8 text") from None

    def _malformed(self, detail: str) -> LLMError:
        """The server's stream does not follow the Chat Completions format."""
        message = f"The model server at {self.endpoint} sent a malformed streamed answer ({detail})."
        return LLMError(
            redact(message, [self._key]),  # the detail quotes what the server sent
            f"Check that {setting_name('base_url')} points at an OpenAI-compatible API, usually ending in /v1.",
            quotes_server=True,
        )

    def _not_a_stream(self, content_type: str) -> LLMError:
        """The server answered, but with something else than a stream of events."""
        return LLMError(
            f"The model server at {self.endpoint} answered with "
            f"{content_type.split(';')[0] or 'an unlabelled body'} instead of a streamed answer.",
            "A proxy or a web page may be answering in the server's place: check that "
            f"{setting_name('base_url')} points at the model server's OpenAI-compatible API, "
            "usually ending in /v1.",
        )

    def _translate(self, exc: openai.APIError, sent_tools: bool = False, sent_images: bool = False) -> LLMError:
        """An ``LLMError`` that names the setting to fix; never contains the key."""
        where = self.endpoint
        model = self._model or "(not chosen yet)"
        retries = self.retries
        if isinstance(exc, openai.AuthenticationError):
            error = LLMError(
                f"The model server at {where} rejected the API key (401).",
                f"Check {setting_name('api_key')}: paste a key this server accepts, then ask again.",
            )
        elif isinstance(exc, openai.PermissionDeniedError):
            error = LLMError(
                f"The API key may not use model '{model}' at {where} (403).",
                f"Choose a model the key may use ({setting_name('model')}), or use a key with access to it.",
            )
        elif isinstance(exc, openai.APIStatusError) and sent_tools and _mentions(exc, _TOOL_WORDS):
            self._found(tools=False)
            error = ToolsRejected(f"Model '{model}' at {where} does not accept tool calls.")
        elif isinstance(exc, openai.APIStatusError) and sent_images and _mentions(exc, _IMAGE_WORDS):
            self._found(images=False)
            error = ImagesRejected(f"Model '{model}' at {where} does not read images.")
        elif isinstance(exc, openai.NotFoundError):
            error = LLMError(
                f"Model '{model}' was not found at {where} (404).",
                f"Choose a model the server lists ({setting_name('model')}: Test connection lists them), "
                f"and check that {setting_name('base_url')} ends in /v1.",
            )
        elif isinstance(exc, openai.RateLimitError):
            error = LLMError(
                f"The model server at {where} is rate-limiting requests (429); gave up after {retries} retries.",
                f"Wait a minute and ask again, or raise {setting_name('max_retries')}.",
            )
        elif isinstance(exc, openai.InternalServerError):
            error = LLMError(
                f"The model server at {where} failed with HTTP {exc.status_code}, {retries + 1} times in a row.",
                "The service may be down; try again later.",
            )
        elif isinstance(exc, openai.APITimeoutError):
            error = LLMError(
                f"The model server at {where} did not answer within {self.timeout:g} seconds ({retries + 1} tries).",
                f"Try again, or raise {setting_name('request_timeout')} for slow models.",
            )
        elif isinstance(exc, openai.APIConnectionError):
            error = LLMError(
                f"Could not connect to the model server at {where}.",
                f"Check that it is running and that {setting_name('base_url')} points at it.",
            )
        else:
            detail = getattr(exc, "message", "") or str(exc)
            error = LLMError(f"The model server at {where} answered with an error: {detail}", quotes_server=True)
        error.message = redact(error.message, [self._key])
        return error


def _is_chunk(chunk) -> bool:
    """Whether an event has the shape of a chunk, down to each choice's delta."""
    return (
        isinstance(chunk, ChatCompletionChunk)
        and isinstance(chunk.choices, list)
        and all(isinstance(c, Choice) and isinstance(c.delta, (ChoiceDelta, type(None))) for c in chunk.choices)
    )


def _merge_tool_call(partial: dict[int, ToolCall], piece) -> None:
    """Fold one streamed tool-call delta into the call it continues (by index)."""
    call = partial.setdefault(piece.index, ToolCall(id="", name="", arguments=""))
    if piece.id:
        call.id = piece.id
    if piece.function is not None:
        if piece.function.name:
            call.name += piece.function.name
        if piece.function.arguments:
            call.arguments += piece.function.arguments
