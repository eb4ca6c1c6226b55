"""The model, reached through ``openai.AsyncOpenAI`` (Chat Completions, streaming).

Retries of 429, 5xx, timeouts and dropped connections, with exponential
backoff that honours ``Retry-After``, are the openai client's own; what is ours
is merging streamed tool-call deltas and turning failures into messages that
say what to fix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from .redaction import redact
from .settings import DEFAULT_OPENAI_MODEL, CodeInterpreter
from .tokens import count_tokens, prompt_tokens


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text, as the model wrote it


@dataclass
class Reply:
    """One complete answer of the model."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMError(Exception):
    """A failure to tell the user about, with what to do about it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class ToolsRejected(LLMError):
    """The endpoint refuses the ``tools`` parameter; use fenced code instead."""


def _mentions_tools(exc: openai.APIStatusError) -> bool:
    return any(word in str(exc.message).lower() for word in ("tool", "function call"))


class LLMClient:
    """Streams answers from the configured model."""

    def __init__(self, settings: CodeInterpreter):
        self.settings = settings
        self._client = openai.AsyncOpenAI(
            api_key=settings.client_key(),
            base_url=settings.base_url or None,
            max_retries=settings.max_retries,
            timeout=settings.request_timeout,
        )
        self._model = settings.model or (DEFAULT_OPENAI_MODEL if settings.uses_openai else "")

    @property
    def model_name(self) -> str | None:
        """The model in use, once known."""
        return self._model or None

    async def aclose(self) -> None:
        """Close pooled connections (before the event loop ends)."""
        await self._client.close()

    async def model(self) -> str:
        """The configured model, else the first one the server lists."""
        if not self._model:
            try:
                page = await self._client.models.list()
            except openai.APIError as exc:
                raise self._translate(exc) from None
            ids = [model.id for model in page.data]
            if not ids:
                raise LLMError(
                    f"The model server at {self.settings.endpoint} lists no models.",
                    "Load a model in the server, or set c.CodeInterpreter.model.",
                )
            self._model = ids[0]
        return self._model

    async def stream(
        self, messages: list[dict], *, tools: list[dict] | None
    ) -> AsyncIterator[str | Reply]:
        """Yield text deltas as they arrive, then the complete ``Reply``."""
        body = {
            "model": await self.model(),
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **({"tools": tools} if tools else {}),
        }
        try:
            # Posted as-is: our messages are already wire-format dicts, and
            # ``chat.completions.create`` would re-walk the whole history through
            # its type-driven transform on every call (measured: most of a
            # round's overhead once the conversation has a few dozen messages).
            # Retries and streaming are the client's, as with ``create``.
            stream = await self._client.post(
                "/chat/completions",
                body=body,
                cast_to=ChatCompletion,
                stream=True,
                stream_cls=openai.AsyncStream[ChatCompletionChunk],
            )
            reply = Reply()
            partial_calls: dict[int, ToolCall] = {}
            async with stream:
                async for chunk in stream:
                    if chunk.usage:
                        reply.prompt_tokens = chunk.usage.prompt_tokens or 0
                        reply.completion_tokens = chunk.usage.completion_tokens or 0
                    for choice in chunk.choices:
                        delta = choice.delta
                        if delta.content:
                            reply.text += delta.content
                            yield delta.content
                        for piece in delta.tool_calls or []:
                            _merge_tool_call(partial_calls, piece)
        except openai.APIError as exc:
            raise self._translate(exc, bool(tools)) from None
        reply.tool_calls = [partial_calls[index] for index in sorted(partial_calls)]
        if not reply.prompt_tokens:  # the server reports no usage: count it ourselves
            reply.prompt_tokens = prompt_tokens(messages, tools)
            reply.completion_tokens = count_tokens(
                reply.text + "".join(call.name + call.arguments for call in reply.tool_calls)
            )
        yield reply

    def _translate(self, exc: openai.APIError, sent_tools: bool = False) -> LLMError:
        """An ``LLMError`` that names the setting to fix; never contains the key."""
        where = self.settings.endpoint
        model = self._model or "(not chosen yet)"
        retries = self.settings.max_retries
        if isinstance(exc, openai.AuthenticationError):
            error = LLMError(
                f"The model server at {where} rejected the API key (401).",
                "Set the OPENAI_API_KEY environment variable or c.CodeInterpreter.api_key "
                "in jupyter_server_config.py, then restart JupyterLab.",
            )
        elif isinstance(exc, openai.PermissionDeniedError):
            error = LLMError(
                f"The API key may not use model '{model}' at {where} (403).",
                "Choose a model the key may use (c.CodeInterpreter.model or "
                "CI_JUPYTERLAB_MODEL), or use a key with access to it.",
            )
        elif isinstance(exc, openai.APIStatusError) and sent_tools and _mentions_tools(exc):
            error = ToolsRejected(f"Model '{model}' at {where} does not accept tool calls.")
        elif isinstance(exc, openai.NotFoundError):
            error = LLMError(
                f"Model '{model}' was not found at {where} (404).",
                "Set c.CodeInterpreter.model (or CI_JUPYTERLAB_MODEL) to a model the "
                "server lists, and check c.CodeInterpreter.base_url ends in /v1.",
            )
        elif isinstance(exc, openai.RateLimitError):
            error = LLMError(
                f"The model server at {where} is rate-limiting requests (429); "
                f"gave up after {retries} retries.",
                "Wait a minute and ask again, or raise c.CodeInterpreter.max_retries.",
            )
        elif isinstance(exc, openai.InternalServerError):
            error = LLMError(
                f"The model server at {where} failed with HTTP {exc.status_code}, "
                f"{retries + 1} times in a row.",
                "The service may be down; try again later.",
            )
        elif isinstance(exc, openai.APITimeoutError):
            error = LLMError(
                f"The model server at {where} did not answer within "
                f"{self.settings.request_timeout:g} seconds ({retries + 1} tries).",
                "Try again, or raise c.CodeInterpreter.request_timeout for slow models.",
            )
        elif isinstance(exc, openai.APIConnectionError):
            error = LLMError(
                f"Could not connect to the model server at {where}.",
                "Check that it is running and that c.CodeInterpreter.base_url "
                "(or OPENAI_BASE_URL) points at it.",
            )
        else:
            detail = getattr(exc, "message", "") or str(exc)
            error = LLMError(f"The model server at {where} answered with an error: {detail}")
        error.message = redact(error.message, [self.settings.api_key])
        return error


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
