"""The server's chat messages that are not agent events: typed, like the events (``agent/events.py``).

Each is a dataclass whose ``to_message()`` is the JSON the panel reads; the
fields are the contract's (``agent/contract.json``, checked by
tests/test_contract.py), so a new field or message is added in one place here
and there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .agent.events import Event


@dataclass
class Hello(Event):
    """The first message on a socket: the protocol and whether a model can be used."""

    type: ClassVar[str] = "hello"
    protocol: int
    configured: bool
    model: str | None
    problem: dict | None


@dataclass
class Attached(Event):
    """The answer to ``attach``: whether this window drives the session or watches it."""

    type: ClassVar[str] = "attached"
    session: str
    role: str  # "driver" or "watcher"
    busy: bool


@dataclass
class DescribeNotebook(Event):
    """The server asks a window for one of its open notebooks (an outside agent's request is about it)."""

    type: ClassVar[str] = "describe_notebook"
    call_id: str
    path: str


@dataclass
class UserMessageShown(Event):
    """A request, as the windows that watch it and the history show it."""

    type: ClassVar[str] = "user_message"
    text: str
    attachments: list[str] = field(default_factory=list)  # the attached files' names
    client: str | None = None  # the outside agent (an MCP client) that sent it; None: the user


@dataclass
class ApprovalAnswer(Event):
    """The user's answer to an approval request, from any window."""

    type: ClassVar[str] = "approval_answer"
    request_id: str
    approved: bool
    code: str | None = None  # approved with this edited code, which runs instead


@dataclass
class QuestionAnswer(Event):
    """The user's answer to the model's question, from any window."""

    type: ClassVar[str] = "question_answer"
    request_id: str
    option: int | None
    text: str


@dataclass
class ReviewShown(Event):
    """The user accepted or reverted one change of a request."""

    type: ClassVar[str] = "review"
    request: int
    cell_id: str
    action: str


@dataclass
class UndoShown(Event):
    """The user undid a request: cells restored, removed, or kept as they had changed them since."""

    type: ClassVar[str] = "undo"
    request: int
    restored: list[str]
    removed: list[str]
    kept: list[str]


@dataclass
class ExportShown(Event):
    """An export of the session's notebook, as the history keeps it."""

    type: ClassVar[str] = "export"
    result: dict | None
    error: str | None


@dataclass
class KernelCardShown(Event):
    """A card about the notebook's kernel as a window showed it, kept for the history (a reload shows it)."""

    type: ClassVar[str] = "kernel_card"
    id: str
    cause: str  # the contract's kernel_causes
    state: str  # the contract's kernel_card_states
    ran: int  # cells Restore state ran, of total
    total: int
    failure: str | None  # why Restore state stopped, when it failed
