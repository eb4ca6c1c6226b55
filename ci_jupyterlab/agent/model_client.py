"""The seam between the agent loop and a model: the ``ModelClient`` protocol and its vocabulary.

A model client streams one answer at a time: text deltas as they arrive, a
``CutOff`` when the answer so far was lost and is asked for again, a
``Retrying`` while the server rate-limits or fails and the request waits to be
sent again, then the complete ``Reply``. Failures are ``LLMError`` with a message and a hint that
names the setting to fix. ``openai_client.OpenAICompatibleClient`` is the one
implementation shipped; ``c.CodeInterpreter.model_client_class`` selects it, and
``CodeInterpreter.model_client`` is the one place a client is built (docs/architecture.md:
"Adding a model provider").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, astuple, dataclass, field
from typing import Protocol


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
    usage_reported: bool = field(default=False, compare=False)  # the server counted the tokens (else: estimated)


@dataclass
class CutOff:
    """The answer streamed so far was cut off and is being asked for again."""

    message: str


class LLMError(Exception):
    """A failure to tell the user about, with what to do about it.

    ``quotes_server``: the message quotes what the server sent (an error's body, a stream's bytes), which
    is fine for the server the user chose, not for one a caller merely names (``settings/test``).
    """

    def __init__(self, message: str, hint: str = "", *, quotes_server: bool = False):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.quotes_server = quotes_server


class ToolsRejected(LLMError):
    """The endpoint refuses the ``tools`` parameter; use fenced code instead."""


class ImagesRejected(LLMError):
    """The model refuses image input; send it text only."""


@dataclass(frozen=True)
class Capabilities:
    """What a model can do, as far as is known: each True, False or None (not known yet).

    A provider declares what it knows for certain; Test connection probes the rest and the server keeps
    what it found (``capability_record.py``); the loop learns the rest the first time it matters.
    """

    tools: bool | None = None  # takes tool calls (else code comes in fenced blocks)
    images: bool | None = None  # reads images in a user message
    streaming_usage: bool | None = None  # reports token counts while streaming (else they are estimated)

    def merged(self, known: Capabilities) -> Capabilities:
        """These, with what ``known`` says where these say nothing."""
        return Capabilities(
            *(mine if mine is not None else theirs for mine, theirs in zip(astuple(self), astuple(known), strict=True))
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Retrying:
    """The model server refused or failed for now (429, 5xx, a timeout); the request is sent again shortly."""

    message: str
    seconds: float


class ModelClient(Protocol):
    """What the product needs of a model provider: the loop streams answers; the settings view names the
    endpoint, lists the models and tests what the model can do.

    It is built with keyword arguments only: ``base_url`` (None: the provider's default), ``api_key`` ("" if
    none), ``model`` ("" : the provider's default or the first one listed), ``timeout`` (seconds to wait for
    the server), ``retries`` (of a request that failed for now) and ``capabilities`` (what is known of
    the model, from an earlier probe: fill in what the provider itself does not know).
    """

    @property
    def endpoint(self) -> str:
        """Where the model is reached, for messages: a host, never a key."""

    @property
    def model_name(self) -> str | None:
        """The model in use, once known (a server may pick it at the first request)."""

    @property
    def capabilities(self) -> Capabilities:
        """What the model can do as far as is known (declared by the provider, else probed)."""

    async def list_models(self) -> list[str]:
        """The ids of the models the server offers; ``LLMError`` on failure."""

    async def model(self) -> str:
        """The model requests use: the configured one, else the provider's choice; ``LLMError`` if none."""

    def stream(
        self, messages: list[dict], *, tools: list[dict] | None
    ) -> AsyncIterator[str | CutOff | Retrying | Reply]:
        """Text deltas, maybe ``CutOff`` (then the deltas start again) or ``Retrying``, then the ``Reply``;
        ``LLMError`` on failure: ``ToolsRejected`` if ``tools`` were refused, ``ImagesRejected`` if an image
        part was."""

    async def close(self) -> None:
        """Release connections; call before the event loop ends."""
