"""The seam between the agent loop and a model: the ``ModelClient`` protocol and its vocabulary.

A model client streams one answer at a time: text deltas as they arrive, a
``CutOff`` when the answer so far was lost and is asked for again, a
``Retrying`` while the server rate-limits or fails and the request waits to be
sent again, then the complete ``Reply``. Failures are ``LLMError`` with a message and a hint that
names the setting to fix. ``openai_client.OpenAICompatibleClient`` is the one
implementation today; ``c.CodeInterpreter.model_client_class`` selects it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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


@dataclass
class Retrying:
    """The model server refused or failed for now (429, 5xx, a timeout); the request is sent again shortly."""

    message: str
    seconds: float


class ModelClient(Protocol):
    """What the agent loop needs of a model."""

    @property
    def model_name(self) -> str | None:
        """The model in use, once known (a server may pick it at the first request)."""

    def stream(
        self, messages: list[dict], *, tools: list[dict] | None
    ) -> AsyncIterator[str | CutOff | Retrying | Reply]:
        """Text deltas, maybe ``CutOff`` (then the deltas start again) or ``Retrying``, then the ``Reply``;
        ``LLMError`` on failure."""

    async def close(self) -> None:
        """Release connections; call before the event loop ends."""
